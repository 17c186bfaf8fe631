/**
 * Topic configuration: the per-topic keys (Kafka's names), each falling back to its broker synonym
 * (`retention.ms` → `log.retention.ms` …), and the values in effect for one topic with their sources.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type BrokerConfig, type ConfigEntry, brokerConfigDef } from './broker-config.js';
import { type ConfigDef, ConfigSource, type ConfigType, type ConfigValue, parseConfigValue } from './config-def.js';

interface TopicConfigDef extends ConfigDef {
  /** The broker key whose value applies when the topic does not override this one. */
  readonly brokerSynonym: string;
}

function topicDef(name: string, brokerSynonym: string, type?: ConfigType): TopicConfigDef {
  const broker = brokerConfigDef(brokerSynonym);
  if (!broker) throw new Error(`topic config ${name}: unknown broker synonym ${brokerSynonym}`);
  return { ...broker, name, type: type ?? broker.type, brokerSynonym };
}

export const TOPIC_CONFIG_DEFS: readonly TopicConfigDef[] = [
  topicDef('cleanup.policy', 'log.cleanup.policy'),
  topicDef('compression.type', 'compression.type'),
  topicDef('delete.retention.ms', 'log.cleaner.delete.retention.ms'),
  topicDef('file.delete.delay.ms', 'log.segment.delete.delay.ms'),
  topicDef('flush.messages', 'log.flush.interval.messages'),
  topicDef('flush.ms', 'log.flush.interval.ms'),
  topicDef('index.interval.bytes', 'log.index.interval.bytes'),
  topicDef('max.compaction.lag.ms', 'log.cleaner.max.compaction.lag.ms'),
  topicDef('max.message.bytes', 'message.max.bytes'),
  topicDef('message.timestamp.type', 'log.message.timestamp.type'),
  topicDef('message.timestamp.before.max.ms', 'log.message.timestamp.before.max.ms'),
  topicDef('message.timestamp.after.max.ms', 'log.message.timestamp.after.max.ms'),
  topicDef('min.cleanable.dirty.ratio', 'log.cleaner.min.cleanable.ratio'),
  topicDef('min.compaction.lag.ms', 'log.cleaner.min.compaction.lag.ms'),
  topicDef('min.insync.replicas', 'min.insync.replicas'),
  topicDef('preallocate', 'log.preallocate'),
  topicDef('retention.bytes', 'log.retention.bytes'),
  topicDef('retention.ms', 'log.retention.ms'),
  topicDef('segment.bytes', 'log.segment.bytes'),
  topicDef('segment.index.bytes', 'log.index.size.max.bytes'),
  topicDef('segment.ms', 'log.roll.ms'),
  topicDef('unclean.leader.election.enable', 'unclean.leader.election.enable'),
];

const TOPIC_DEFS_BY_NAME = new Map(TOPIC_CONFIG_DEFS.map((d) => [d.name, d]));

/** Checks one override (name and textual value); throws KafkaError(INVALID_CONFIG) for an unknown key or a bad value. */
export function validateTopicConfig(name: string, text: string | null): void {
  const d = TOPIC_DEFS_BY_NAME.get(name);
  if (!d) throw new KafkaError(ErrorCode.INVALID_CONFIG, `unknown topic config ${name}`);
  parseConfigValue(d, text);
}

export interface TopicConfigEntry extends ConfigEntry {
  /** The broker entry this key falls back to (DescribeConfigs synonyms). */
  readonly brokerEntry: ConfigEntry;
}

/** The configuration in effect for one topic: its overrides over the broker's values. */
export class TopicConfig {
  readonly #entries = new Map<string, TopicConfigEntry>();
  readonly overrides: Readonly<Record<string, string>>;

  /** Throws KafkaError(INVALID_CONFIG) for an unknown key or a bad value. */
  constructor(broker: BrokerConfig, overrides: Readonly<Record<string, string>> = {}) {
    this.overrides = { ...overrides };
    for (const d of TOPIC_CONFIG_DEFS) {
      const brokerEntry = fallbackEntry(broker, d);
      const text = overrides[d.name];
      if (text !== undefined) {
        this.#entries.set(d.name, { def: d, value: parseConfigValue(d, text), text, source: ConfigSource.DYNAMIC_TOPIC_CONFIG, brokerEntry });
      } else {
        const inherited = inheritedText(broker, d, brokerEntry);
        this.#entries.set(d.name, { def: d, value: parseConfigValue(d, inherited), text: inherited, source: brokerEntry.source, brokerEntry });
      }
    }
    for (const name of Object.keys(overrides)) {
      if (!TOPIC_DEFS_BY_NAME.has(name)) throw new KafkaError(ErrorCode.INVALID_CONFIG, `unknown topic config ${name}`);
    }
  }

  entries(): IterableIterator<TopicConfigEntry> {
    return this.#entries.values();
  }

  number(name: string): number {
    const value = this.#value(name);
    if (typeof value !== 'number') throw new KafkaError(ErrorCode.INVALID_CONFIG, `${name} is not numeric`);
    return value;
  }

  string(name: string): string {
    return String(this.#value(name));
  }

  bool(name: string): boolean {
    return this.#value(name) === true;
  }

  list(name: string): readonly string[] {
    const value = this.#value(name);
    return Array.isArray(value) ? value : [];
  }

  get maxMessageBytes(): number {
    return this.number('max.message.bytes');
  }

  get logAppendTime(): boolean {
    return this.string('message.timestamp.type') === 'LogAppendTime';
  }

  get compacted(): boolean {
    return this.list('cleanup.policy').includes('compact');
  }

  #value(name: string): ConfigValue {
    const entry = this.#entries.get(name);
    if (!entry) throw new KafkaError(ErrorCode.INVALID_CONFIG, `unknown topic config ${name}`);
    return entry.value;
  }
}

/** The broker entry a topic key falls back to: for retention and roll, whichever of their ms/minutes/hours keys decides. */
function fallbackEntry(broker: BrokerConfig, d: TopicConfigDef): ConfigEntry {
  if (d.name === 'retention.ms') return broker.logRetentionEntry;
  if (d.name === 'segment.ms') return broker.logRollEntry;
  return broker.entry(d.brokerSynonym);
}

/** The inherited value as text, in the topic key's unit (retention and roll in ms). */
function inheritedText(broker: BrokerConfig, d: TopicConfigDef, brokerEntry: ConfigEntry): string | null {
  if (d.name === 'retention.ms') return String(broker.logRetentionMs);
  if (d.name === 'segment.ms') return String(broker.logRollMs);
  return brokerEntry.text;
}

/**
 * Broker configuration: the keys gregor understands, with Kafka's names, types and defaults, and the values
 * in effect with the source of each (DescribeConfigs reports both). Loading from flags, environment and
 * server.properties lives in src/config/sources/; this module only defines and validates.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type ConfigDef, ConfigSource, ConfigType, type ConfigValue, parseConfigValue } from './config-def.js';
import { AUTHORIZER_CONFIG_DEFS } from './authorizer-config.js';
import { SECURITY_CONFIG_DEFS, listenerKeyDef, splitListenerKey } from './security-config.js';

const LONG_MAX = '9223372036854775807';
const INT_MAX = '2147483647';

function def(name: string, type: ConfigType, dflt: string | null, doc: string, extra: Partial<ConfigDef> = {}): ConfigDef {
  return { name, type, default: dflt, doc, ...extra };
}

const { BOOLEAN, STRING, INT, SHORT, LONG, DOUBLE, LIST } = ConfigType;
const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'];
/** The one `replica.selector.class` gregor has: Kafka's, accepted by its Java class name. */
export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

/** Every broker key gregor knows, in Kafka's spelling. */
export const BROKER_CONFIG_DEFS: readonly ConfigDef[] = [
  def('node.id', INT, '-1', 'The node id; -1 takes the one persisted in meta.properties, or 1 for a new data dir.', { min: -1 }),
  def('listeners', LIST, 'PLAINTEXT://:9092', 'Where the broker listens, as listener-name://host:port.'),
  def('advertised.listeners', LIST, null, 'Addresses given to clients in Metadata; defaults to listeners.'),
  def('log.dirs', LIST, null, 'Directories holding partition logs; defaults to log.dir.'),
  def('log.dir', STRING, 'data', 'The log directory used when log.dirs is not set.'),
  def('metadata.log.dir', STRING, null, 'Where the cluster metadata is kept; defaults to the first log dir.'),
  def('num.partitions', INT, '1', 'Partitions of an auto-created topic.', { min: 1 }),
  def('default.replication.factor', SHORT, '1', 'Replication factor of an auto-created topic.', { min: 1 }),
  def('auto.create.topics.enable', BOOLEAN, 'true', 'Create a topic on Metadata or Produce for an unknown name.'),
  def('delete.topic.enable', BOOLEAN, 'true', 'Allow DeleteTopics.'),
  def('message.max.bytes', INT, '1048588', 'Largest record batch the broker accepts.', { min: 0 }),
  def('socket.request.max.bytes', INT, '104857600', 'Largest request frame; a larger one closes its connection.', { min: 1 }),
  def('queued.max.requests', INT, '500', 'Requests one connection may have in flight before the broker stops reading it.', { min: 1 }),
  def('max.request.partition.size.limit', INT, '2000', 'Most partitions one DescribeTopicPartitions response describes.', { min: 1 }),
  def('connections.max.idle.ms', LONG, '600000', 'Idle connections are closed after this long.'),
  def('max.connections.per.ip', INT, INT_MAX, 'Connections one client address may hold.', { min: 0 }),
  def('max.connections', INT, INT_MAX, 'Connections the broker accepts in total.', { min: 0 }),
  def('quota.window.num', INT, '11', 'Windows a client quota rate is measured over.', { min: 1 }),
  def('quota.window.size.seconds', INT, '1', 'Length of one client quota window.', { min: 1 }),
  def('log.retention.hours', INT, '168', 'Retention in hours when neither log.retention.minutes nor .ms is set.'),
  def('log.retention.minutes', INT, null, 'Retention in minutes when log.retention.ms is not set.'),
  def('log.retention.ms', LONG, null, 'Retention in milliseconds; -1 keeps everything.'),
  def('log.retention.bytes', LONG, '-1', 'Largest size of a partition log before old segments are deleted.'),
  def('log.segment.bytes', INT, '1073741824', 'Segment file size.', { min: 14 }),
  def('log.roll.hours', INT, '168', 'Segment age before a roll, when log.roll.ms is not set.', { min: 1 }),
  def('log.roll.ms', LONG, null, 'Segment age before a roll.'),
  def('log.cleanup.policy', LIST, 'delete', 'delete, compact or both.', { oneOf: ['delete', 'compact'] }),
  def('log.index.interval.bytes', INT, '4096', 'Bytes between offset index entries.', { min: 0 }),
  def('log.index.size.max.bytes', INT, '10485760', 'Largest offset index file.', { min: 4 }),
  def('log.flush.interval.messages', LONG, LONG_MAX, 'Messages accumulated before a flush.', { min: 1 }),
  def('log.flush.interval.ms', LONG, null, 'Time data may stay unflushed.'),
  def('log.preallocate', BOOLEAN, 'false', 'Preallocate segment files.'),
  def('log.segment.delete.delay.ms', LONG, '60000', 'Delay before a deleted segment file is removed.'),
  def('log.cleaner.enable', BOOLEAN, 'true', 'Run the log cleaner for compacted topics.'),
  def('log.cleaner.delete.retention.ms', LONG, '86400000', 'How long tombstones are kept on compacted topics.'),
  def('log.cleaner.min.compaction.lag.ms', LONG, '0', 'Minimum age of a record before compaction.'),
  def('log.cleaner.max.compaction.lag.ms', LONG, LONG_MAX, 'Maximum age of a record before it is eligible for compaction.'),
  def('log.cleaner.min.cleanable.ratio', DOUBLE, '0.5', 'Dirty ratio that triggers compaction.', { min: 0, max: 1 }),
  def('log.cleaner.backoff.ms', LONG, '15000', 'How long the log cleaner waits between compaction checks.', { min: 0 }),
  def('log.retention.check.interval.ms', LONG, '300000', 'How often retention is enforced.', { min: 1 }),
  def('compression.type', STRING, 'producer', 'Compression of stored batches; producer keeps what the producer sent.', { oneOf: COMPRESSION_TYPES }),
  def('log.message.timestamp.type', STRING, 'CreateTime', 'CreateTime or LogAppendTime.', { oneOf: ['CreateTime', 'LogAppendTime'] }),
  def('log.message.timestamp.before.max.ms', LONG, LONG_MAX, 'How far in the past a CreateTime timestamp may be.', { min: 0 }),
  def('log.message.timestamp.after.max.ms', LONG, LONG_MAX, 'How far in the future a CreateTime timestamp may be.', { min: 0 }),
  def('min.insync.replicas', INT, '1', 'Replicas that must have a write for acks=all.', { min: 1 }),
  def('unclean.leader.election.enable', BOOLEAN, 'false', 'Allow an out-of-sync replica to become leader.'),
  def('replica.lag.time.max.ms', LONG, '30000', 'A follower not caught up with its leader for this long leaves the ISR.', { min: 1 }),
  def('replica.fetch.wait.max.ms', INT, '500', 'Longest a follower fetch waits at the leader for data.', { min: 0 }),
  def('replica.fetch.min.bytes', INT, '1', 'Bytes a follower fetch waits for.', { min: 1 }),
  def('replica.fetch.max.bytes', INT, '1048576', 'Bytes a follower fetches per partition (at least one batch).', { min: 0 }),
  def('replica.fetch.response.max.bytes', INT, '10485760', 'Bytes a follower fetches per request (at least one batch).', { min: 0 }),
  def('replica.fetch.backoff.ms', INT, '1000', 'How long a follower waits after a failed fetch.', { min: 0 }),
  def('replica.high.watermark.checkpoint.interval.ms', LONG, '5000', 'How often each log dir’s high watermarks are written to replication-offset-checkpoint.', {
    min: 1,
  }),
  def('replica.socket.timeout.ms', INT, '30000', 'Deadline of a follower request to its leader.', { min: 1 }),
  def('producer.id.expiration.ms', INT, '86400000', 'Idle time after which a producer id’s state is dropped.', { min: 1 }),
  def('group.initial.rebalance.delay.ms', INT, '3000', 'Delay of the first rebalance of an empty group.', { min: 0 }),
  def('group.min.session.timeout.ms', INT, '6000', 'Smallest session timeout a member may ask for.'),
  def('group.max.session.timeout.ms', INT, '1800000', 'Largest session timeout a member may ask for.'),
  def('group.max.size', INT, INT_MAX, 'Largest number of members in a group.', { min: 1 }),
  def('offsets.topic.num.partitions', INT, '50', 'Partitions of __consumer_offsets.', { min: 1 }),
  def('offsets.topic.replication.factor', SHORT, '1', 'Replication factor of __consumer_offsets.', { min: 1 }),
  def('offsets.topic.segment.bytes', INT, '104857600', 'Segment size of __consumer_offsets.', { min: 1 }),
  def('offsets.retention.minutes', INT, '10080', 'How long committed offsets of an empty group are kept.', { min: 1 }),
  def('offsets.retention.check.interval.ms', LONG, '600000', 'How often expired offsets are removed.', { min: 1 }),
  def('offset.metadata.max.bytes', INT, '4096', 'Largest metadata string of a committed offset.'),
  def(
    'gregor.flush.before.acks.all.enable',
    BOOLEAN,
    'true',
    'Answer acks=all only once the batch is flushed to disk on the leader and on every in-sync follower (group commit across requests); false answers once appended, as Kafka does.',
  ),
  def(
    'gregor.log.dir.min.free.bytes',
    LONG,
    '1073741824',
    'Free bytes a log dir keeps: below it Produce to its partitions is refused with KAFKA_STORAGE_ERROR (reads go on) until space is freed, so the disk never fills up (Redpanda’s storage_min_free_bytes); 0 refuses only once a write found the disk full.',
    { min: 0 },
  ),
  def('gregor.request.read.timeout.ms', LONG, '30000', 'Deadline for a started request to arrive completely; a slower sender is disconnected.', { min: 1 }),
  def('gregor.admin.listener', STRING, null, 'host:port of the admin HTTP endpoint (/metrics, /health/live, /health/ready); unset turns it off.'),
  def(
    'gregor.metrics.kafka.names.enable',
    BOOLEAN,
    'false',
    'Also export per-topic and per-request metrics under the names Kafka’s JMX exporter uses (kafka_server_brokertopicmetrics_*, kafka_network_requestmetrics_*).',
  ),
  def(
    'gregor.metadata.store',
    STRING,
    'local',
    'Where the cluster metadata is kept: local (a file in the metadata dir, one broker) or etcd (shared by the brokers of a cluster).',
    {
      oneOf: ['local', 'etcd'],
    },
  ),
  def(
    'gregor.cluster.name',
    STRING,
    'gregor',
    'Names the cluster in etcd: its keys live under /gregor/<name>/, so several clusters share one etcd. The cluster id itself is kept there, created by the first broker.',
  ),
  def(
    'broker.session.timeout.ms',
    INT,
    '9000',
    'A broker whose etcd lease is not renewed for this long leaves the cluster (rounded up to whole seconds, etcd’s lease unit).',
    { min: 1000 },
  ),
  def('broker.rack', STRING, null, 'The broker’s rack, for rack-aware replica placement and consumers fetching from the closest replica.'),
  def(
    'replica.selector.class',
    STRING,
    null,
    'How a leader picks the replica a consumer should fetch from (KIP-392): none (the leader), or Kafka’s rack-aware selector by its class name.',
    { oneOf: [RACK_AWARE_REPLICA_SELECTOR] },
  ),
  def('gregor.etcd.endpoints', LIST, '127.0.0.1:2379', 'The etcd members (host:port) holding the cluster metadata when gregor.metadata.store is etcd.'),
  ...SECURITY_CONFIG_DEFS,
  ...AUTHORIZER_CONFIG_DEFS,
  def('gregor.log.level', STRING, 'info', 'Level of the broker’s log.', { oneOf: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }),
];

const BROKER_DEFS_BY_NAME = new Map(BROKER_CONFIG_DEFS.map((d) => [d.name, d]));

/** The definition of a broker key, including the listener-prefixed security keys (`listener.name.<l>.ssl.…`). */
export function brokerConfigDef(name: string): ConfigDef | undefined {
  const direct = BROKER_DEFS_BY_NAME.get(name);
  if (direct) return direct;
  const prefixed = splitListenerKey(name);
  return prefixed && listenerKeyDef(prefixed.key, (key) => BROKER_DEFS_BY_NAME.get(key));
}

export interface ConfigEntry {
  readonly def: ConfigDef;
  readonly value: ConfigValue;
  /** The textual value, or null when unset. */
  readonly text: string | null;
  readonly source: ConfigSource;
}

/** A broker setting as given by a loader: the text and where it came from. */
export interface ConfigSetting {
  readonly value: string | number | boolean;
  readonly source?: ConfigSource;
}

export type BrokerSettings = Readonly<Record<string, string | number | boolean | ConfigSetting | undefined>>;

/** The broker's configuration in effect: every known key with its value and source. */
export class BrokerConfig {
  readonly #entries = new Map<string, ConfigEntry>();
  /** Per lower-cased listener name, its `listener.name.<l>.*` settings by unprefixed key. */
  readonly #listenerEntries: ReadonlyMap<string, ReadonlyMap<string, ConfigEntry>>;
  /** Keys given that gregor does not know (loaders warn about them; they are never dropped silently). */
  readonly unknownKeys: readonly string[];

  private constructor(
    entries: Map<string, ConfigEntry>,
    unknownKeys: string[],
    listenerEntries: ReadonlyMap<string, ReadonlyMap<string, ConfigEntry>> = new Map(),
  ) {
    this.#entries = entries;
    this.unknownKeys = unknownKeys;
    this.#listenerEntries = listenerEntries;
  }

  /** Validates the settings (Kafka names → text, number or boolean); throws KafkaError(INVALID_CONFIG) on a bad value. */
  static create(settings: BrokerSettings = {}): BrokerConfig {
    const entries = new Map<string, ConfigEntry>();
    for (const d of BROKER_CONFIG_DEFS) {
      entries.set(d.name, { def: d, value: parseConfigValue(d, d.default), text: d.default, source: ConfigSource.DEFAULT_CONFIG });
    }
    const unknownKeys: string[] = [];
    const listenerEntries = new Map<string, Map<string, ConfigEntry>>();
    for (const [name, given] of Object.entries(settings)) {
      if (given === undefined) continue;
      const d = brokerConfigDef(name);
      if (!d) {
        unknownKeys.push(name);
        continue;
      }
      const setting = typeof given === 'object' ? given : { value: given };
      const text = String(setting.value);
      const entry = { def: d, value: parseConfigValue(d, text), text, source: setting.source ?? ConfigSource.STATIC_BROKER_CONFIG };
      const prefixed = BROKER_DEFS_BY_NAME.has(name) ? undefined : splitListenerKey(name);
      if (!prefixed) entries.set(name, entry);
      else listenerEntries.set(prefixed.listener, (listenerEntries.get(prefixed.listener) ?? new Map()).set(prefixed.key, entry));
    }
    return new BrokerConfig(entries, unknownKeys, listenerEntries);
  }

  /** The configuration one listener sees: its `listener.name.<listener>.*` settings over the broker's. */
  forListener(listenerName: string): BrokerConfig {
    const overrides = this.#listenerEntries.get(listenerName.toLowerCase());
    if (!overrides) return this;
    return new BrokerConfig(new Map([...this.#entries, ...overrides]), []);
  }

  entry(name: string): ConfigEntry {
    const entry = this.#entries.get(name);
    if (!entry) throw new KafkaError(ErrorCode.INVALID_CONFIG, `unknown broker config ${name}`);
    return entry;
  }

  entries(): IterableIterator<ConfigEntry> {
    return this.#entries.values();
  }

  has(name: string): boolean {
    return this.#entries.get(name)?.value != null;
  }

  int(name: string): number {
    return this.#typed(name, 'number') as number;
  }

  bool(name: string): boolean {
    return this.#typed(name, 'boolean') as boolean;
  }

  string(name: string): string {
    return this.#typed(name, 'string') as string;
  }

  list(name: string): readonly string[] {
    const value = this.entry(name).value;
    return value === null ? [] : (value as readonly string[]);
  }

  /** log.retention.ms, else .minutes, else .hours, as Kafka resolves them. */
  get logRetentionMs(): number {
    const entry = this.logRetentionEntry;
    const unit = entry.def.name === 'log.retention.ms' ? 1 : entry.def.name === 'log.retention.minutes' ? 60_000 : 3_600_000;
    return (entry.value as number) * unit;
  }

  /** The retention key that decides (the first set of .ms, .minutes, .hours). */
  get logRetentionEntry(): ConfigEntry {
    return this.#firstSet('log.retention.ms', 'log.retention.minutes', 'log.retention.hours');
  }

  /** log.roll.ms, else log.roll.hours. */
  get logRollMs(): number {
    const entry = this.logRollEntry;
    return (entry.value as number) * (entry.def.name === 'log.roll.ms' ? 1 : 3_600_000);
  }

  get logRollEntry(): ConfigEntry {
    return this.#firstSet('log.roll.ms', 'log.roll.hours');
  }

  /** log.dirs, else log.dir. */
  get logDirs(): readonly string[] {
    const dirs = this.list('log.dirs');
    return dirs.length > 0 ? dirs : [this.string('log.dir')];
  }

  #firstSet(...names: string[]): ConfigEntry {
    const entries = names.map((name) => this.entry(name));
    return entries.find((entry) => entry.value !== null) ?? entries.at(-1)!;
  }

  #typed(name: string, type: 'number' | 'boolean' | 'string'): ConfigValue {
    const value = this.entry(name).value;
    if (typeof value !== type) throw new KafkaError(ErrorCode.INVALID_CONFIG, `${name} is not set`);
    return value;
  }
}

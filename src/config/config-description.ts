/**
 * Describes configuration in DescribeConfigs' terms: per key its value in effect, source, type,
 * documentation, and synonyms (the topic override, then the broker setting it falls back to, then the
 * default), as Kafka lists them.
 */
import type { BrokerConfig, ConfigEntry } from './broker-config.js';
import { ConfigSource, type ConfigType } from './config-def.js';
import type { TopicConfig, TopicConfigEntry } from './topic-config.js';

export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSource;
}

export interface ConfigDescription {
  readonly name: string;
  readonly value: string | null;
  readonly readOnly: boolean;
  readonly isDefault: boolean;
  readonly source: ConfigSource;
  readonly sensitive: boolean;
  readonly synonyms: readonly ConfigSynonym[];
  readonly type: ConfigType;
  readonly documentation: string;
}

export function describeTopicConfig(config: TopicConfig): ConfigDescription[] {
  return [...config.entries()].map((entry) => describe(entry, topicSynonyms(entry), false));
}

/** Broker settings are static: reported read-only (they change through the config file and a restart). */
export function describeBrokerConfig(config: BrokerConfig): ConfigDescription[] {
  return [...config.entries()].map((entry) => describe(entry, brokerSynonyms(entry), true));
}

function describe(entry: ConfigEntry, synonyms: ConfigSynonym[], readOnly: boolean): ConfigDescription {
  return {
    name: entry.def.name,
    value: entry.def.sensitive ? null : entry.text,
    readOnly,
    isDefault: entry.source === ConfigSource.DEFAULT_CONFIG,
    source: entry.source,
    sensitive: entry.def.sensitive ?? false,
    synonyms,
    type: entry.def.type,
    documentation: entry.def.doc,
  };
}

function topicSynonyms(entry: TopicConfigEntry): ConfigSynonym[] {
  const synonyms: ConfigSynonym[] = [];
  if (entry.source === ConfigSource.DYNAMIC_TOPIC_CONFIG) synonyms.push({ name: entry.def.name, value: entry.text, source: entry.source });
  return [...synonyms, ...brokerSynonyms(entry.brokerEntry)];
}

function brokerSynonyms(entry: ConfigEntry): ConfigSynonym[] {
  const synonyms: ConfigSynonym[] = [];
  if (entry.source !== ConfigSource.DEFAULT_CONFIG) synonyms.push({ name: entry.def.name, value: entry.text, source: entry.source });
  if (entry.def.default !== null) synonyms.push({ name: entry.def.name, value: entry.def.default, source: ConfigSource.DEFAULT_CONFIG });
  return synonyms;
}

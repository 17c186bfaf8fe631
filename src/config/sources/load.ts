/**
 * Builds the broker's configuration from its sources, highest precedence first: command-line flags, then
 * GREGOR_* environment variables, then the config file (a Kafka server.properties), then the defaults.
 * Every value keeps its origin for messages; DescribeConfigs reports the values given here as
 * STATIC_BROKER_CONFIG, as Kafka does for server.properties and --override. Keys gregor does not know are
 * returned with their origin so the caller warns about each by name.
 */
import { BrokerConfig, brokerConfigDef, type ConfigSetting } from '../broker-config.js';
import { ConfigSource, parseConfigValue } from '../config-def.js';
import { KafkaError } from '../../protocol/error-codes.js';
import { environmentSettings } from './env-source.js';
import { readConfigFile } from './file-source.js';
import type { SourcedSetting } from './setting.js';

export interface ConfigSources {
  /** Path of a server.properties file. */
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Settings given on the command line, in the order given (a later one wins). */
  readonly flags?: readonly SourcedSetting[];
}

export interface LoadedSetting extends ConfigSetting {
  readonly value: string;
  readonly source: ConfigSource;
  readonly origin: string;
}

export interface LoadedConfig {
  readonly config: BrokerConfig;
  /** The settings given, by key, each the one of highest precedence. */
  readonly settings: ReadonlyMap<string, LoadedSetting>;
  /** Given settings whose key gregor does not know; they take no effect. */
  readonly unknown: readonly SourcedSetting[];
}

export class ConfigValueError extends Error {
  constructor(
    readonly origin: string,
    cause: KafkaError,
  ) {
    super(`${origin}: ${cause.message}`, { cause });
    this.name = 'ConfigValueError';
  }
}

export async function loadBrokerConfig(sources: ConfigSources = {}): Promise<LoadedConfig> {
  const fromFile = sources.file === undefined ? [] : await readConfigFile(sources.file);
  return mergeSettings([fromFile, environmentSettings(sources.env ?? process.env), sources.flags ?? []]);
}

/** Merges setting lists given lowest precedence first, validates the known keys and builds the config. */
function mergeSettings(layers: readonly (readonly SourcedSetting[])[]): LoadedConfig {
  const settings = new Map<string, LoadedSetting>();
  for (const layer of layers) {
    for (const { key, value, origin } of layer) {
      settings.set(key, { value, origin, source: ConfigSource.STATIC_BROKER_CONFIG });
    }
  }
  const known: Record<string, LoadedSetting> = {};
  const unknown: SourcedSetting[] = [];
  for (const [key, setting] of settings) {
    const def = brokerConfigDef(key);
    if (def === undefined) {
      unknown.push({ key, value: setting.value, origin: setting.origin });
      continue;
    }
    try {
      parseConfigValue(def, setting.value);
    } catch (error) {
      if (error instanceof KafkaError) throw new ConfigValueError(setting.origin, error);
      throw error;
    }
    known[key] = setting;
  }
  return { config: BrokerConfig.create(known), settings, unknown };
}

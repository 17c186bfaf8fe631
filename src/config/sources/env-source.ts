/**
 * Settings from the environment: `GREGOR_<KEY>` with the naming Confluent's Kafka images use for `KAFKA_*`
 * (`_` → `.`, `__` → `_`, `___` → `-`, lower-cased), so `GREGOR_LOG_DIRS` sets `log.dirs`. gregor's own keys
 * drop their prefix: `GREGOR_ADMIN_LISTENER` sets `gregor.admin.listener`.
 */
import { brokerConfigDef } from '../broker-config.js';
import type { SourcedSetting } from './setting.js';

const PREFIX = 'GREGOR_';

/** GREGOR_* variables that configure the command line client rather than the broker. */
const CLIENT_ENVIRONMENT: ReadonlySet<string> = new Set(['GREGOR_BROKERS', 'GREGOR_CLI_DEBUG']);

export function environmentSettings(env: NodeJS.ProcessEnv = process.env): SourcedSetting[] {
  const settings: SourcedSetting[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || value === undefined || CLIENT_ENVIRONMENT.has(name)) continue;
    settings.push({ key: keyForVariable(name), value, origin: name });
  }
  return settings;
}

/** The Kafka key a GREGOR_* variable names. */
export function keyForVariable(name: string): string {
  const key = name
    .slice(PREFIX.length)
    .toLowerCase()
    .replace(/___|__|_/g, (run) => (run === '___' ? '-' : run === '__' ? '_' : '.'));
  return brokerConfigDef(key) === undefined && brokerConfigDef(`gregor.${key}`) !== undefined ? `gregor.${key}` : key;
}

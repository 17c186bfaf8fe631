/**
 * How one configuration key is described: Kafka's name, type, default, validation and documentation, and the
 * sources a value can come from (Kafka's DescribeConfigs enums, so they go on the wire unchanged).
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';

/** DescribeConfigs `ConfigType` (v3+). */
export enum ConfigType {
  UNKNOWN = 0,
  BOOLEAN = 1,
  STRING = 2,
  INT = 3,
  SHORT = 4,
  LONG = 5,
  DOUBLE = 6,
  LIST = 7,
  CLASS = 8,
  PASSWORD = 9,
}

/** DescribeConfigs `ConfigSource` (v1+): where the value in effect came from. */
export enum ConfigSource {
  UNKNOWN = 0,
  DYNAMIC_TOPIC_CONFIG = 1,
  DYNAMIC_BROKER_CONFIG = 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG = 3,
  STATIC_BROKER_CONFIG = 4,
  DEFAULT_CONFIG = 5,
}

export type ConfigValue = boolean | number | string | readonly string[] | null;

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  /** The default in its textual form, as Kafka documents it; `null` means unset (e.g. `advertised.listeners`). */
  readonly default: string | null;
  readonly doc: string;
  /** Accepted values for an enumerated STRING or LIST key. */
  readonly oneOf?: readonly string[];
  /** Inclusive lower bound for numeric keys. */
  readonly min?: number;
  readonly max?: number;
  readonly sensitive?: boolean;
}

/** Parses the textual form (server.properties, flags, env, the wire) into the key's type, or throws INVALID_CONFIG. */
export function parseConfigValue(def: ConfigDef, text: string | null): ConfigValue {
  if (text === null) return null;
  const trimmed = text.trim();
  let value: ConfigValue;
  switch (def.type) {
    case ConfigType.BOOLEAN:
      if (trimmed.toLowerCase() !== 'true' && trimmed.toLowerCase() !== 'false') throw invalid(def, text, 'expected true or false');
      value = trimmed.toLowerCase() === 'true';
      break;
    case ConfigType.INT:
    case ConfigType.SHORT:
    case ConfigType.LONG: {
      if (!/^-?\d+$/.test(trimmed)) throw invalid(def, text, 'expected an integer');
      const bits = def.type === ConfigType.INT ? 31n : def.type === ConfigType.SHORT ? 15n : 63n;
      const exact = BigInt(trimmed);
      if (exact >= 1n << bits || exact < -(1n << bits)) throw invalid(def, text, 'out of range');
      // Longs above 2^53 lose precision as numbers; they only ever mean "unbounded" (Long.MAX_VALUE defaults).
      value = Number(exact);
      break;
    }
    case ConfigType.DOUBLE:
      value = Number(trimmed);
      if (trimmed === '' || Number.isNaN(value)) throw invalid(def, text, 'expected a number');
      break;
    case ConfigType.LIST:
      value = trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim());
      break;
    default:
      value = trimmed;
  }
  validate(def, value);
  return value;
}

function validate(def: ConfigDef, value: ConfigValue): void {
  if (typeof value === 'number') {
    if (def.min !== undefined && value < def.min) throw invalid(def, String(value), `must be at least ${def.min}`);
    if (def.max !== undefined && value > def.max) throw invalid(def, String(value), `must be at most ${def.max}`);
  }
  if (def.oneOf) {
    const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
    for (const item of items) {
      if (!def.oneOf.includes(item)) throw invalid(def, String(value), `must be one of ${def.oneOf.join(', ')}`);
    }
  }
}

function invalid(def: ConfigDef, text: string | null, why: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_CONFIG, `invalid value ${JSON.stringify(text)} for ${def.name}: ${why}`);
}

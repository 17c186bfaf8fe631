/**
 * The shape of gregor's message definitions (src/protocol/definitions): Kafka's message schemas reduced to
 * the facts the codec needs, plus the version-range arithmetic on them.
 *
 * Field types are Kafka's schema type names: `int8`, `int16`, `uint16`, `int32`, `int64`, `float64`, `bool`,
 * `uuid`, `string`, `bytes`, `records`, `[]T` for arrays, and a struct name (with `fields`) for structs.
 * Field names are Kafka's with the first letter lower-cased, as they appear in message bodies.
 */

/** A version range as written in the schemas: `3+`, `0-12`, `5`, or `none`. */
export type Versions = string;

export interface FieldDefinition {
  readonly name: string;
  readonly type: string;
  readonly versions: Versions;
  readonly nullableVersions?: Versions;
  readonly taggedVersions?: Versions;
  readonly tag?: number;
  /** Only where it differs from the type's zero value (0, 0n, '', false, empty array, zero UUID). */
  readonly default?: number | bigint | boolean | string | null;
  /** Present for struct and struct-array fields. */
  readonly fields?: readonly FieldDefinition[];
}

export interface MessageDefinition {
  readonly name: string;
  readonly validVersions: Versions;
  readonly flexibleVersions: Versions;
  readonly fields: readonly FieldDefinition[];
}

export interface ApiDefinition {
  readonly apiKey: number;
  readonly name: string;
  readonly request: MessageDefinition;
  readonly response: MessageDefinition;
}

export interface VersionRange {
  readonly min: number;
  /** Inclusive; `Infinity` for an open range (`3+`). */
  readonly max: number;
}

const EMPTY: VersionRange = { min: 0, max: -1 };

export function parseVersions(versions: Versions): VersionRange {
  if (versions === 'none') return EMPTY;
  const open = /^(\d+)\+$/.exec(versions);
  if (open) return { min: Number(open[1]), max: Infinity };
  const closed = /^(\d+)(?:-(\d+))?$/.exec(versions);
  if (!closed) throw new Error(`bad version range '${versions}'`);
  return { min: Number(closed[1]), max: Number(closed[2] ?? closed[1]) };
}

export function inRange(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

export function inVersions(versions: Versions | undefined, version: number): boolean {
  return versions !== undefined && inRange(parseVersions(versions), version);
}

/** `[]Foo` → `Foo`, or undefined for a non-array type. */
export function elementType(type: string): string | undefined {
  return type.startsWith('[]') ? type.slice(2) : undefined;
}

/**
 * Checks gregor's message definitions against Kafka's JSON message schemas, when the reference copy
 * (`../shared/reference/kafka-message-schemas/` next to the repository) is present: valid and flexible
 * versions, and for every field its name, type, versions, nullable and tagged versions, tag and default.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type FieldDefinition, type MessageDefinition, parseVersions } from '../../src/protocol/definition.js';
import { apiDefinitions } from '../../src/protocol/definitions/index.js';
import { consumerProtocolAssignment, consumerProtocolSubscription } from '../../src/protocol/definitions/consumer-protocol.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const schemaDir = resolve(repoRoot, '../shared/reference/kafka-message-schemas');
const present = existsSync(schemaDir);

interface SchemaField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  fields?: SchemaField[];
}

interface Schema {
  apiKey?: number;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: SchemaField[];
}

/** The schemas are JSON with `//` comment lines. */
function loadSchema(name: string): Schema {
  const text = readFileSync(join(schemaDir, `${name}.json`), 'utf8');
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')) as Schema;
}

/** A schema default in the definitions' representation; undefined where it is the type's zero value. */
function expectedDefault(field: SchemaField): unknown {
  if (field.default === undefined) return undefined;
  const text = String(field.default).trim();
  if (text === 'null') return null;
  switch (field.type) {
    case 'int64': {
      const value = BigInt(text);
      return value === 0n ? undefined : value;
    }
    case 'bool':
      return text === 'true' ? true : undefined;
    case 'string':
      return text === '' ? undefined : text;
    default: {
      const value = Number(text);
      return value === 0 ? undefined : value;
    }
  }
}

/** Both sides in one comparable shape, so a mismatch shows as a readable diff. */
function normalizeSchema(fields: SchemaField[]): unknown[] {
  return fields.map((f) => ({
    name: f.name[0]!.toLowerCase() + f.name.slice(1),
    type: f.type,
    versions: f.versions,
    nullableVersions: f.nullableVersions,
    taggedVersions: f.taggedVersions,
    tag: f.tag,
    default: expectedDefault(f),
    fields: f.fields && normalizeSchema(f.fields),
  }));
}

function normalizeDefinition(fields: readonly FieldDefinition[]): unknown[] {
  return fields.map((f) => ({
    name: f.name,
    type: f.type,
    versions: f.versions,
    nullableVersions: f.nullableVersions,
    taggedVersions: f.taggedVersions,
    tag: f.tag,
    default: f.default,
    fields: f.fields && normalizeDefinition(f.fields),
  }));
}

/**
 * A definition may go past the reference copy's last version (a Kafka release newer than the copy): it must
 * then agree with the copy on every version the copy has, and the fields only those newer versions carry are
 * left out of the comparison.
 */
function withinReference(definition: MessageDefinition, schema: Schema): { validVersions: string; fields: readonly FieldDefinition[] } {
  const known = parseVersions(schema.validVersions);
  const own = parseVersions(definition.validVersions);
  if (own.min !== known.min || own.max <= known.max) return definition;
  const validVersions = known.min === known.max ? `${known.min}` : `${known.min}-${known.max}`;
  const keep = (fields: readonly FieldDefinition[]): FieldDefinition[] =>
    fields.filter((f) => parseVersions(f.versions).min <= known.max).map((f) => (f.fields ? { ...f, fields: keep(f.fields) } : f));
  return { validVersions, fields: keep(definition.fields) };
}

function crossCheck(definition: MessageDefinition, apiKey?: number): void {
  const schema = loadSchema(definition.name);
  expect(definition.name).toBe(schema.name);
  if (apiKey !== undefined) expect(apiKey).toBe(schema.apiKey);
  const compared = withinReference(definition, schema);
  expect(compared.validVersions).toBe(schema.validVersions);
  expect(definition.flexibleVersions).toBe(schema.flexibleVersions);
  expect(normalizeDefinition(compared.fields)).toEqual(normalizeSchema(schema.fields));
}

describe.skipIf(!present)("definitions match Kafka's JSON schemas (skipped when ../shared/reference/kafka-message-schemas is absent)", () => {
  it.each(apiDefinitions.map((api) => [api.name, api] as const))('%s', (_name, api) => {
    crossCheck(api.request, api.apiKey);
    crossCheck(api.response, api.apiKey);
  });

  it('consumer protocol payloads', () => {
    crossCheck(consumerProtocolSubscription);
    crossCheck(consumerProtocolAssignment);
  });
});

/**
 * fast-check arbitraries built from the codec's own definitions: a body of any message at any version,
 * holding random values in the fields that version carries and defaults in the others, so that
 * decode(encode(body)) must give the body back exactly.
 */
import fc from 'fast-check';
import { defaultValue } from '../../src/protocol/compiler.js';
import { elementType, type FieldDefinition, inVersions, type MessageDefinition } from '../../src/protocol/definition.js';

const INT: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
};

const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
});

const bytes = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));

function arbitraryValue(field: FieldDefinition, type: string, version: number, nullable: boolean): fc.Arbitrary<unknown> {
  const plain = ((): fc.Arbitrary<unknown> => {
    const element = elementType(type);
    if (element !== undefined) return fc.array(arbitraryValue(field, element, version, false), { maxLength: 3 });
    if (field.fields) return structOf(field.fields, version);
    const range = INT[type];
    if (range) return fc.integer({ min: range[0], max: range[1] });
    switch (type) {
      case 'int64':
        return fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
      case 'float64':
        return fc.double();
      case 'bool':
        return fc.boolean();
      case 'uuid':
        return uuid;
      case 'string':
        return fc.string({ unit: 'grapheme', maxLength: 12 });
      case 'bytes':
      case 'records':
        return bytes;
      default:
        throw new Error(`no arbitrary for ${type}`);
    }
  })();
  return nullable ? fc.option(plain, { nil: null }) : plain;
}

function structOf(fields: readonly FieldDefinition[], version: number): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fields) {
    model[field.name] = inVersions(field.versions, version)
      ? arbitraryValue(field, field.type, version, inVersions(field.nullableVersions, version))
      : fc.constant(null).map(() => defaultValue(field));
  }
  return fc.record(model);
}

export function messageBody(message: MessageDefinition, version: number): fc.Arbitrary<Record<string, unknown>> {
  return structOf(message.fields, version);
}

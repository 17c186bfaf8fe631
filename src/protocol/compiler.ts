/**
 * Turns a message definition into a decoder and an encoder specialised for one version: JavaScript source
 * with that version's fields, widths and encodings resolved, compiled once with `new Function` and cached.
 * The generated code only ever calls Reader/Writer methods, so every bounds and count check lives there.
 *
 * Why generate rather than walk the definitions for every message: against an interpreter of the same
 * definitions (test/protocol/bench), the generated code decodes a 16-partition Produce request about 2x
 * faster and encodes Fetch responses 1.5-2.5x and a 200-topic Metadata response 3-4x faster.
 */
import { elementType, type FieldDefinition, inVersions, type MessageDefinition } from './definition.js';
import type { Reader } from './primitives/reader.js';
import { ZERO_UUID } from './primitives/uuid.js';
import type { Writer } from './primitives/writer.js';

export type Decoder = (r: Reader) => Record<string, unknown>;
export type Encoder = (w: Writer, body: object) => void;

const FIXED_SIZE: Record<string, number> = { int8: 1, int16: 2, uint16: 2, int32: 4, int64: 8, float64: 8, bool: 1, uuid: 16 };

const READ: Record<string, string> = {
  int8: 'r.i8()',
  int16: 'r.i16()',
  uint16: 'r.u16()',
  int32: 'r.i32()',
  int64: 'r.i64()',
  float64: 'r.f64()',
  bool: 'r.bool()',
  uuid: 'r.uuid()',
};

const WRITE: Record<string, string> = {
  int8: 'w.i8',
  int16: 'w.i16',
  uint16: 'w.i16',
  int32: 'w.i32',
  int64: 'w.i64',
  float64: 'w.f64',
  bool: 'w.bool',
  uuid: 'w.uuid',
};

/** The value a field takes in a version that lacks it (Kafka's default rules); a fresh one on every call. */
export function defaultValue(field: FieldDefinition): unknown {
  if (field.default !== undefined) return field.default;
  if (field.type.startsWith('[]')) return [];
  if (field.fields) return Object.fromEntries(field.fields.map((f) => [f.name, defaultValue(f)]));
  switch (field.type) {
    case 'int64':
      return 0n;
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    default:
      return 0;
  }
}

/** Whether a tagged field holds its default, in which case Kafka leaves it off the wire. */
export function isDefault(value: unknown, field: FieldDefinition): boolean {
  if (value === undefined) return true;
  const fallback = field.default;
  if (value === null || fallback === null) return value === fallback;
  if (Array.isArray(value)) return value.length === 0;
  if (Buffer.isBuffer(value)) return value.length === 0;
  if (field.fields) return field.fields.every((f) => isDefault((value as Record<string, unknown>)[f.name], f));
  return value === defaultValue(field);
}

/** Source text of an expression that evaluates to a fresh default value. */
function defaultSource(field: FieldDefinition, scope: Scope): string {
  if (field.default === null) return 'null';
  if (field.type.startsWith('[]')) return '[]';
  if (field.fields) {
    const object = field.fields.map((f) => `${f.name}: ${defaultSource(f, scope)}`).join(', ');
    return `${scope.add((name) => `function ${name}() {\n  return { ${object} };\n}`)}()`;
  }
  const value = defaultValue(field);
  if (typeof value === 'bigint') return `${value}n`;
  if (Buffer.isBuffer(value)) return 'Buffer.alloc(0)';
  return JSON.stringify(value);
}

/** Generated functions and the field definitions they refer to, for one compiled message version. */
class Scope {
  readonly functions: string[] = [];
  readonly fields: FieldDefinition[] = [];

  add(source: (name: string) => string): string {
    const name = `f${this.functions.length}`;
    this.functions.push(source(name));
    return name;
  }

  /** An expression naming a field definition from generated code. */
  field(field: FieldDefinition): string {
    this.fields.push(field);
    return `fields[${this.fields.length - 1}]`;
  }
}

interface Mode {
  readonly version: number;
  readonly flexible: boolean;
}

const isTagged = (field: FieldDefinition, mode: Mode): boolean => mode.flexible && inVersions(field.taggedVersions, mode.version);
const isNullable = (field: FieldDefinition, mode: Mode): boolean => inVersions(field.nullableVersions, mode.version);
/** A nullable struct is preceded by a marker byte: -1 for null, 1 for a struct that follows (Kafka's encoding). */
const isNullableStruct = (field: FieldDefinition, mode: Mode): boolean => field.fields !== undefined && !field.type.startsWith('[]') && isNullable(field, mode);

/** The fewest bytes a value of this type can take: bounds array counts before anything is allocated. */
function minSize(type: string, fields: readonly FieldDefinition[] | undefined, mode: Mode): number {
  const fixed = FIXED_SIZE[type];
  if (fixed !== undefined) return fixed;
  if (fields && !type.startsWith('[]')) {
    let size = mode.flexible ? 1 : 0;
    for (const f of fields) {
      if (!inVersions(f.versions, mode.version) || isTagged(f, mode)) continue;
      size += isNullableStruct(f, mode) ? 1 : minSize(f.type, f.fields, mode);
    }
    return size;
  }
  if (mode.flexible) return 1;
  return type === 'string' ? 2 : 4;
}

// ---- decoding ----

function readSource(field: FieldDefinition, type: string, nullable: boolean, mode: Mode, scope: Scope): string {
  const element = elementType(type);
  if (element !== undefined) {
    const elementMin = Math.max(1, minSize(element, field.fields, mode));
    const read = readSource(field, element, false, mode, scope);
    return `${scope.add(
      (name) => `function ${name}(r) {
  const n = r.count(${mode.flexible}, ${nullable}, ${elementMin});
  if (n < 0) return null;
  const a = [];
  for (let i = 0; i < n; i++) a.push(${read});
  return a;
}`,
    )}(r)`;
  }
  if (field.fields) {
    const read = `${structDecoder(field.fields, mode, scope)}(r)`;
    return nullable ? `(r.i8() < 0 ? null : ${read})` : read;
  }
  if (type === 'string' || type === 'bytes' || type === 'records') return `r.${type}(${mode.flexible}, ${nullable})`;
  const read = READ[type];
  if (read === undefined) throw new Error(`unknown type '${type}' of field ${field.name}`);
  return read;
}

function structDecoder(fields: readonly FieldDefinition[], mode: Mode, scope: Scope): string {
  const lines: string[] = [];
  const tagged: { field: FieldDefinition; variable: string }[] = [];
  fields.forEach((field, i) => {
    const variable = `x${i}`;
    if (!inVersions(field.versions, mode.version)) {
      lines.push(`  const ${variable} = ${defaultSource(field, scope)};`);
    } else if (isTagged(field, mode)) {
      lines.push(`  let ${variable} = ${defaultSource(field, scope)};`);
      tagged.push({ field, variable });
    } else {
      lines.push(`  const ${variable} = ${readSource(field, field.type, isNullable(field, mode), mode, scope)};`);
    }
  });
  if (mode.flexible) {
    const cases = tagged
      .map(
        ({ field, variable }) =>
          `      case ${field.tag}: ${variable} = ${readSource(field, field.type, isNullable(field, mode), mode, scope)}; r.endTag(end); break;`,
      )
      .join('\n');
    lines.push(`  for (let t = r.uvarint(); t > 0; t--) {
    const tag = r.uvarint();
    const end = r.tagEnd();
    switch (tag) {
${cases}
      default: r.pos = end;
    }
  }`);
  }
  const object = fields.map((f, i) => `${f.name}: x${i}`).join(', ');
  return scope.add((name) => `function ${name}(r) {\n${lines.join('\n')}\n  return { ${object} };\n}`);
}

// ---- encoding ----

function writeStatement(field: FieldDefinition, type: string, value: string, nullable: boolean, mode: Mode, scope: Scope): string {
  // A null where the version allows none is the caller's bug: refuse it rather than send a length of -1.
  const mayBeNull = type.startsWith('[]') || type === 'string' || type === 'bytes' || type === 'records' || field.fields !== undefined;
  const guard = nullable || !mayBeNull ? '' : `if (${value} === null) notNullable(${scope.field(field)}, ${mode.version}); `;
  const element = elementType(type);
  if (element !== undefined) {
    const writeElement = writeStatement(field, element, 'a[i]', false, mode, scope);
    const fn = scope.add(
      (name) => `function ${name}(w, a) {
  if (a === null) return w.length(-1, ${mode.flexible}, 4);
  w.length(a.length, ${mode.flexible}, 4);
  for (let i = 0; i < a.length; i++) { ${writeElement} }
}`,
    );
    return `${guard}${fn}(w, ${value});`;
  }
  if (field.fields) {
    const write = `${structEncoder(field.fields, mode, scope)}(w, ${value});`;
    return nullable ? `if (${value} === null) w.i8(-1); else { w.i8(1); ${write} }` : `${guard}${write}`;
  }
  if (type === 'string' || type === 'bytes' || type === 'records') return `${guard}w.${type}(${value}, ${mode.flexible});`;
  const write = WRITE[type];
  if (write === undefined) throw new Error(`unknown type '${type}' of field ${field.name}`);
  return `${write}(${value});`;
}

function notNullable(field: FieldDefinition, version: number): never {
  throw new TypeError(`${field.name} is not nullable in version ${version}`);
}

function structEncoder(fields: readonly FieldDefinition[], mode: Mode, scope: Scope): string {
  const lines: string[] = [];
  const tagged: { field: FieldDefinition; variable: string }[] = [];
  fields.forEach((field, i) => {
    if (!inVersions(field.versions, mode.version)) return;
    const variable = `x${i}`;
    if (isTagged(field, mode)) {
      lines.push(`  const ${variable} = o.${field.name};`);
      tagged.push({ field, variable });
      return;
    }
    // A field left undefined by the caller is written as its default.
    lines.push(`  let ${variable} = o.${field.name};`, `  if (${variable} === undefined) ${variable} = ${defaultSource(field, scope)};`);
    lines.push(`  ${writeStatement(field, field.type, variable, isNullable(field, mode), mode, scope)}`);
  });
  if (mode.flexible && tagged.length === 0) lines.push('  w.uvarint(0);');
  if (mode.flexible && tagged.length > 0) {
    tagged.sort((a, b) => a.field.tag! - b.field.tag!);
    tagged.forEach(({ field, variable }, i) => {
      lines.push(`  const p${i} = !isDefault(${variable}, ${scope.field(field)});`);
    });
    lines.push(`  w.uvarint(${tagged.map((_, i) => `(p${i} ? 1 : 0)`).join(' + ')});`);
    tagged.forEach(({ field, variable }, i) => {
      lines.push(`  if (p${i}) {
    w.uvarint(${field.tag});
    const start = w.mark();
    ${writeStatement(field, field.type, variable, isNullable(field, mode), mode, scope)}
    w.prefixSizeFrom(start);
  }`);
    });
  }
  return scope.add((name) => `function ${name}(w, o) {\n${lines.join('\n')}\n}`);
}

function build<T>(scope: Scope, entry: string): T {
  const source = `${scope.functions.join('\n')}\nreturn ${entry};`;
  return new Function('fields', 'isDefault', 'notNullable', 'Buffer', source)(scope.fields, isDefault, notNullable, Buffer) as T;
}

export function compileDecoder(message: MessageDefinition, version: number, flexible: boolean): Decoder {
  const scope = new Scope();
  return build(scope, structDecoder(message.fields, { version, flexible }, scope));
}

export function compileEncoder(message: MessageDefinition, version: number, flexible: boolean): Encoder {
  const scope = new Scope();
  return build(scope, structEncoder(message.fields, { version, flexible }, scope));
}

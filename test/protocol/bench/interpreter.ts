/**
 * The alternative the compiled codec was measured against (codec.bench.ts): an interpreter of the same
 * definitions. Each struct is resolved once per version into a plan (fields present, their kinds,
 * nullability, tags), which a switch then walks for every message. Same Reader/Writer, same bytes.
 */
import { defaultValue, isDefault } from '../../../src/protocol/compiler.js';
import { elementType, type FieldDefinition, inVersions, type MessageDefinition } from '../../../src/protocol/definition.js';
import type { Reader } from '../../../src/protocol/primitives/reader.js';
import type { Writer } from '../../../src/protocol/primitives/writer.js';

type Kind = 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64' | 'bool' | 'uuid' | 'string' | 'bytes' | 'records' | 'struct' | 'array';

interface TypePlan {
  kind: Kind;
  nullable: boolean;
  struct?: StructPlan;
  element?: TypePlan;
}

interface FieldPlan {
  field: FieldDefinition;
  present: boolean;
  tagged: boolean;
  type: TypePlan;
}

interface StructPlan {
  fields: FieldPlan[];
  byTag: Map<number, FieldPlan>;
  flexible: boolean;
}

function typePlan(field: FieldDefinition, type: string, nullable: boolean, version: number, flexible: boolean): TypePlan {
  const element = elementType(type);
  if (element !== undefined) return { kind: 'array', nullable, element: typePlan(field, element, false, version, flexible) };
  if (field.fields) return { kind: 'struct', nullable, struct: structPlan(field.fields, version, flexible) };
  return { kind: type as Kind, nullable };
}

function structPlan(fields: readonly FieldDefinition[], version: number, flexible: boolean): StructPlan {
  const plans = fields.map((field) => ({
    field,
    present: inVersions(field.versions, version),
    tagged: flexible && inVersions(field.taggedVersions, version),
    type: typePlan(field, field.type, inVersions(field.nullableVersions, version), version, flexible),
  }));
  return { fields: plans, byTag: new Map(plans.filter((p) => p.tagged).map((p) => [p.field.tag!, p])), flexible };
}

function readValue(plan: TypePlan, r: Reader, flexible: boolean): unknown {
  switch (plan.kind) {
    case 'int8':
      return r.i8();
    case 'int16':
      return r.i16();
    case 'uint16':
      return r.u16();
    case 'int32':
      return r.i32();
    case 'int64':
      return r.i64();
    case 'float64':
      return r.f64();
    case 'bool':
      return r.bool();
    case 'uuid':
      return r.uuid();
    case 'string':
      return r.string(flexible, plan.nullable);
    case 'bytes':
      return r.bytes(flexible, plan.nullable);
    case 'records':
      return r.records(flexible, plan.nullable);
    case 'struct':
      return plan.nullable && r.i8() < 0 ? null : readStruct(plan.struct!, r);
    case 'array': {
      const n = r.count(flexible, plan.nullable, 1);
      if (n < 0) return null;
      const a: unknown[] = [];
      for (let i = 0; i < n; i++) a.push(readValue(plan.element!, r, flexible));
      return a;
    }
  }
}

function readStruct(plan: StructPlan, r: Reader): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of plan.fields) o[f.field.name] = f.present && !f.tagged ? readValue(f.type, r, plan.flexible) : defaultValue(f.field);
  if (plan.flexible) {
    for (let t = r.uvarint(); t > 0; t--) {
      const known = plan.byTag.get(r.uvarint());
      const end = r.tagEnd();
      if (known) {
        o[known.field.name] = readValue(known.type, r, true);
        r.endTag(end);
      } else r.pos = end;
    }
  }
  return o;
}

function writeValue(plan: TypePlan, value: unknown, w: Writer, flexible: boolean): void {
  switch (plan.kind) {
    case 'int8':
      w.i8(value as number);
      return;
    case 'int16':
    case 'uint16':
      w.i16(value as number);
      return;
    case 'int32':
      w.i32(value as number);
      return;
    case 'int64':
      w.i64(value as bigint);
      return;
    case 'float64':
      w.f64(value as number);
      return;
    case 'bool':
      w.bool(value as boolean);
      return;
    case 'uuid':
      w.uuid(value as string);
      return;
    case 'string':
      w.string(value as string | null, flexible);
      return;
    case 'bytes':
      w.bytes(value as Buffer | null, flexible);
      return;
    case 'records':
      w.records(value as Buffer | null, flexible);
      return;
    case 'struct':
      if (plan.nullable) {
        w.i8(value === null ? -1 : 1);
        if (value === null) return;
      }
      writeStruct(plan.struct!, value as Record<string, unknown>, w);
      return;
    case 'array': {
      const a = value as unknown[] | null;
      if (a === null) {
        w.length(-1, flexible, 4);
        return;
      }
      w.length(a.length, flexible, 4);
      for (const element of a) writeValue(plan.element!, element, w, flexible);
    }
  }
}

function writeStruct(plan: StructPlan, o: Record<string, unknown>, w: Writer): void {
  for (const f of plan.fields) {
    if (!f.present || f.tagged) continue;
    const value = o[f.field.name];
    writeValue(f.type, value === undefined ? defaultValue(f.field) : value, w, plan.flexible);
  }
  if (!plan.flexible) return;
  const tagged = [...plan.byTag.values()].filter((f) => !isDefault(o[f.field.name], f.field)).sort((a, b) => a.field.tag! - b.field.tag!);
  w.uvarint(tagged.length);
  for (const f of tagged) {
    w.uvarint(f.field.tag!);
    const start = w.mark();
    writeValue(f.type, o[f.field.name], w, true);
    w.prefixSizeFrom(start);
  }
}

export interface Interpreted {
  decode(r: Reader): Record<string, unknown>;
  encode(w: Writer, body: object): void;
}

export function interpret(message: MessageDefinition, version: number): Interpreted {
  const plan = structPlan(message.fields, version, inVersions(message.flexibleVersions, version));
  return { decode: (r) => readStruct(plan, r), encode: (w, body) => writeStruct(plan, body as Record<string, unknown>, w) };
}

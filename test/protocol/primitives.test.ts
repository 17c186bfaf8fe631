/** Round trips and exact encodings of the primitive types: varints, compact and classic strings, bytes, UUIDs, tagged sections. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer, uvarintSize } from '../../src/protocol/primitives/writer.js';
import { ProtocolError } from '../../src/protocol/protocol-error.js';

function written(write: (w: Writer) => void): Buffer {
  const w = new Writer();
  write(w);
  return Buffer.concat(w.finish());
}

const reader = (bytes: Buffer): Reader => new Reader(bytes, 0, bytes.length, 'test');

describe('unsigned varints', () => {
  it('round-trip every uint32 in the fewest bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => {
        const bytes = written((w) => w.uvarint(value));
        expect(bytes.length).toBe(uvarintSize(value));
        expect(bytes.length).toBe(value === 0 ? 1 : Math.ceil(Math.log2(value + 1) / 7));
        const r = reader(bytes);
        expect(r.uvarint()).toBe(value);
        expect(r.pos).toBe(bytes.length);
      }),
    );
  });

  it('known encodings', () => {
    expect(written((w) => w.uvarint(0)).toString('hex')).toBe('00');
    expect(written((w) => w.uvarint(127)).toString('hex')).toBe('7f');
    expect(written((w) => w.uvarint(128)).toString('hex')).toBe('8001');
    expect(written((w) => w.uvarint(300)).toString('hex')).toBe('ac02');
    expect(written((w) => w.uvarint(2 ** 32 - 1)).toString('hex')).toBe('ffffffff0f');
  });

  it('refuses one longer than 5 bytes, and one cut short', () => {
    expect(() => reader(Buffer.from('8080808080', 'hex')).uvarint()).toThrow(ProtocolError);
    expect(() => reader(Buffer.from('8080', 'hex')).uvarint()).toThrow(ProtocolError);
  });
});

describe('strings', () => {
  const text = fc.option(fc.string({ unit: 'grapheme', maxLength: 200 }), { nil: null });

  it.each([
    ['compact', true],
    ['classic', false],
  ])('%s strings round-trip with a length prefix of their UTF-8 size', (_label, compact) => {
    fc.assert(
      fc.property(text, (value) => {
        const bytes = written((w) => w.string(value, compact));
        const size = value === null ? 0 : Buffer.byteLength(value);
        const prefix = compact ? uvarintSize(value === null ? 0 : size + 1) : 2;
        expect(bytes.length).toBe(prefix + size);
        const r = reader(bytes);
        expect(r.string(compact, true)).toBe(value);
        expect(r.pos).toBe(bytes.length);
      }),
    );
  });

  it('a compact string whose worst-case prefix is longer than its real one', () => {
    // 50 ASCII characters: worst case 150 bytes needs a 2-byte prefix, the real 51 needs one.
    const value = 'x'.repeat(50);
    const bytes = written((w) => w.string(value, true));
    expect(bytes[0]).toBe(51);
    expect(bytes.subarray(1).toString()).toBe(value);
  });

  it('null in a non-nullable field is refused', () => {
    expect(() => reader(Buffer.from('ffff', 'hex')).string(false, false)).toThrow(ProtocolError);
    expect(() => reader(Buffer.from('00', 'hex')).string(true, false)).toThrow(ProtocolError);
    expect(() => reader(Buffer.from('fffe', 'hex')).string(false, true)).toThrow(/negative length/);
  });
});

describe('bytes and records', () => {
  const data = fc.option(
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    { nil: null },
  );

  it.each([true, false])('compact=%s round-trip', (compact) => {
    fc.assert(
      fc.property(data, (value) => {
        const bytes = written((w) => w.bytes(value, compact));
        expect(reader(bytes).bytes(compact, true)).toEqual(value);
      }),
    );
  });

  it('records are views of the frame; bytes are copies', () => {
    const frame = Buffer.from('00000003616263', 'hex');
    const records = reader(frame).records(false, true)!;
    const bytes = reader(frame).bytes(false, true)!;
    frame[4] = 0x7a;
    expect(records.toString()).toBe('zbc');
    expect(bytes.toString()).toBe('abc');
  });

  it('record views are written as chunks of their own, never copied', () => {
    const views = [Buffer.from('first'), Buffer.from('second')];
    const w = new Writer();
    w.i8(1);
    w.records(views, true);
    w.i8(2);
    const chunks = w.finish();
    expect(chunks.length).toBe(4);
    expect(chunks[1]).toBe(views[0]);
    expect(chunks[2]).toBe(views[1]);
    expect(Buffer.concat(chunks).toString('hex')).toBe(['01', '0c', Buffer.from('firstsecond').toString('hex'), '02'].join(''));
    expect(w.byteLength).toBe(1 + 1 + 11 + 1);
  });
});

describe('UUIDs', () => {
  it('round-trip as lower-case 8-4-4-4-12 hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (raw) => {
        const r = reader(Buffer.from(raw));
        const uuid = r.uuid();
        expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(written((w) => w.uuid(uuid))).toEqual(Buffer.from(raw));
      }),
    );
  });

  it('refuses to write a malformed one', () => {
    expect(() => written((w) => w.uuid('not-a-uuid'))).toThrow(TypeError);
  });
});

describe('tagged fields', () => {
  it('a size prefix measured after the value is put in front of it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 1000 }), (raw, tag) => {
        const w = new Writer();
        w.uvarint(1);
        w.uvarint(tag);
        const start = w.mark();
        for (const b of raw) w.i8(b);
        w.prefixSizeFrom(start);
        const bytes = Buffer.concat(w.finish());
        const r = reader(bytes);
        expect(r.uvarint()).toBe(1);
        expect(r.uvarint()).toBe(tag);
        const end = r.tagEnd();
        expect(end - r.pos).toBe(raw.length);
        expect(bytes.subarray(r.pos, end)).toEqual(Buffer.from(raw));
        expect(end).toBe(bytes.length);
      }),
    );
  });

  it('a tagged field that does not fill its declared size is refused', () => {
    const r = reader(Buffer.from('020000', 'hex'));
    const end = r.tagEnd();
    r.i8();
    expect(() => r.endTag(end)).toThrow(ProtocolError);
  });
});

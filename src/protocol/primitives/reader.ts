/**
 * Bounds-checked reads of Kafka's primitive types from a frame. Every read that would cross the end, and
 * every length or count that cannot fit in the bytes left, throws ProtocolError before allocating anything.
 * Strings and bytes are decoded/copied; `records` are returned as views of the frame (no copy).
 */
import { ProtocolError } from '../protocol-error.js';
import { uuidFromBytes } from './uuid.js';

/**
 * A DataView of the whole memory behind a buffer, kept for the last memory seen: consecutive frames mostly
 * share it (socket reads and the connection's frame pool), so most reads make no new view.
 */
let viewedMemory: ArrayBufferLike | undefined;
let memoryView: DataView | undefined;

function viewOf(buf: Buffer): DataView {
  if (buf.buffer !== viewedMemory) {
    viewedMemory = buf.buffer;
    memoryView = new DataView(buf.buffer);
  }
  return memoryView!;
}

export class Reader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    offset: number,
    readonly end: number,
    /** Names the message in errors, e.g. `FetchRequest v11`. */
    readonly context: string,
  ) {
    this.pos = offset;
  }

  fail(why: string): never {
    throw new ProtocolError(`${this.context} at byte ${this.pos}`, why);
  }

  /** Checks that `n` more bytes exist and returns the position they start at. */
  take(n: number): number {
    const at = this.pos;
    if (n > this.end - at) this.fail(`needs ${n} bytes, ${this.end - at} left`);
    this.pos = at + n;
    return at;
  }

  i8(): number {
    const at = this.take(1);
    return (this.buf[at]! << 24) >> 24;
  }

  i16(): number {
    const at = this.take(2);
    return ((this.buf[at]! << 24) | (this.buf[at + 1]! << 16)) >> 16;
  }

  u16(): number {
    const at = this.take(2);
    return (this.buf[at]! << 8) | this.buf[at + 1]!;
  }

  i32(): number {
    const at = this.take(4);
    const b = this.buf;
    return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
  }

  /** Through a DataView: several times faster than Buffer's BigInt readers. */
  i64(): bigint {
    const at = this.take(8);
    return viewOf(this.buf).getBigInt64(this.buf.byteOffset + at);
  }

  f64(): number {
    const at = this.take(8);
    return viewOf(this.buf).getFloat64(this.buf.byteOffset + at);
  }

  bool(): boolean {
    return this.buf[this.take(1)] !== 0;
  }

  uuid(): string {
    return uuidFromBytes(this.buf, this.take(16));
  }

  /** Unsigned LEB128 of at most 5 bytes (a uint32), as Kafka's `readUnsignedVarint`. */
  uvarint(): number {
    const at = this.pos;
    // Nearly every varint on the wire (lengths, counts, tag sections) is one byte.
    if (at < this.end && this.buf[at]! < 0x80) {
      this.pos = at + 1;
      return this.buf[at]!;
    }
    return this.#longUvarint();
  }

  #longUvarint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const byte = this.buf[this.take(1)]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return this.fail('unsigned varint longer than 5 bytes');
  }

  /** The length of a string/bytes/array: -1 for null. Flexible encodings store length + 1 (0 = null). */
  #length(compact: boolean, width: 2 | 4): number {
    if (compact) return this.uvarint() - 1;
    return width === 2 ? this.i16() : this.i32();
  }

  #nonNull(length: number, nullable: boolean): number {
    if (length < -1) this.fail(`negative length ${length}`);
    if (length === -1 && !nullable) this.fail('null in a non-nullable field');
    return length;
  }

  string(compact: boolean, nullable: boolean): string | null {
    const length = this.#nonNull(this.#length(compact, 2), nullable);
    if (length === -1) return null;
    const at = this.take(length);
    return this.buf.toString('utf8', at, at + length);
  }

  /** A copy, so a value kept by a handler (group metadata) does not pin the whole request frame. */
  bytes(compact: boolean, nullable: boolean): Buffer | null {
    const length = this.#nonNull(this.#length(compact, 4), nullable);
    if (length === -1) return null;
    const at = this.take(length);
    return Buffer.from(this.buf.subarray(at, at + length));
  }

  /** A view of the frame: record batches are never copied by the codec. */
  records(compact: boolean, nullable: boolean): Buffer | null {
    const length = this.#nonNull(this.#length(compact, 4), nullable);
    if (length === -1) return null;
    const at = this.take(length);
    return this.buf.subarray(at, at + length);
  }

  /**
   * An array's element count (-1 for null), refused when even `minElementSize`-byte elements could not
   * fit in the bytes left: a hostile count never makes the decoder allocate or loop.
   */
  count(compact: boolean, nullable: boolean, minElementSize: number): number {
    const n = this.#nonNull(this.#length(compact, 4), nullable);
    if (n > 0 && n > (this.end - this.pos) / minElementSize) this.fail(`array of ${n} elements in ${this.end - this.pos} bytes`);
    return n;
  }

  /** Starts one tagged field: returns where its value ends. */
  tagEnd(): number {
    const size = this.uvarint();
    if (size > this.end - this.pos) this.fail(`tagged field of ${size} bytes, ${this.end - this.pos} left`);
    return this.pos + size;
  }

  /** Ends a known tagged field: its value must have filled exactly the size it declared. */
  endTag(end: number): void {
    if (this.pos !== end) this.fail(`tagged field ends at byte ${this.pos}, declared to end at ${end}`);
  }
}

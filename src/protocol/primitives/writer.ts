/**
 * Writes Kafka's primitive types into a growing scratch buffer, then hands out the message as chunks for
 * a writev: one fresh copy of the written bytes, cut around the record views, which stay chunks of their
 * own and are never copied. The scratch buffer is reused by every message (encoding is synchronous).
 */
import { writeUuid } from './uuid.js';

let scratch = Buffer.allocUnsafe(64 * 1024);

export class Writer {
  buf = scratch;
  pos = 0;
  /** Record views, each with the scratch position it is inserted at. */
  readonly #views: { at: number; view: Buffer }[] = [];
  #viewBytes = 0;

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    scratch = grown;
  }

  i8(v: number): void {
    this.reserve(1);
    this.buf[this.pos++] = v & 0xff;
  }

  i16(v: number): void {
    this.reserve(2);
    const b = this.buf;
    b[this.pos] = (v >>> 8) & 0xff;
    b[this.pos + 1] = v & 0xff;
    this.pos += 2;
  }

  i32(v: number): void {
    this.reserve(4);
    const b = this.buf;
    const at = this.pos;
    b[at] = (v >>> 24) & 0xff;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
    this.pos = at + 4;
  }

  i64(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  f64(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  bool(v: boolean): void {
    this.i8(v ? 1 : 0);
  }

  uuid(v: string): void {
    this.reserve(16);
    writeUuid(v, this.buf, this.pos);
    this.pos += 16;
  }

  uvarint(v: number): void {
    this.reserve(5);
    const b = this.buf;
    while (v >= 0x80) {
      b[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    b[this.pos++] = v;
  }

  /** A length or count: compact ones are written as n + 1 (0 = null), classic ones as int16/int32. */
  length(n: number, compact: boolean, width: 2 | 4): void {
    if (compact) this.uvarint(n + 1);
    else if (width === 2) this.i16(n);
    else this.i32(n);
  }

  string(v: string | null, compact: boolean): void {
    if (v === null) return this.length(-1, compact, 2);
    // Written after a prefix sized for the worst case (3 bytes per UTF-16 unit); moved back when shorter.
    const worst = v.length * 3;
    const prefix = compact ? uvarintSize(worst + 1) : 2;
    this.reserve(prefix + worst + 5);
    const n = this.buf.write(v, this.pos + prefix, 'utf8');
    if (!compact) {
      if (n > 0x7fff) throw new RangeError(`string of ${n} bytes exceeds the int16 length`);
      this.i16(n);
      this.pos += n;
      return;
    }
    const actual = uvarintSize(n + 1);
    if (actual !== prefix) this.buf.copy(this.buf, this.pos + actual, this.pos + prefix, this.pos + prefix + n);
    this.uvarint(n + 1);
    this.pos += n;
  }

  bytes(v: Buffer | null, compact: boolean): void {
    if (v === null) return this.length(-1, compact, 4);
    this.length(v.length, compact, 4);
    this.reserve(v.length);
    v.copy(this.buf, this.pos);
    this.pos += v.length;
  }

  /** Record data: its length here, the views themselves as separate chunks. */
  records(v: Buffer | readonly Buffer[] | null, compact: boolean): void {
    if (v === null) return this.length(-1, compact, 4);
    const views = Buffer.isBuffer(v) ? [v] : v;
    let total = 0;
    for (const view of views) total += view.length;
    this.length(total, compact, 4);
    for (const view of views) if (view.length > 0) this.#views.push({ at: this.pos, view });
    this.#viewBytes += total;
  }

  /**
   * Puts the uvarint size of the bytes written since `from` in front of them (a tagged field's size, known
   * only once its value is written). Never used across record views: tagged fields carry no records.
   */
  prefixSizeFrom(from: number): void {
    const size = this.pos - from;
    const by = uvarintSize(size);
    this.reserve(by);
    this.buf.copy(this.buf, from + by, from, this.pos);
    const end = this.pos + by;
    this.pos = from;
    this.uvarint(size);
    this.pos = end;
  }

  /** Bytes in the message: those written plus the record views. */
  get byteLength(): number {
    return this.pos + this.#viewBytes;
  }

  /** The message as writev chunks: the written bytes copied out once, the record views in between. */
  finish(): Buffer[] {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    if (this.#views.length === 0) return [out];
    const chunks: Buffer[] = [];
    let from = 0;
    for (const { at, view } of this.#views) {
      if (at > from) chunks.push(out.subarray(from, at));
      chunks.push(view);
      from = at;
    }
    if (from < this.pos) chunks.push(out.subarray(from));
    return chunks;
  }
}

export function uvarintSize(v: number): number {
  let size = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

/**
 * The records of one batch, decoded natively in one call per batch (native/src/record/iter.rs): as a
 * typed view over the engine's columns (`RecordBatchView`, no object per record) or as one object per
 * record that owns its bytes (`decodeRecords`). Engine errors surface as `KafkaError`s.
 */
import type { DecodedRecord, RecordBatchColumns } from '../../native/index.js';
import { native } from '../storage/native.js';
import { toKafkaError } from '../storage/errors.js';

export type { DecodedRecord };

/** Per record in `recordSpans`: keyStart, keyLength, valueStart, valueLength, firstHeader, headerCount. */
const RECORD_SPAN_FIELDS = 6;
const KEY_START = 0;
const KEY_LENGTH = 1;
const VALUE_START = 2;
const VALUE_LENGTH = 3;
const FIRST_HEADER = 4;
const HEADER_COUNT = 5;
/** Per header in `headerSpans`: keyStart, keyLength, valueStart, valueLength. */
const HEADER_SPAN_FIELDS = 4;
const HEADER_KEY_START = 0;
const HEADER_KEY_LENGTH = 1;
const HEADER_VALUE_START = 2;
const HEADER_VALUE_LENGTH = 3;
/** Per record in `offsetsAndTimestamps`: offset, timestamp. */
const OFFSET_AND_TIMESTAMP_FIELDS = 2;

const NO_HEADERS: Readonly<Record<string, Buffer | null>> = Object.freeze({});

/**
 * One batch's records by index. Keys, values and header values are `subarray` views: of the batch itself
 * when it is uncompressed (so they live as long as the batch's memory, a mapped segment for reads), else
 * of the decompressed records.
 */
export class RecordBatchView {
  readonly count: number;
  readonly #bytes: Buffer;
  readonly #offsetsAndTimestamps: BigInt64Array;
  readonly #spans: Int32Array;
  readonly #headerSpans: Int32Array;

  private constructor(columns: RecordBatchColumns) {
    this.#bytes = columns.bytes;
    this.#offsetsAndTimestamps = columns.offsetsAndTimestamps;
    this.#spans = columns.recordSpans;
    this.#headerSpans = columns.headerSpans;
    this.count = columns.recordSpans.length / RECORD_SPAN_FIELDS;
  }

  /** Decodes one whole batch (CRC checked, decompressed when needed). */
  static decode(batch: Buffer): RecordBatchView {
    try {
      return new RecordBatchView(native.decodeRecordBatchColumns(batch));
    } catch (error) {
      throw toKafkaError(error);
    }
  }

  offset(i: number): bigint {
    return this.#offsetsAndTimestamps[i * OFFSET_AND_TIMESTAMP_FIELDS]!;
  }

  timestamp(i: number): bigint {
    return this.#offsetsAndTimestamps[i * OFFSET_AND_TIMESTAMP_FIELDS + 1]!;
  }

  hasKey(i: number): boolean {
    return this.#spans[i * RECORD_SPAN_FIELDS + KEY_LENGTH]! >= 0;
  }

  key(i: number): Buffer | null {
    const at = i * RECORD_SPAN_FIELDS;
    return this.#slice(this.#spans[at + KEY_START]!, this.#spans[at + KEY_LENGTH]!);
  }

  value(i: number): Buffer | null {
    const at = i * RECORD_SPAN_FIELDS;
    return this.#slice(this.#spans[at + VALUE_START]!, this.#spans[at + VALUE_LENGTH]!);
  }

  headerCount(i: number): number {
    return this.#spans[i * RECORD_SPAN_FIELDS + HEADER_COUNT]!;
  }

  /** Key of the record's `h`-th header. */
  headerKey(i: number, h: number): string {
    const at = this.#headerAt(i, h);
    const start = this.#headerSpans[at + HEADER_KEY_START]!;
    return this.#bytes.toString('utf8', start, start + this.#headerSpans[at + HEADER_KEY_LENGTH]!);
  }

  /** Value of the record's `h`-th header. */
  headerValue(i: number, h: number): Buffer | null {
    const at = this.#headerAt(i, h);
    return this.#slice(this.#headerSpans[at + HEADER_VALUE_START]!, this.#headerSpans[at + HEADER_VALUE_LENGTH]!);
  }

  /** The record's headers by key (a repeated key keeps its last value); one shared empty object when there are none. */
  headers(i: number): Readonly<Record<string, Buffer | null>> {
    const count = this.headerCount(i);
    if (count === 0) return NO_HEADERS;
    const named: Record<string, Buffer | null> = {};
    for (let h = 0; h < count; h++) named[this.headerKey(i, h)] = this.headerValue(i, h);
    return named;
  }

  #headerAt(i: number, h: number): number {
    return (this.#spans[i * RECORD_SPAN_FIELDS + FIRST_HEADER]! + h) * HEADER_SPAN_FIELDS;
  }

  #slice(start: number, length: number): Buffer | null {
    return length < 0 ? null : this.#bytes.subarray(start, start + length);
  }
}

/**
 * The records of one batch as objects whose keys and values are views of one new Buffer, never of
 * `batch`: they may be kept after `batch` (often a view of a mapped segment) is released.
 */
export function decodeRecords(batch: Buffer): DecodedRecord[] {
  try {
    return native.decodeRecordBatch(batch);
  } catch (error) {
    throw toKafkaError(error);
  }
}

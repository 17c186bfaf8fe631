/**
 * The RecordBatch v2 header (native/src/record/batch.rs on the TypeScript side): its layout, the one
 * parser of it, and the single-field reads the hot paths make instead of parsing it whole. Per batch,
 * never per record; the storage engine does the full validation (CRC, records) on append.
 *
 * Layout: baseOffset int64 @0, batchLength int32 @8, partitionLeaderEpoch int32 @12, magic int8 @16,
 * crc uint32 @17, attributes int16 @21, lastOffsetDelta int32 @23, baseTimestamp int64 @27,
 * maxTimestamp int64 @35, producerId int64 @43, producerEpoch int16 @51, baseSequence int32 @53,
 * recordsCount int32 @57, records @61.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type Compression, compressionOf } from './compression.js';

const BASE_OFFSET_AT = 0;
const BATCH_LENGTH_AT = 8;
const MAGIC_AT = 16;
const ATTRIBUTES_AT = 21;
const LAST_OFFSET_DELTA_AT = 23;
const BASE_TIMESTAMP_AT = 27;
const MAX_TIMESTAMP_AT = 35;
const PRODUCER_ID_AT = 43;
const PRODUCER_EPOCH_AT = 51;
const BASE_SEQUENCE_AT = 53;
const RECORDS_COUNT_AT = 57;

/** Size of the v2 header (Kafka's RECORD_BATCH_OVERHEAD). */
const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;
const MAGIC = 2;

const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

export interface BatchHeader {
  readonly baseOffset: bigint;
  /** Total size of the batch in bytes (batchLength + 12). */
  readonly sizeInBytes: number;
  readonly magic: number;
  readonly attributes: number;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: bigint;
  readonly maxTimestamp: bigint;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordsCount: number;
}

/** Parses the header of the batch starting at `position`; INVALID_RECORD / CORRUPT_MESSAGE if it is not a whole v2 batch. */
export function readBatchHeader(buffer: Buffer, position = 0): BatchHeader {
  if (buffer.length - position < RECORD_BATCH_OVERHEAD) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'record batch shorter than its header');
  const magic = buffer.readInt8(position + MAGIC_AT);
  if (magic !== MAGIC) throw new KafkaError(ErrorCode.INVALID_RECORD, `record batch magic ${magic}; only v2 batches are accepted`);
  const sizeInBytes = batchSizeAt(buffer, position);
  if (sizeInBytes < RECORD_BATCH_OVERHEAD || sizeInBytes > buffer.length - position) {
    throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `record batch length ${sizeInBytes} does not fit the ${buffer.length - position} bytes given`);
  }
  return {
    baseOffset: buffer.readBigInt64BE(position + BASE_OFFSET_AT),
    sizeInBytes,
    magic,
    attributes: buffer.readInt16BE(position + ATTRIBUTES_AT),
    lastOffsetDelta: buffer.readInt32BE(position + LAST_OFFSET_DELTA_AT),
    baseTimestamp: buffer.readBigInt64BE(position + BASE_TIMESTAMP_AT),
    maxTimestamp: buffer.readBigInt64BE(position + MAX_TIMESTAMP_AT),
    producerId: buffer.readBigInt64BE(position + PRODUCER_ID_AT),
    producerEpoch: buffer.readInt16BE(position + PRODUCER_EPOCH_AT),
    baseSequence: buffer.readInt32BE(position + BASE_SEQUENCE_AT),
    recordsCount: buffer.readInt32BE(position + RECORDS_COUNT_AT),
  };
}

/** Total size of the batch at `position` (batchLength + LOG_OVERHEAD), unchecked. */
export function batchSizeAt(buffer: Buffer, position: number): number {
  return buffer.readInt32BE(position + BATCH_LENGTH_AT) + LOG_OVERHEAD;
}

/** Offset of the last record of the batch at `position`, unchecked. */
function lastOffsetAt(buffer: Buffer, position: number): bigint {
  return buffer.readBigInt64BE(position + BASE_OFFSET_AT) + BigInt(buffer.readInt32BE(position + LAST_OFFSET_DELTA_AT));
}

/** Base offset of the first batch in `batches`. */
export function firstOffsetOf(batches: Buffer): bigint {
  return batches.readBigInt64BE(BASE_OFFSET_AT);
}

/** Offset of the last record in `batches` (whole batches back to back, at least one). */
export function lastOffsetOf(batches: Buffer): bigint {
  let position = 0;
  let last = 0;
  while (position < batches.length) {
    last = position;
    position += batchSizeAt(batches, position);
  }
  return lastOffsetAt(batches, last);
}

/** The codec of the batch at the start of `buffer`, or undefined when the buffer is too short to say. */
export function compressionAt(buffer: Buffer): Compression | undefined {
  return buffer.length > ATTRIBUTES_AT + 1 ? compressionOf(buffer.readInt16BE(ATTRIBUTES_AT)) : undefined;
}

export function isTransactional(header: BatchHeader): boolean {
  return (header.attributes & TRANSACTIONAL_FLAG) !== 0;
}

export function isControl(header: BatchHeader): boolean {
  return (header.attributes & CONTROL_FLAG) !== 0;
}

/** Idempotent or transactional batches carry a producer id ≥ 0. */
export function hasProducerId(header: BatchHeader): boolean {
  return header.producerId >= 0n;
}

/** Sequence of the batch's last record (sequences wrap at int32). */
export function lastSequence(header: Pick<BatchHeader, 'baseSequence' | 'lastOffsetDelta'>): number {
  return header.baseSequence + header.lastOffsetDelta > 0x7fffffff
    ? header.baseSequence + header.lastOffsetDelta - 0x80000000
    : header.baseSequence + header.lastOffsetDelta;
}

/**
 * Reads the fixed 61-byte header of a RecordBatch v2 (the fields the partition layer decides on: offsets,
 * producer id/epoch/sequence, transactional and control bits). Per batch, never per record; the storage
 * engine does the full validation (CRC, records) on append.
 *
 * Layout: baseOffset int64 @0, batchLength int32 @8, partitionLeaderEpoch int32 @12, magic int8 @16,
 * crc uint32 @17, attributes int16 @21, lastOffsetDelta int32 @23, baseTimestamp int64 @27,
 * maxTimestamp int64 @35, producerId int64 @43, producerEpoch int16 @51, baseSequence int32 @53,
 * recordsCount int32 @57.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';

export const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;

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

/** Parses the header of the batch starting at `position`; INVALID_RECORD if it is not a whole v2 batch. */
export function readBatchHeader(buffer: Buffer, position = 0): BatchHeader {
  if (buffer.length - position < RECORD_BATCH_OVERHEAD) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'record batch shorter than its header');
  const magic = buffer.readInt8(position + 16);
  if (magic !== 2) throw new KafkaError(ErrorCode.INVALID_RECORD, `record batch magic ${magic}; only v2 batches are accepted`);
  const sizeInBytes = buffer.readInt32BE(position + 8) + LOG_OVERHEAD;
  if (sizeInBytes < RECORD_BATCH_OVERHEAD || sizeInBytes > buffer.length - position) {
    throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `record batch length ${sizeInBytes} does not fit the ${buffer.length - position} bytes given`);
  }
  return {
    baseOffset: buffer.readBigInt64BE(position),
    sizeInBytes,
    magic,
    attributes: buffer.readInt16BE(position + 21),
    lastOffsetDelta: buffer.readInt32BE(position + 23),
    baseTimestamp: buffer.readBigInt64BE(position + 27),
    maxTimestamp: buffer.readBigInt64BE(position + 35),
    producerId: buffer.readBigInt64BE(position + 43),
    producerEpoch: buffer.readInt16BE(position + 51),
    baseSequence: buffer.readInt32BE(position + 53),
    recordsCount: buffer.readInt32BE(position + 57),
  };
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

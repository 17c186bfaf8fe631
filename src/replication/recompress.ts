/**
 * Rewrites a producer's batch with the topic's `compression.type` when it names a codec other than the
 * batch's own (Kafka's LogValidator does the same; `producer` keeps what the producer sent). Records,
 * keys, headers, timestamps and the producer id, epoch and sequence carry over; the engine decodes and
 * builds the batch (one native call each), and JS only regroups the columns. This costs a decompression
 * and a compression per batch, so it runs only for topics configured that way.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { native } from '../storage/native.js';
import { toKafkaError } from '../storage/errors.js';
import type { BatchHeader } from './batch-header.js';

/** Kafka's codec ids by `compression.type` value. */
const CODECS: Readonly<Record<string, number>> = { uncompressed: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** Record spans: keyStart, keyLength, valueStart, valueLength, firstHeader, headerCount. */
const RECORD_FIELDS = 6;
/** Header spans: keyStart, keyLength, valueStart, valueLength. */
const HEADER_FIELDS = 4;

/** The codec the topic wants for this batch, or undefined when the batch can be stored as sent. */
export function targetCodec(compressionType: string, header: BatchHeader): number | undefined {
  const codec = CODECS[compressionType];
  return codec === undefined || codec === (header.attributes & 0x07) ? undefined : codec;
}

export function recompress(batch: Buffer, header: BatchHeader, codec: number): Buffer {
  try {
    const { bytes, offsetsAndTimestamps, recordSpans, headerSpans } = native.decodeRecordBatchColumns(batch);
    const count = recordSpans.length / RECORD_FIELDS;
    const slice = (start: number, length: number): Buffer | null => (length < 0 ? null : bytes.subarray(start, start + length));
    const keys: (Buffer | null)[] = [];
    const values: (Buffer | null)[] = [];
    const headers: { key: string; value?: Buffer }[][] = [];
    const timestamps = new BigInt64Array(count);
    for (let i = 0; i < count; i++) {
      const r = i * RECORD_FIELDS;
      keys.push(slice(recordSpans[r]!, recordSpans[r + 1]!));
      values.push(slice(recordSpans[r + 2]!, recordSpans[r + 3]!));
      timestamps[i] = offsetsAndTimestamps[i * 2 + 1]!;
      const recordHeaders: { key: string; value?: Buffer }[] = [];
      for (let h = recordSpans[r + 4]!, end = h + recordSpans[r + 5]!; h < end; h++) {
        const at = h * HEADER_FIELDS;
        const key = bytes.toString('utf8', headerSpans[at]!, headerSpans[at]! + headerSpans[at + 1]!);
        const value = slice(headerSpans[at + 2]!, headerSpans[at + 3]!);
        recordHeaders.push(value === null ? { key } : { key, value });
      }
      headers.push(recordHeaders);
    }
    return native.buildRecordBatch(
      { keys, values, timestamps, headers },
      { compression: codec, producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence, baseTimestamp: header.baseTimestamp },
    );
  } catch (error) {
    const kafkaError = toKafkaError(error);
    throw kafkaError instanceof KafkaError ? kafkaError : new KafkaError(ErrorCode.CORRUPT_MESSAGE, `batch could not be recompressed: ${String(error)}`);
  }
}

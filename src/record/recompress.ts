/**
 * Rewrites a producer's batch with the topic's `compression.type` when it names a codec other than the
 * batch's own (Kafka's LogValidator does the same; `producer` keeps what the producer sent). Records,
 * keys, headers, timestamps and the producer id, epoch and sequence carry over; the engine decodes and
 * builds the batch (one native call each), and JS only regroups the columns. This costs a decompression
 * and a compression per batch, so it runs only for topics configured that way.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { BatchHeader } from './batch.js';
import { buildRecordBatch, type RecordColumns } from './builder.js';
import { type Compression, compressionNamed, compressionOf } from './compression.js';
import { RecordBatchView } from './records.js';

/** The codec the topic wants for this batch, or undefined when the batch can be stored as sent. */
export function targetCodec(compressionType: string, header: BatchHeader): Compression | undefined {
  const codec = compressionNamed(compressionType);
  return codec === undefined || codec === compressionOf(header.attributes) ? undefined : codec;
}

export function recompress(batch: Buffer, header: BatchHeader, codec: Compression): Buffer {
  try {
    return buildRecordBatch(columnsOf(RecordBatchView.decode(batch)), {
      compression: codec,
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      baseTimestamp: header.baseTimestamp,
    });
  } catch (error) {
    throw error instanceof KafkaError ? error : new KafkaError(ErrorCode.CORRUPT_MESSAGE, `batch could not be recompressed: ${String(error)}`);
  }
}

function columnsOf(records: RecordBatchView): Required<RecordColumns> {
  const keys: (Buffer | null)[] = [];
  const values: (Buffer | null)[] = [];
  const headers: { key: string; value?: Buffer }[][] = [];
  const timestamps = new BigInt64Array(records.count);
  for (let i = 0; i < records.count; i++) {
    keys.push(records.key(i));
    values.push(records.value(i));
    timestamps[i] = records.timestamp(i);
    const recordHeaders: { key: string; value?: Buffer }[] = [];
    for (let h = 0, count = records.headerCount(i); h < count; h++) {
      const key = records.headerKey(i, h);
      const value = records.headerValue(i, h);
      recordHeaders.push(value === null ? { key } : { key, value });
    }
    headers.push(recordHeaders);
  }
  return { keys, values, timestamps, headers };
}

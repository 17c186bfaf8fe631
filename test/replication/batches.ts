/** Record batches for the replication tests: built by the engine's builder, read back through RecordBatchView. */
import { batchSizeAt } from '../../src/record/batch.js';
import { buildRecordBatch, type BuildOptions } from '../../src/record/builder.js';
import { RecordBatchView } from '../../src/record/records.js';

/** One batch holding `values` (and `keys`, when given), with the build options (producer id, codec...). */
export function batchOf(values: readonly string[], options: BuildOptions & { keys?: readonly (string | null)[] } = {}): Buffer {
  const { keys, ...build } = options;
  return buildRecordBatch({ values: values.map((v) => Buffer.from(v)), keys: keys?.map((k) => (k === null ? null : Buffer.from(k))) }, build);
}

/** An idempotent producer's batch: producer id, epoch 0, sequences from `baseSequence`. */
export function producerBatch(values: readonly string[], producerId: bigint, baseSequence: number): Buffer {
  return batchOf(values, { producerId, producerEpoch: 0, baseSequence });
}

/** The values of every record in whole batches (views from a read), as strings. */
export function valuesOf(views: readonly Buffer[]): string[] {
  const values: string[] = [];
  for (const view of views) {
    for (let at = 0; at < view.length; ) {
      const size = batchSizeAt(view, at);
      const records = RecordBatchView.decode(view.subarray(at, at + size));
      for (let i = 0; i < records.count; i++) values.push(records.value(i)?.toString() ?? '<null>');
      at += size;
    }
  }
  return values;
}

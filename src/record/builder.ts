/**
 * Building RecordBatch v2 batches natively (native/src/record/builder.rs): from columns of records
 * (the coordinator's log, recompression) or from the embedded producer's packed staging area
 * (native/src/record/packed.rs), on the calling thread or, for compressed batches, on the libuv pool.
 * Engine errors surface as `KafkaError`s.
 */
import type { BuildRecordBatchOptions, PackedRecordColumns, RecordColumns } from '../../native/index.js';
import { native } from '../storage/native.js';
import { toKafkaError } from '../storage/errors.js';
import type { Compression } from './compression.js';

export type { PackedRecordColumns, RecordColumns };

export interface BuildOptions extends Omit<BuildRecordBatchOptions, 'compression'> {
  readonly compression?: Compression;
}

/** One batch of `records`, compressed when asked. */
export function buildRecordBatch(records: RecordColumns, options?: BuildOptions): Buffer {
  try {
    return native.buildRecordBatch(records, options);
  } catch (error) {
    throw toKafkaError(error);
  }
}

/**
 * One batch of packed records, built on the calling thread into the start of `output` when it fits (the
 * result is then a view of it: a caller reusing `output` allocates nothing per batch), else into a new Buffer.
 */
export function buildPackedRecordBatch(records: PackedRecordColumns, options: BuildOptions, output: Buffer): Buffer {
  try {
    return native.buildPackedRecordBatch(records, options, output);
  } catch (error) {
    throw toKafkaError(error);
  }
}

/** `buildPackedRecordBatch` on the libuv pool; the records must stay untouched until the promise settles. */
export function buildPackedRecordBatchAsync(records: PackedRecordColumns, options: BuildOptions): Promise<Buffer> {
  return native.buildPackedRecordBatchAsync(records, options).catch((error: unknown) => {
    throw toKafkaError(error);
  });
}

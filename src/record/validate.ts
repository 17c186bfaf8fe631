/**
 * Record batch validation as the log does it on append (CRC, header, every record): on the calling thread,
 * or on the libuv pool for compressed batches, whose records are inflated and checked there.
 */
import type { ValidateBatchesOptions, ValidatedBatchInfo } from '../../native/index.js';
import { toKafkaError } from '../storage/errors.js';
import { native } from '../storage/native.js';

export type { ValidateBatchesOptions };

/** Validates every batch of `batches` (all or nothing); a failure is the engine's error as a KafkaError. */
export function validateBatches(batches: Buffer, options?: ValidateBatchesOptions): ValidatedBatchInfo[] {
  try {
    return native.validateBatches(batches, options);
  } catch (error) {
    throw toKafkaError(error);
  }
}

/** `validateBatches` off the event loop; `batches` must not change until the promise settles. */
export function validateBatchesOffLoop(batches: Buffer, options?: ValidateBatchesOptions): Promise<ValidatedBatchInfo[]> {
  return native.validateBatchesAsync(batches, options).catch((error: unknown) => {
    throw toKafkaError(error);
  });
}

/** Record batch validation as the log does it on append (CRC, header, every record), for batches not appended. */
import type { ValidateBatchesOptions, ValidatedBatchInfo } from '../../native/index.js';
import { toKafkaError } from '../storage/errors.js';
import { native } from '../storage/native.js';

/** Validates every batch of `batches` (all or nothing); a failure is the engine's error as a KafkaError. */
export function validateBatches(batches: Buffer, options?: ValidateBatchesOptions): ValidatedBatchInfo[] {
  try {
    return native.validateBatches(batches, options);
  } catch (error) {
    throw toKafkaError(error);
  }
}

/**
 * What the Produce and Fetch handlers report per partition once answered: the batches taken in or sent
 * out (counted per topic by their headers) or the error code. The broker's metrics implement it; the server
 * layer depends only on this interface.
 */
import type { ErrorCode } from '../protocol/error-codes.js';

export interface TrafficObserver {
  /** `batch` is the partition's record batch as appended (one v2 batch). */
  produced(topic: string, batch: Buffer, errorCode: ErrorCode): void;
  /** `views` are the whole batches sent for the partition. */
  fetched(topic: string, views: readonly Buffer[], errorCode: ErrorCode): void;
}

/**
 * Rebuilds idempotent-producer state from a log's batch headers (the engine lists them without reading
 * records): at load after the snapshot, and after a truncation for the producers it left without state.
 */
import type { PartitionLog } from './partition-log.js';
import type { ProducerStateManager } from './producer-state.js';

/** Batch headers listed per native call while replaying. */
const REPLAY_BATCHES = 4096;

/** Replays the producer batches in [from, log end) into `state`; with `only`, just those producers' batches. */
export function replayProducerBatches(state: ProducerStateManager, log: PartitionLog, from: bigint, only?: ReadonlySet<bigint>): void {
  const now = Date.now();
  const end = log.logEndOffset;
  for (let offset = from; offset < end; ) {
    const headers = log.batchHeaders(offset, REPLAY_BATCHES);
    if (headers.length === 0) return;
    for (const header of headers) {
      const lastOffset = header.baseOffset + BigInt(header.lastOffsetDelta);
      const wanted = header.producerId >= 0n && (only === undefined || only.has(header.producerId));
      if (wanted && lastOffset >= offset) state.update(header, header.baseOffset, lastOffset, header.maxTimestamp, now);
      offset = lastOffset + 1n;
    }
  }
}

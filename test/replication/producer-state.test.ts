// Idempotence protocol units (reliability scenario R6) on the partition's producer state.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { BatchHeader } from '../../src/record/batch.js';
import { NUM_BATCHES_TO_RETAIN, ProducerStateManager } from '../../src/replication/producer-state.js';
import { native } from '../../src/storage/native.js';
import { errorCodeOf } from '../support/error-code.js';

function batch(producerId: bigint, producerEpoch: number, baseSequence: number, records = 1): BatchHeader {
  return {
    baseOffset: 0n,
    sizeInBytes: 100,
    magic: 2,
    attributes: 0,
    lastOffsetDelta: records - 1,
    baseTimestamp: 1n,
    maxTimestamp: 1n,
    producerId,
    producerEpoch,
    baseSequence,
    recordsCount: records,
  };
}

/** Appends like the partition does: check, then record at the next offsets. */
function append(state: ProducerStateManager, header: BatchHeader, nextOffset: { value: bigint }): bigint {
  const duplicate = state.check(header);
  if (duplicate) return duplicate.firstOffset;
  const first = nextOffset.value;
  nextOffset.value += BigInt(header.recordsCount);
  state.update(header, first, nextOffset.value - 1n, header.maxTimestamp, 0);
  return first;
}

describe('producer state (idempotence)', () => {
  it('answers a duplicate of any of the last 5 batches with its original offset, and nothing older', () => {
    const state = new ProducerStateManager();
    const next = { value: 0n };
    const firstOffsets: bigint[] = [];
    for (let i = 0; i < 7; i++) firstOffsets.push(append(state, batch(7n, 0, i * 3, 3), next));
    for (let i = 7 - NUM_BATCHES_TO_RETAIN; i < 7; i++) {
      expect(state.check(batch(7n, 0, i * 3, 3))?.firstOffset).toBe(firstOffsets[i]);
    }
    expect(errorCodeOf(() => state.check(batch(7n, 0, 0, 3)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(next.value).toBe(21n);
  });

  it('refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER', () => {
    const state = new ProducerStateManager();
    append(state, batch(1n, 0, 0, 2), { value: 0n });
    expect(errorCodeOf(() => state.check(batch(1n, 0, 3)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(errorCodeOf(() => state.check(batch(1n, 0, 2)))).toBeUndefined();
  });

  it('refuses a stale epoch with INVALID_PRODUCER_EPOCH and lets a new epoch start at 0 only', () => {
    const state = new ProducerStateManager();
    const next = { value: 0n };
    append(state, batch(1n, 3, 0), next);
    expect(errorCodeOf(() => state.check(batch(1n, 2, 1)))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(errorCodeOf(() => state.check(batch(1n, 4, 5)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    append(state, batch(1n, 4, 0), next);
    expect(errorCodeOf(() => state.check(batch(1n, 3, 1)))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('accepts a producer id it has no state for at any sequence (KIP-360)', () => {
    const state = new ProducerStateManager();
    expect(errorCodeOf(() => state.check(batch(99n, 5, 123_456)))).toBeUndefined();
  });

  it('wraps sequences at int32', () => {
    const state = new ProducerStateManager();
    const next = { value: 0n };
    append(state, batch(1n, 0, 0x7fffffff - 1, 2), next);
    expect(errorCodeOf(() => state.check(batch(1n, 0, 0)))).toBeUndefined();
  });

  it('expires producers idle for producer.id.expiration.ms', () => {
    const state = new ProducerStateManager();
    state.update(batch(1n, 0, 0), 0n, 0n, 0n, 1_000);
    state.update(batch(2n, 0, 0), 1n, 1n, 0n, 5_000);
    state.expire(6_000, 2_000);
    expect(state.producerCount).toBe(1);
    expect(errorCodeOf(() => state.check(batch(1n, 0, 77)))).toBeUndefined();
  });

  it('keeps each producer’s last batch through a snapshot and refuses a damaged one', () => {
    const crc = (bytes: Buffer) => native.crc32C(bytes);
    const state = new ProducerStateManager();
    const next = { value: 10n };
    append(state, batch(1n, 2, 0, 4), next);
    append(state, batch(2n, 0, 0, 1), next);
    const snapshot = state.snapshot(crc);
    const restored = ProducerStateManager.fromSnapshot(snapshot, crc);
    expect(restored.check(batch(1n, 2, 0, 4))?.firstOffset).toBe(10n);
    expect(errorCodeOf(() => restored.check(batch(1n, 2, 9)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(errorCodeOf(() => restored.check(batch(1n, 1, 4)))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    snapshot[snapshot.length - 1]! ^= 0xff;
    expect(errorCodeOf(() => ProducerStateManager.fromSnapshot(snapshot, crc))).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});

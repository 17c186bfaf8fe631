// ReplicaManager on in-memory logs: produce with its per-partition errors and idempotence, fetch with the
// purgatory (parking, wake-up, timeout, deleted topics), ListOffsets and DeleteRecords.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  EARLIEST_TIMESTAMP,
  type FetchParams,
  type FetchPartition,
  IsolationLevel,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
} from '../../src/replication/replica-manager.js';
import { pollUntil } from '../support/poll.js';
import { batchOf, producerBatch, valuesOf } from './batches.js';
import { type ReplicaNode, startReplicaNode } from './replica-node.js';

const ACKS_ALL = { acks: -1, timeoutMs: 5000 };

let node: ReplicaNode;

beforeEach(async () => {
  node = await startReplicaNode();
  await node.metadata.createTopic('t', { numPartitions: 2 });
});

afterEach(async () => {
  await node.close();
});

function fetchParams(partitions: readonly Partial<FetchPartition>[], options: Partial<FetchParams> = {}): FetchParams {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: IsolationLevel.READ_UNCOMMITTED,
    ...options,
    partitions: partitions.map((p) => ({ topic: 't', partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, ...p })),
  };
}

async function produce(values: readonly string[], partition = 0): Promise<bigint> {
  const [result] = await node.replicaManager.appendRecords([{ topic: 't', partition, records: batchOf(values) }], ACKS_ALL);
  expect(result!.errorCode).toBe(ErrorCode.NONE);
  return result!.baseOffset;
}

describe('ReplicaManager produce', () => {
  it('appends each entry to its partition and answers errors per entry', async () => {
    const results = await node.replicaManager.appendRecords(
      [
        { topic: 't', partition: 0, records: batchOf(['a', 'b']) },
        { topic: 't', partition: 7, records: batchOf(['lost']) },
        { topic: 'nope', partition: 0, records: batchOf(['lost']) },
        { topic: 't', partition: 1, records: batchOf(['c']) },
      ],
      ACKS_ALL,
    );
    expect(results.map((r) => [r.errorCode, r.baseOffset])).toEqual([
      [ErrorCode.NONE, 0n],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
      [ErrorCode.NONE, 0n],
    ]);
    expect(node.replicaManager.partition('t', 0)).toMatchObject({ highWatermark: 2n, logEndOffset: 2n });
  });

  it('refuses bad acks, corrupt batches and appends to internal topics from clients', async () => {
    await node.metadata.createTopic('__internal', { numPartitions: 1, internal: true });
    const corrupt = batchOf(['a']);
    corrupt[corrupt.length - 1]! ^= 0xff;
    const [badAcks] = await node.replicaManager.appendRecords([{ topic: 't', partition: 0, records: batchOf(['a']) }], { acks: 2, timeoutMs: 100 });
    const [badBatch] = await node.replicaManager.appendRecords([{ topic: 't', partition: 0, records: corrupt }], ACKS_ALL);
    const [internal] = await node.replicaManager.appendRecords([{ topic: '__internal', partition: 0, records: batchOf(['a']) }], ACKS_ALL);
    const [allowed] = await node.replicaManager.appendRecords([{ topic: '__internal', partition: 0, records: batchOf(['a']) }], {
      ...ACKS_ALL,
      allowInternal: true,
    });
    expect([badAcks!.errorCode, badBatch!.errorCode, internal!.errorCode, allowed!.errorCode]).toEqual([
      ErrorCode.INVALID_REQUIRED_ACKS,
      ErrorCode.CORRUPT_MESSAGE,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      ErrorCode.NONE,
    ]);
    expect(badBatch!.errorMessage).toBeTruthy();
    expect(node.replicaManager.partition('t', 0)!.logEndOffset).toBe(0n);
  });

  it('answers an idempotent retry with the original offsets and a gap with OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    await produce(['before']);
    const send = (values: string[], sequence: number) =>
      node.replicaManager.appendRecords([{ topic: 't', partition: 0, records: producerBatch(values, 11n, sequence) }], ACKS_ALL);
    expect((await send(['a', 'b'], 0))[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 1n });
    expect((await send(['a', 'b'], 0))[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 1n });
    expect((await send(['z'], 9))[0]!.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(node.replicaManager.partition('t', 0)!.logEndOffset).toBe(3n);
  });
});

describe('ReplicaManager fetch', () => {
  it('reads up to the high watermark and releases the views once told', async () => {
    await produce(['a', 'b']);
    await produce(['c']);
    const result = await node.replicaManager.fetch(fetchParams([{ fetchOffset: 1n }, { partition: 1 }]));
    expect(result.partitions.map((p) => [p.errorCode, p.highWatermark, valuesOf(p.records)])).toEqual([
      [ErrorCode.NONE, 3n, ['a', 'b', 'c']],
      [ErrorCode.NONE, 0n, []],
    ]);
    expect(node.logs.getLog('t', 0)!.outstandingViews).toBe(1);
    result.release();
    result.release();
    expect(node.logs.getLog('t', 0)!.outstandingViews).toBe(0);
  });

  it('answers errors per partition: unknown partition, out of range with the offsets, fenced epoch', async () => {
    await produce(['a']);
    const result = await node.replicaManager.fetch(fetchParams([{ partition: 9 }, { fetchOffset: 5n }, { currentLeaderEpoch: 99 }]));
    expect(result.partitions.map((p) => [p.errorCode, p.highWatermark, p.logStartOffset])).toEqual([
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n, -1n],
      [ErrorCode.OFFSET_OUT_OF_RANGE, 1n, 0n],
      [ErrorCode.UNKNOWN_LEADER_EPOCH, -1n, -1n],
    ]);
    result.release();
  });

  it('gives the first partition with data at least one batch past max_bytes, and later ones nothing beyond it (KIP-74)', async () => {
    await produce(['x'.repeat(500)], 0);
    await produce(['y'.repeat(500)], 1);
    const result = await node.replicaManager.fetch(fetchParams([{}, { partition: 1 }], { maxBytes: 100 }));
    expect(result.partitions.map((p) => valuesOf(p.records).length)).toEqual([1, 0]);
    result.release();
  });

  it('parks a fetch without data until an append brings min_bytes, then answers it with the records', async () => {
    const parked = node.replicaManager.fetch(fetchParams([{}], { maxWaitMs: 30_000, minBytes: 1 }));
    await pollUntil(() => node.replicaManager.delayedFetchCount === 1, 'the fetch to park');
    await produce(['woken']);
    const result = await parked;
    expect(valuesOf(result.partitions[0]!.records)).toEqual(['woken']);
    expect(node.replicaManager.delayedFetchCount).toBe(0);
    result.release();
  });

  it('answers a parked fetch with what is there when max_wait_ms passes', async () => {
    const result = await node.replicaManager.fetch(fetchParams([{}], { maxWaitMs: 20, minBytes: 1 }));
    expect(result.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, bytes: 0 });
    expect(node.replicaManager.delayedFetchCount).toBe(0);
  });

  it('answers a fetch parked on a topic that is deleted, with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const parked = node.replicaManager.fetch(fetchParams([{}], { maxWaitMs: 30_000 }));
    await pollUntil(() => node.replicaManager.delayedFetchCount === 1, 'the fetch to park');
    await node.metadata.deleteTopic('t');
    expect((await parked).partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(node.logs.getLog('t', 0)).toBeUndefined();
  });

  it('answers parked fetches at shutdown', async () => {
    const parked = node.replicaManager.fetch(fetchParams([{}], { maxWaitMs: 30_000 }));
    await pollUntil(() => node.replicaManager.delayedFetchCount === 1, 'the fetch to park');
    await node.close();
    expect((await parked).partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(node.logs.closed).toBe(true);
  });
});

describe('ReplicaManager offsets', () => {
  it('lists offsets: earliest, latest, by timestamp and the max timestamp', async () => {
    const at = (timestamp: bigint) => node.replicaManager.listOffset('t', 0, timestamp, IsolationLevel.READ_UNCOMMITTED, -1);
    await node.replicaManager.appendRecords(
      [{ topic: 't', partition: 0, records: batchOf(['a', 'b'], { baseTimestamp: BigInt(Date.now() - 1000) }) }],
      ACKS_ALL,
    );
    await produce(['c']);
    expect(at(EARLIEST_TIMESTAMP)).toMatchObject({ errorCode: ErrorCode.NONE, offset: 0n });
    expect(at(LATEST_TIMESTAMP)).toMatchObject({ errorCode: ErrorCode.NONE, offset: 3n });
    expect(at(MAX_TIMESTAMP)).toMatchObject({ errorCode: ErrorCode.NONE, offset: 2n, leaderEpoch: 0 });
    expect(at(BigInt(Date.now() + 60_000))).toMatchObject({ errorCode: ErrorCode.NONE, offset: -1n });
    expect(at(-7n).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(node.replicaManager.listOffset('t', 9, LATEST_TIMESTAMP, IsolationLevel.READ_UNCOMMITTED, -1).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it("answers a client's latest offset OFFSET_NOT_AVAILABLE while a new leader's high watermark is behind the start of its epoch", async () => {
    const partition = node.replicaManager.partition('t', 0)!;
    const twoReplicas = (leaderEpoch: number) => ({ leader: 1, leaderEpoch, partitionEpoch: leaderEpoch, replicas: [1, 2], isr: [1, 2] });
    // Led with a follower (node 2) that has not fetched: acks=1 appends leave the high watermark at 0.
    partition.makeLeader(twoReplicas(1), Date.now());
    const [appended] = await node.replicaManager.appendRecords([{ topic: 't', partition: 0, records: batchOf(['a', 'b']) }], { acks: 1, timeoutMs: 5000 });
    expect(appended!.errorCode).toBe(ErrorCode.NONE);
    partition.makeLeader(twoReplicas(2), Date.now());
    const latest = (client: boolean) => node.replicaManager.listOffset('t', 0, LATEST_TIMESTAMP, IsolationLevel.READ_UNCOMMITTED, -1, client);
    const byTime = node.replicaManager.listOffset('t', 0, 0n, IsolationLevel.READ_UNCOMMITTED, -1, true);
    expect(latest(true)).toMatchObject({ errorCode: ErrorCode.OFFSET_NOT_AVAILABLE, offset: -1n });
    expect(byTime).toMatchObject({ errorCode: ErrorCode.OFFSET_NOT_AVAILABLE, offset: -1n });
    expect(node.replicaManager.listOffset('t', 0, EARLIEST_TIMESTAMP, IsolationLevel.READ_UNCOMMITTED, -1, true)).toMatchObject({
      errorCode: ErrorCode.NONE,
      offset: 0n,
    });
    // In-process callers are not Kafka clients that retry: they keep getting the high watermark.
    expect(latest(false)).toMatchObject({ errorCode: ErrorCode.NONE, offset: 0n });
    partition.updateFollowerFetch(2, 2n, Date.now());
    expect(latest(true)).toMatchObject({ errorCode: ErrorCode.NONE, offset: 2n });
  });

  it('deletes records: the new low watermark, then fetches below it are out of range', async () => {
    await produce(['a', 'b', 'c']);
    expect(node.replicaManager.deleteRecords('t', 0, 2n)).toBe(2n);
    expect(() => node.replicaManager.deleteRecords('t', 0, 9n)).toThrow(expect.objectContaining({ code: ErrorCode.OFFSET_OUT_OF_RANGE }));
    expect(() => node.replicaManager.deleteRecords('t', 5, 0n)).toThrow(expect.objectContaining({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }));
    expect(node.replicaManager.listOffset('t', 0, EARLIEST_TIMESTAMP, IsolationLevel.READ_UNCOMMITTED, -1).offset).toBe(2n);
    const result = await node.replicaManager.fetch(fetchParams([{ fetchOffset: 1n }]));
    expect(result.partitions[0]).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: 2n, highWatermark: 3n });
    result.release();
  });
});

describe('ReplicaManager high watermark checkpoints', () => {
  it('writes every partition’s high watermark every replica.high.watermark.checkpoint.interval.ms and at close', async () => {
    const checkpointing = await startReplicaNode({ 'replica.high.watermark.checkpoint.interval.ms': 20 });
    try {
      await checkpointing.metadata.createTopic('t', { numPartitions: 2 });
      await checkpointing.replicaManager.appendRecords([{ topic: 't', partition: 1, records: batchOf(['a', 'b']) }], ACKS_ALL);
      await pollUntil(() => checkpointing.logs.highWatermarks.get('t-1') === 2n, 'the periodic checkpoint');
      expect(checkpointing.logs.highWatermarks.get('t-0')).toBe(0n);
      await checkpointing.replicaManager.appendRecords([{ topic: 't', partition: 0, records: batchOf(['c']) }], ACKS_ALL);
    } finally {
      await checkpointing.close();
    }
    expect(Object.fromEntries(checkpointing.logs.highWatermarks)).toEqual({ 't-0': 1n, 't-1': 2n });
  });
});

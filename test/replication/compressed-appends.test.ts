// Compressed batches are validated off the event loop: the appends of a partition still happen in arrival
// order, every produce entry gets exactly one result when some fail, and shutdown waits for validations.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { TopicConfig } from '../../src/config/topic-config.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { Compression } from '../../src/record/compression.js';
import { Partition } from '../../src/replication/partition.js';
import { ProducerStateManager } from '../../src/replication/producer-state.js';
import { MemoryLog } from '../support/memory-log.js';
import { batchOf, valuesOf } from './batches.js';
import { type ReplicaNode, startReplicaNode } from './replica-node.js';

const NOW = 1_700_000_000_000;

/** A zstd batch of a few KiB whose one record inflates past the 64 MiB decompression limit. */
function bomb(): Buffer {
  return batchOf(['\0'.repeat(80 << 20)], { compression: Compression.Zstd });
}

/** The Kafka error code an append refuses with (synchronously or by rejecting), or undefined. */
async function refusal(outcome: unknown): Promise<ErrorCode | undefined> {
  try {
    await outcome;
    return undefined;
  } catch (error) {
    if (error instanceof KafkaError) return error.code;
    throw error;
  }
}

function partitionOn(log: MemoryLog, overrides: Record<string, string> = {}): Partition {
  const ids = { topic: 't', partition: 0, topicId: '0b4c6f5e-5a43-4a4b-9d1e-2f6a3c1b7e10', leaderEpoch: 0 };
  return new Partition(ids, log, new TopicConfig(BrokerConfig.create(), overrides), new ProducerStateManager());
}

function readAll(partition: Partition): string[] {
  const read = partition.read(0n, 1 << 20, false);
  try {
    return valuesOf(read.views);
  } finally {
    read.release();
  }
}

describe('Partition appends of compressed batches', () => {
  it('appends a later uncompressed batch after an earlier compressed one still being validated, from a copy', async () => {
    const partition = partitionOn(new MemoryLog());
    const compressed = partition.appendAsLeader(batchOf(['z1', 'z2'], { compression: Compression.Zstd }), NOW);
    expect(compressed).toBeInstanceOf(Promise);
    const reused = batchOf(['plain']);
    const plain = partition.appendAsLeader(reused, NOW);
    expect(plain).toBeInstanceOf(Promise);
    // The caller may reuse an uncompressed batch's memory once the call returned.
    reused.fill(0);
    expect(partition.logEndOffset).toBe(0n);
    expect(await compressed).toMatchObject({ baseOffset: 0n, lastOffset: 1n });
    expect(await plain).toMatchObject({ baseOffset: 2n, lastOffset: 2n });
    expect(readAll(partition)).toEqual(['z1', 'z2', 'plain']);
    // Nothing waits any more: uncompressed appends are synchronous again.
    expect(partition.appendAsLeader(batchOf(['next']), NOW)).toMatchObject({ baseOffset: 3n });
  });

  it('refuses a bomb without holding up the appends queued behind it', async () => {
    const partition = partitionOn(new MemoryLog());
    const refused = partition.appendAsLeader(bomb(), NOW);
    const after = partition.appendAsLeader(batchOf(['after'], { compression: Compression.Lz4 }), NOW);
    expect(await refusal(refused)).toBe(ErrorCode.INVALID_RECORD);
    expect(await after).toMatchObject({ baseOffset: 0n });
    expect(readAll(partition)).toEqual(['after']);
  });

  it('checks keys and idempotence of compressed batches at their turn, in order', async () => {
    const compacted = partitionOn(new MemoryLog(), { 'cleanup.policy': 'compact' });
    const unkeyed = compacted.appendAsLeader(batchOf(['a'], { compression: Compression.Gzip, keys: [null] }), NOW);
    expect(await refusal(unkeyed)).toBe(ErrorCode.INVALID_RECORD);

    const partition = partitionOn(new MemoryLog());
    const idempotent = { producerId: 7n, producerEpoch: 0, baseSequence: 0, compression: Compression.Zstd };
    const first = partition.appendAsLeader(batchOf(['p0'], idempotent), NOW);
    const retry = partition.appendAsLeader(batchOf(['p0'], idempotent), NOW);
    expect(await first).toMatchObject({ baseOffset: 0n, duplicate: false });
    expect(await retry).toMatchObject({ baseOffset: 0n, duplicate: true });
    expect(readAll(partition)).toEqual(['p0']);
  });

  it('refuses a queued append whose partition went offline while it waited', async () => {
    const partition = partitionOn(new MemoryLog());
    const waiting = partition.appendAsLeader(batchOf(['z'], { compression: Compression.Snappy }), NOW);
    partition.markOffline(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await refusal(waiting)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await partition.appendsSettled();
  });
});

describe('ReplicaManager produce with compressed batches', () => {
  let node: ReplicaNode;

  beforeEach(async () => {
    node = await startReplicaNode();
    await node.metadata.createTopic('t', { numPartitions: 3 });
  });

  afterEach(async () => {
    await node.close();
  });

  it('answers every entry exactly once when a bomb sits in the middle of a multi-partition produce', async () => {
    const results = await node.replicaManager.appendRecords(
      [
        { topic: 't', partition: 0, records: batchOf(['a']) },
        { topic: 't', partition: 1, records: bomb() },
        { topic: 't', partition: 2, records: batchOf(['c'], { compression: Compression.Zstd }) },
        { topic: 'missing', partition: 0, records: batchOf(['m'], { compression: Compression.Zstd }) },
      ],
      { acks: -1, timeoutMs: 5000 },
    );
    expect(results.map((r) => [r.partition, r.errorCode, r.baseOffset])).toEqual([
      [0, ErrorCode.NONE, 0n],
      [1, ErrorCode.INVALID_RECORD, -1n],
      [2, ErrorCode.NONE, 0n],
      [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
    ]);
    expect(node.replicaManager.partition('t', 1)!.logEndOffset).toBe(0n);
  });

  it('finishes appends whose validation is in flight before it closes the logs', async () => {
    const records = batchOf(['x'.repeat(1 << 20), 'y'], { compression: Compression.Gzip });
    const appending = node.replicaManager.appendRecords([{ topic: 't', partition: 0, records }], { acks: 1, timeoutMs: 5000 });
    const partition = node.replicaManager.partition('t', 0)!;
    await node.close();
    const [result] = await appending;
    expect(result).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(partition.logEndOffset).toBe(2n);
  });
});

// Partition's replication roles on the in-memory log: the leader's high watermark from its followers' log
// ends, ISR shrink and expand proposals, acks=all waits, leadership loss; the follower's appends of the
// leader's batches, its high watermark (from its checkpoint at a restart) and its truncation.
import { describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { TopicConfig } from '../../src/config/topic-config.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type AppendOutcome, Partition, type PartitionRole } from '../../src/replication/partition.js';
import { ProducerStateManager } from '../../src/replication/producer-state.js';
import { errorCodeOf } from '../support/error-code.js';
import { MemoryLog } from '../support/memory-log.js';
import { batchOf, producerBatch, valuesOf } from './batches.js';

const NOW = 1_700_000_000_000;
const LAG_MS = 30_000;
const IDS = { topic: 't', partition: 0, topicId: '0b4c6f5e-5a43-4a4b-9d1e-2f6a3c1b7e10', leaderEpoch: 0 };

function role(leader: number, leaderEpoch: number, isr: readonly number[] = [1, 2, 3]): PartitionRole {
  return { leader, leaderEpoch, partitionEpoch: leaderEpoch, replicas: [1, 2, 3], isr };
}

function replicaOn(nodeId: number, initial: PartitionRole, overrides: Record<string, string> = {}, log = new MemoryLog()): Partition {
  return new Partition({ ...IDS, nodeId }, log, new TopicConfig(BrokerConfig.create(), overrides), new ProducerStateManager(), initial, NOW);
}

function appended(outcome: AppendOutcome | Promise<AppendOutcome>): AppendOutcome {
  if (outcome instanceof Promise) throw new Error('an uncompressed batch was not appended synchronously');
  return outcome;
}

/** Everything the leader has from `offset` on, as a follower's fetch gets it. */
function fetched(leader: Partition, offset: bigint): Buffer {
  const read = leader.read(offset, 1 << 20, true);
  const bytes = Buffer.concat(read.views);
  read.release();
  return bytes;
}

function consumerValues(partition: Partition): string[] {
  const read = partition.read(partition.logStartOffset, 1 << 20, false);
  const values = valuesOf(read.views);
  read.release();
  return values;
}

describe('Partition as leader of three replicas', () => {
  it('moves the high watermark to the smallest log end over the ISR, as the followers fetch', () => {
    const leader = replicaOn(1, role(1, 1));
    appended(leader.appendAsLeader(batchOf(['a', 'b']), NOW));
    appended(leader.appendAsLeader(batchOf(['c']), NOW));
    expect([leader.logEndOffset, leader.highWatermark]).toEqual([3n, 0n]);
    expect(consumerValues(leader)).toEqual([]);
    leader.updateFollowerFetch(2, 3n, NOW);
    expect(leader.highWatermark).toBe(0n);
    leader.updateFollowerFetch(3, 2n, NOW);
    expect(leader.highWatermark).toBe(2n);
    expect(consumerValues(leader)).toEqual(['a', 'b']);
    // A consumer past the high watermark, within the log, is not out of range: it gets nothing yet.
    expect(leader.read(3n, 1 << 20, false).bytes).toBe(0);
    leader.updateFollowerFetch(3, 3n, NOW);
    expect(leader.highWatermark).toBe(3n);
    expect(leader.followerState(3)).toMatchObject({ logEndOffset: 3n, lastCaughtUpMs: NOW });
  });

  it('tells consumers of bytes once committed and followers once appended', () => {
    const leader = replicaOn(1, role(1, 1, [1, 2]));
    const heard: [number, boolean][] = [];
    leader.onAppend((_, bytes, committed) => heard.push([bytes, committed]));
    const batch = batchOf(['a']);
    appended(leader.appendAsLeader(batch, NOW));
    expect(heard).toEqual([[batch.length, false]]);
    leader.updateFollowerFetch(2, 1n, NOW);
    expect(heard).toEqual([
      [batch.length, false],
      [batch.length, true],
    ]);
  });

  it('wakes consumers when records it got as follower become committed under its leadership', () => {
    const leader = replicaOn(1, role(1, 1));
    appended(leader.appendAsLeader(batchOf(['a']), NOW));
    const follower = replicaOn(2, role(1, 1));
    follower.appendAsFollower(fetched(leader, 0n), NOW);
    follower.makeLeader(role(2, 2, [1, 2]), NOW);
    const committed: number[] = [];
    follower.onAppend((_, bytes, isCommitted) => isCommitted && committed.push(bytes));
    follower.updateFollowerFetch(1, 1n, NOW);
    expect(follower.highWatermark).toBe(1n);
    expect(committed).toEqual([1]);
  });

  it('answers acks=all waits once the high watermark passes them, below min.insync.replicas with NOT_ENOUGH_REPLICAS_AFTER_APPEND', async () => {
    const leader = replicaOn(1, role(1, 1), { 'min.insync.replicas': '2' });
    const first = appended(leader.appendAsLeader(batchOf(['a']), NOW));
    const second = appended(leader.appendAsLeader(batchOf(['b']), NOW));
    const firstDone = leader.waitForReplication(first.lastOffset + 1n);
    const secondDone = leader.waitForReplication(second.lastOffset + 1n);
    expect(firstDone).toBeInstanceOf(Promise);
    leader.updateFollowerFetch(2, 1n, NOW);
    leader.updateFollowerFetch(3, 1n, NOW);
    await expect(firstDone).resolves.toBe(ErrorCode.NONE);
    expect(leader.waitingProduces).toBe(1);
    // The ISR shrinks to the leader alone: the high watermark follows its log end, below min.insync.replicas.
    leader.makeLeader({ ...role(1, 1, [1]), partitionEpoch: 2 }, NOW);
    await expect(secondDone).resolves.toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    expect(leader.highWatermark).toBe(2n);
  });

  it('answers waiting acks=all produces and parked fetches NOT_LEADER_OR_FOLLOWER when it loses leadership', async () => {
    const leader = replicaOn(1, role(1, 1));
    const outcome = appended(leader.appendAsLeader(batchOf(['a']), NOW));
    const waiting = leader.waitForReplication(outcome.lastOffset + 1n);
    const woken: boolean[] = [];
    leader.onAppend((p) => woken.push(p.isLeader));
    leader.makeFollower(role(2, 2));
    await expect(waiting).resolves.toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(woken).toEqual([false, false]);
    expect(leader.waitForReplication(1n)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('proposes to drop followers not caught up for replica.lag.time.max.ms and to take back those that caught up', () => {
    const leader = replicaOn(1, role(1, 1));
    appended(leader.appendAsLeader(batchOf(['a']), NOW));
    leader.updateFollowerFetch(2, 1n, NOW);
    leader.updateFollowerFetch(3, 0n, NOW);
    expect(leader.proposedIsr(NOW + LAG_MS, LAG_MS)).toBeUndefined();
    // Follower 2 keeps up; follower 3 keeps fetching below the leader's end.
    leader.updateFollowerFetch(2, 1n, NOW + 1_000);
    leader.updateFollowerFetch(3, 0n, NOW + 1_000);
    expect(leader.proposedIsr(NOW + LAG_MS + 1, LAG_MS)).toEqual([1, 2]);
    leader.makeLeader({ ...role(1, 1, [1, 2]), partitionEpoch: 2 }, NOW + LAG_MS + 1);
    expect(leader.highWatermark).toBe(1n);
    leader.updateFollowerFetch(3, 1n, NOW + LAG_MS + 2);
    expect(leader.proposedIsr(NOW + LAG_MS + 2, LAG_MS)).toEqual([1, 2, 3]);
  });

  it('takes back only followers that may join: one whose broker is not registered stays out however it fetches (KIP-841)', () => {
    const leader = replicaOn(1, role(1, 1, [1, 2]));
    appended(leader.appendAsLeader(batchOf(['a']), NOW));
    leader.updateFollowerFetch(2, 1n, NOW);
    leader.updateFollowerFetch(3, 1n, NOW);
    expect(leader.proposedIsr(NOW, LAG_MS, (id) => id !== 3)).toBeUndefined();
    expect(leader.proposedIsr(NOW, LAG_MS)).toEqual([1, 2, 3]);
  });

  it('counts ISR followers as caught up when it becomes leader, with their log ends unknown until they fetch', () => {
    const log = new MemoryLog();
    const follower = replicaOn(1, role(2, 1), {}, log);
    expect(follower.isLeader).toBe(false);
    follower.makeLeader(role(1, 2), NOW);
    expect(follower.followerState(2)).toMatchObject({ logEndOffset: -1n, lastCaughtUpMs: NOW });
    appended(follower.appendAsLeader(batchOf(['a']), NOW));
    expect(follower.highWatermark).toBe(0n);
    expect(follower.proposedIsr(NOW + LAG_MS + 1, LAG_MS)).toEqual([1]);
  });
});

describe('a new leader still learning its high watermark', () => {
  it('answers a client asking where the log ends OFFSET_NOT_AVAILABLE until the high watermark reaches the start of its epoch', () => {
    const leader = replicaOn(1, role(1, 1));
    const follower = replicaOn(2, role(1, 1));
    appended(leader.appendAsLeader(batchOf(['a', 'b', 'c']), NOW));
    follower.appendAsFollower(fetched(leader, 0n), NOW);
    follower.updateFollowerHighWatermark(1n);
    expect(() => follower.checkHighWatermarkKnown()).not.toThrow();
    // Elected before it learned the high watermark 3: its epoch starts at 3, its high watermark is 1.
    follower.makeLeader(role(2, 2), NOW);
    expect(follower.highWatermark).toBe(1n);
    expect(errorCodeOf(() => follower.checkHighWatermarkKnown())).toBe(ErrorCode.OFFSET_NOT_AVAILABLE);
    for (const id of [1, 3]) follower.updateFollowerFetch(id, 3n, NOW);
    expect(follower.highWatermark).toBe(3n);
    expect(() => follower.checkHighWatermarkKnown()).not.toThrow();
    // A change of ISR within the epoch keeps its start.
    follower.makeLeader({ ...role(2, 2), partitionEpoch: 3 }, NOW);
    expect(() => follower.checkHighWatermarkKnown()).not.toThrow();
  });
});

describe('OffsetForLeaderEpoch from the epoch cache', () => {
  it("answers by Kafka's rules: the latest epoch ends at the log end, older ones where the next begins", () => {
    const log = new MemoryLog();
    for (const [epoch, values] of [
      [1, ['a', 'b']],
      [3, ['c', 'd']],
      [5, ['e']],
    ] as const) {
      log.append(batchOf([...values]), { leaderEpoch: epoch, maxMessageBytes: 1 << 20 });
    }
    const leader = replicaOn(1, role(1, 5), {}, log);
    expect(leader.endOffsetForEpoch(5)).toEqual({ epoch: 5, endOffset: 5n });
    expect(leader.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 4n });
    expect(leader.endOffsetForEpoch(4)).toEqual({ epoch: 3, endOffset: 4n });
    expect(leader.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 0n });
    expect(leader.endOffsetForEpoch(7)).toEqual({ epoch: -1, endOffset: -1n });
    expect(leader.endOffsetForEpoch(-1)).toEqual({ epoch: -1, endOffset: -1n });
    // An empty log whose leader never wrote: its epoch starts (and ends) at 0, as Kafka's makeLeader records it.
    expect(replicaOn(1, role(1, 0)).endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 0n });
    expect(replicaOn(2, role(1, 0)).endOffsetForEpoch(0)).toEqual({ epoch: -1, endOffset: -1n });
  });

  it('places the epoch of a new leader that has not written yet, so a follower ahead in an epoch it never had truncates to the right offset', () => {
    // Epoch 1: node 1 leads and writes a, b, c; everyone has them.
    const one = replicaOn(1, role(1, 1));
    const two = replicaOn(2, role(1, 1));
    const three = replicaOn(3, role(1, 1));
    appended(one.appendAsLeader(batchOf(['a', 'b', 'c']), NOW));
    for (const follower of [two, three]) follower.appendAsFollower(fetched(one, 0n), NOW);
    // Epoch 2: node 2 leads and writes d, which only node 3 gets.
    two.makeLeader(role(2, 2), NOW);
    for (const follower of [one, three]) follower.makeFollower(role(2, 2));
    appended(two.appendAsLeader(batchOf(['d']), NOW));
    three.appendAsFollower(fetched(two, 3n), NOW);
    // Epoch 3: node 1 leads again and writes nothing.
    one.makeLeader(role(1, 3), NOW);
    expect(one.log.leaderEpochs()).toEqual([
      { epoch: 1, startOffset: 0n },
      { epoch: 3, startOffset: 3n },
    ]);
    expect(one.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 3n });
    expect(one.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 3n });
    // Epoch 2 was never written here: the largest epoch below it and where the next one starts.
    expect(one.endOffsetForEpoch(2)).toEqual({ epoch: 1, endOffset: 3n });
    // Node 3 fetches at 4 having last fetched epoch 2: told its log diverges where epoch 1 ends, it
    // truncates d away and keeps a, b, c.
    three.makeFollower(role(1, 3));
    const diverging = one.divergingEpoch(4n, 2);
    expect(diverging).toEqual({ epoch: 1, endOffset: 3n });
    // Epoch 1 ends at 3 here too, so the fetcher truncates there (the smaller of both ends).
    expect(three.log.endOffsetForEpoch(diverging!.epoch)).toEqual({ epoch: 1, endOffset: 3n });
    expect(three.truncateTo(diverging!.endOffset)).toBe(3n);
    expect(one.divergingEpoch(3n, three.log.leaderEpochs().at(-1)!.epoch)).toBeUndefined();
    // Node 2, following node 1 now, drops d the same way.
    two.makeFollower(role(1, 3));
    expect(two.truncateTo(one.divergingEpoch(4n, 2)!.endOffset)).toBe(3n);
  });

  it('drops an epoch it started as leader without writing once it truncates to its log end as follower', () => {
    const one = replicaOn(1, role(1, 1));
    appended(one.appendAsLeader(batchOf(['a', 'b']), NOW));
    const two = replicaOn(2, role(1, 1));
    two.appendAsFollower(fetched(one, 0n), NOW);
    // Node 2 led epoch 2 without writing; node 1 leads epoch 3 and never heard of epoch 2.
    two.makeLeader(role(2, 2), NOW);
    expect(two.log.leaderEpochs().at(-1)).toEqual({ epoch: 2, startOffset: 2n });
    one.makeLeader(role(1, 3), NOW);
    two.makeFollower(role(1, 3));
    const diverging = one.divergingEpoch(2n, 2)!;
    expect(diverging).toEqual({ epoch: 1, endOffset: 2n });
    expect(two.truncateTo(diverging.endOffset)).toBe(2n);
    // Its next fetch carries epoch 1, which agrees with the leader's log: no truncation loop.
    expect(two.log.leaderEpochs()).toEqual([{ epoch: 1, startOffset: 0n }]);
    expect(one.divergingEpoch(2n, 1)).toBeUndefined();
  });

  it("tells a fetch where its log diverges by its last fetched epoch, as Kafka's truncation on fetch", () => {
    const log = new MemoryLog();
    for (const [epoch, values] of [
      [1, ['a', 'b']],
      [3, ['c', 'd']],
      [5, ['e']],
    ] as const) {
      log.append(batchOf([...values]), { leaderEpoch: epoch, maxMessageBytes: 1 << 20 });
    }
    const leader = replicaOn(1, role(1, 5), {}, log);
    // Agreeing logs: the epoch reaches the fetch offset here.
    expect(leader.divergingEpoch(5n, 5)).toBeUndefined();
    expect(leader.divergingEpoch(3n, 3)).toBeUndefined();
    // The fetcher wrote on in epoch 3 past where it ends here, or wrote in an epoch 4 this log never had.
    expect(leader.divergingEpoch(6n, 3)).toEqual({ epoch: 3, endOffset: 4n });
    expect(leader.divergingEpoch(4n, 4)).toEqual({ epoch: 3, endOffset: 4n });
    expect(leader.divergingEpoch(7n, 5)).toEqual({ epoch: 5, endOffset: 5n });
    // An epoch newer than any here cannot be placed; nor can a fetch below the log start.
    expect(errorCodeOf(() => leader.divergingEpoch(5n, 6))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    log.deleteRecordsBefore(2n);
    expect(errorCodeOf(() => leader.divergingEpoch(1n, 1))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });
});

describe('Partition as follower', () => {
  it("appends the leader's batches as they are, rebuilds producer state from them and takes the leader's high watermark", () => {
    const leader = replicaOn(1, role(1, 4));
    const follower = replicaOn(2, role(1, 4));
    appended(leader.appendAsLeader(producerBatch(['a', 'b'], 42n, 0), NOW));
    appended(leader.appendAsLeader(batchOf(['c']), NOW));
    follower.appendAsFollower(fetched(leader, 0n), NOW);
    expect(follower.logEndOffset).toBe(3n);
    expect(fetched(follower, 0n).equals(fetched(leader, 0n))).toBe(true);
    expect(follower.log.leaderEpochs()).toEqual([{ epoch: 4, startOffset: 0n }]);
    follower.updateFollowerHighWatermark(9n);
    expect(follower.highWatermark).toBe(3n);
    // Becoming leader, the retry of the producer's batch is answered as the duplicate it is.
    follower.makeLeader(role(2, 5), NOW);
    const retry = appended(follower.appendAsLeader(producerBatch(['a', 'b'], 42n, 0), NOW));
    expect(retry).toMatchObject({ duplicate: true, baseOffset: 0n, lastOffset: 1n });
  });

  it('truncates a divergent tail with the producer state and the high watermark', () => {
    const follower = replicaOn(2, role(1, 1));
    const leader = replicaOn(1, role(1, 1));
    appended(leader.appendAsLeader(producerBatch(['a'], 7n, 0), NOW));
    appended(leader.appendAsLeader(producerBatch(['b'], 7n, 1), NOW));
    follower.appendAsFollower(fetched(leader, 0n), NOW);
    follower.updateFollowerHighWatermark(2n);
    expect(follower.truncateTo(1n)).toBe(1n);
    expect([follower.logEndOffset, follower.highWatermark]).toEqual([1n, 1n]);
    follower.makeLeader(role(2, 2), NOW);
    // Sequence 1 is no longer in the log, so it is appended again rather than answered as a duplicate.
    expect(appended(follower.appendAsLeader(producerBatch(['b'], 7n, 1), NOW))).toMatchObject({ duplicate: false, baseOffset: 1n });
  });

  it('keeps the sequence of a producer whose remembered batches were all truncated away, from its batches still in the log', () => {
    const leader = replicaOn(1, role(1, 1));
    const follower = replicaOn(2, role(1, 1));
    for (let sequence = 0; sequence < 8; sequence++) appended(leader.appendAsLeader(producerBatch([`v${sequence}`], 7n, sequence), NOW));
    follower.appendAsFollower(fetched(leader, 0n), NOW);
    // The last five batches (sequences 3–7) go; sequences 0–2 stay in the log.
    expect(follower.truncateTo(3n)).toBe(3n);
    follower.makeLeader(role(2, 2), NOW);
    // A batch past the gap is refused: accepting it would let the client count sequences 3–6 as written.
    expect(errorCodeOf(() => follower.appendAsLeader(producerBatch(['v7'], 7n, 7), NOW))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(appended(follower.appendAsLeader(producerBatch(['v2'], 7n, 2), NOW))).toMatchObject({ duplicate: true, baseOffset: 2n });
    expect(appended(follower.appendAsLeader(producerBatch(['v3'], 7n, 3), NOW))).toMatchObject({ duplicate: false, baseOffset: 3n });
  });

  it("moves its log start up to the leader's, never past its own high watermark, so consumers reading here are out of range below it", () => {
    const leader = replicaOn(1, role(1, 1));
    const follower = replicaOn(2, role(1, 1));
    appended(leader.appendAsLeader(batchOf(['a', 'b']), NOW));
    appended(leader.appendAsLeader(batchOf(['c', 'd']), NOW));
    follower.appendAsFollower(fetched(leader, 0n), NOW);
    follower.updateFollowerHighWatermark(2n);
    follower.updateFollowerLogStart(3n);
    expect(follower.logStartOffset).toBe(2n);
    follower.updateFollowerHighWatermark(4n);
    follower.updateFollowerLogStart(3n);
    expect(follower.logStartOffset).toBe(3n);
    follower.updateFollowerLogStart(1n);
    expect(follower.logStartOffset).toBe(3n);
    expect(errorCodeOf(() => follower.read(2n, 1 << 20, false))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(consumerValues(follower)).toEqual(['c', 'd']);
  });

  it('starts from the high watermark it checkpointed, kept within its log, else from its log start', () => {
    const leader = replicaOn(1, role(1, 1));
    appended(leader.appendAsLeader(batchOf(['a', 'b']), NOW));
    appended(leader.appendAsLeader(batchOf(['c']), NOW));
    const log = new MemoryLog();
    log.appendAsFollower(fetched(leader, 0n));
    const restarted = (checkpointedHighWatermark?: bigint) =>
      new Partition({ ...IDS, nodeId: 2, checkpointedHighWatermark }, log, new TopicConfig(BrokerConfig.create()), new ProducerStateManager(), role(1, 1), NOW);
    expect(restarted(2n).highWatermark).toBe(2n);
    expect(consumerValues(restarted(2n))).toEqual(['a', 'b']);
    // A checkpoint ahead of what a crash left of the log.
    expect(restarted(9n).highWatermark).toBe(3n);
    expect(restarted(undefined).highWatermark).toBe(0n);
    log.deleteRecordsBefore(2n);
    expect(restarted(0n).highWatermark).toBe(2n);
  });
});

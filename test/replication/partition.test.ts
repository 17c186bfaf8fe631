// Partition (one replica's log, leader epoch, high watermark, producer state) on the in-memory log: the
// leader's produce checks and reads. Follower appends and high-watermark advance by fetches belong here too.
import { describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { TopicConfig } from '../../src/config/topic-config.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { readBatchHeader } from '../../src/record/batch.js';
import { Compression, compressionOf } from '../../src/record/compression.js';
import { type AppendOutcome, Partition } from '../../src/replication/partition.js';
import { ProducerStateManager } from '../../src/replication/producer-state.js';
import { errorCodeOf } from '../support/error-code.js';
import { MemoryLog } from '../support/memory-log.js';
import { batchOf, producerBatch, valuesOf } from './batches.js';

const NOW = 1_700_000_000_000;

function partitionOn(log = new MemoryLog(), overrides: Record<string, string> = {}, leaderEpoch = 3): Partition {
  const ids = { topic: 't', partition: 0, topicId: '0b4c6f5e-5a43-4a4b-9d1e-2f6a3c1b7e10', leaderEpoch };
  return new Partition(ids, log, new TopicConfig(BrokerConfig.create(), overrides), new ProducerStateManager());
}

function readAll(partition: Partition, from = partition.logStartOffset): string[] {
  const read = partition.read(from, 1 << 20, false);
  try {
    return valuesOf(read.views);
  } finally {
    read.release();
  }
}

/** An uncompressed batch is appended in the call itself (compressed ones are validated off the event loop first). */
function appendedNow(outcome: AppendOutcome | Promise<AppendOutcome>): AppendOutcome {
  if (outcome instanceof Promise) throw new Error('an uncompressed batch was not appended synchronously');
  return outcome;
}

describe('Partition as leader', () => {
  it('appends with the leader epoch, moves the high watermark with the log end and reads up to it', () => {
    const log = new MemoryLog();
    const partition = partitionOn(log);
    expect(partition.appendAsLeader(batchOf(['a', 'b']), NOW)).toEqual({
      baseOffset: 0n,
      lastOffset: 1n,
      logAppendTimeMs: -1n,
      logStartOffset: 0n,
      duplicate: false,
    });
    expect(appendedNow(partition.appendAsLeader(batchOf(['c']), NOW)).baseOffset).toBe(2n);
    expect([partition.highWatermark, partition.logEndOffset]).toEqual([3n, 3n]);
    const read = partition.read(1n, 1 << 20, false);
    expect(read).toMatchObject({ highWatermark: 3n, logStartOffset: 0n, logEndOffset: 3n });
    expect(valuesOf(read.views)).toEqual(['a', 'b', 'c']);
    expect(readBatchHeader(read.views[1]!).baseOffset).toBe(2n);
    expect(read.views[0]!.readInt32BE(12)).toBe(3);
    read.release();
    expect(log.outstandingViews).toBe(0);
  });

  it('starts its high watermark at the end of a log that already holds records', () => {
    const log = new MemoryLog();
    log.append(batchOf(['x', 'y']), { leaderEpoch: 0, maxMessageBytes: 1 << 20 });
    const partition = partitionOn(log);
    expect(partition.highWatermark).toBe(2n);
    expect(readAll(partition)).toEqual(['x', 'y']);
  });

  it('answers OFFSET_OUT_OF_RANGE past the high watermark and below the log start, and nothing at the high watermark', () => {
    const partition = partitionOn();
    partition.appendAsLeader(batchOf(['a', 'b']), NOW);
    expect(errorCodeOf(() => partition.read(3n, 1 << 20, false))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(partition.read(2n, 1 << 20, false).bytes).toBe(0);
    partition.deleteRecordsBefore(1n);
    expect(errorCodeOf(() => partition.read(0n, 1 << 20, false))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  it('answers a retried idempotent batch with its original offsets and appends nothing', () => {
    const partition = partitionOn();
    partition.appendAsLeader(batchOf(['other']), NOW);
    const first = partition.appendAsLeader(producerBatch(['p0', 'p1'], 9n, 0), NOW);
    expect(first).toMatchObject({ baseOffset: 1n, lastOffset: 2n, duplicate: false });
    expect(partition.appendAsLeader(producerBatch(['p0', 'p1'], 9n, 0), NOW)).toMatchObject({ baseOffset: 1n, lastOffset: 2n, duplicate: true });
    expect(partition.logEndOffset).toBe(3n);
    expect(appendedNow(partition.appendAsLeader(producerBatch(['p2'], 9n, 2), NOW)).baseOffset).toBe(3n);
  });

  it('refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER, appending nothing', () => {
    const partition = partitionOn();
    partition.appendAsLeader(producerBatch(['p0'], 9n, 0), NOW);
    expect(errorCodeOf(() => partition.appendAsLeader(producerBatch(['p5'], 9n, 5), NOW))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(partition.logEndOffset).toBe(1n);
  });

  it('refuses malformed batches before they reach the log', () => {
    const partition = partitionOn(new MemoryLog(), { 'max.message.bytes': '200' });
    const corrupt = batchOf(['a']);
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(errorCodeOf(() => partition.appendAsLeader(corrupt, NOW))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(errorCodeOf(() => partition.appendAsLeader(corrupt.subarray(0, 40), NOW))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(errorCodeOf(() => partition.appendAsLeader(Buffer.concat([batchOf(['a']), batchOf(['b'])]), NOW))).toBe(ErrorCode.INVALID_RECORD);
    expect(errorCodeOf(() => partition.appendAsLeader(batchOf(['x'.repeat(300)]), NOW))).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(errorCodeOf(() => partition.appendAsLeader(batchOf(['t'], { producerId: 1n, producerEpoch: 0, baseSequence: 0, transactional: true }), NOW))).toBe(
      ErrorCode.INVALID_TXN_STATE,
    );
    expect(errorCodeOf(() => partition.appendAsLeader(batchOf(['old'], { baseTimestamp: 1n }), NOW))).toBeUndefined();
    expect(partition.logEndOffset).toBe(1n);
  });

  it('refuses timestamps outside message.timestamp.before/after.max.ms', () => {
    const partition = partitionOn(new MemoryLog(), { 'message.timestamp.before.max.ms': '1000' });
    const stale = batchOf(['a'], { baseTimestamp: BigInt(NOW - 5000) });
    expect(errorCodeOf(() => partition.appendAsLeader(stale, NOW))).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(partition.logEndOffset).toBe(0n);
  });

  it('refuses keyless records on a compacted topic', () => {
    const partition = partitionOn(new MemoryLog(), { 'cleanup.policy': 'compact' });
    expect(errorCodeOf(() => partition.appendAsLeader(batchOf(['a', 'b'], { keys: ['k', null] }), NOW))).toBe(ErrorCode.INVALID_RECORD);
    expect(appendedNow(partition.appendAsLeader(batchOf(['a'], { keys: ['k'] }), NOW)).baseOffset).toBe(0n);
  });

  it('stores batches with the topic compression.type and stamps LogAppendTime', () => {
    const partition = partitionOn(new MemoryLog(), { 'compression.type': 'gzip', 'message.timestamp.type': 'LogAppendTime' });
    expect(appendedNow(partition.appendAsLeader(batchOf(['a', 'b']), NOW)).logAppendTimeMs).toBe(BigInt(NOW));
    const read = partition.read(0n, 1 << 20, false);
    const header = readBatchHeader(read.views[0]!);
    expect([compressionOf(header.attributes), header.maxTimestamp]).toEqual([Compression.Gzip, BigInt(NOW)]);
    expect(valuesOf(read.views)).toEqual(['a', 'b']);
    read.release();
  });

  it('deletes records up to the high watermark (-1 meaning it), never beyond', () => {
    const partition = partitionOn();
    partition.appendAsLeader(batchOf(['a', 'b', 'c']), NOW);
    expect(partition.deleteRecordsBefore(1n)).toBe(1n);
    expect(errorCodeOf(() => partition.deleteRecordsBefore(4n))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(partition.deleteRecordsBefore(-1n)).toBe(3n);
    expect(partition.logStartOffset).toBe(3n);
  });

  it('checks the current leader epoch: older is fenced, newer unknown', () => {
    const partition = partitionOn(new MemoryLog(), {}, 5);
    expect(errorCodeOf(() => partition.checkLeaderEpoch(4))).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(errorCodeOf(() => partition.checkLeaderEpoch(6))).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect(errorCodeOf(() => partition.checkLeaderEpoch(5))).toBeUndefined();
    expect(errorCodeOf(() => partition.checkLeaderEpoch(-1))).toBeUndefined();
  });

  it('tells append listeners the bytes appended and committed, and that it went offline; then refuses to serve', () => {
    const partition = partitionOn();
    const heard: [bigint, number, boolean][] = [];
    const stop = partition.onAppend((p, bytes, committed) => heard.push([p.logEndOffset, bytes, committed]));
    const records = batchOf(['a']);
    partition.appendAsLeader(records, NOW);
    partition.markOffline(ErrorCode.KAFKA_STORAGE_ERROR);
    stop();
    partition.markOffline(ErrorCode.KAFKA_STORAGE_ERROR);
    // A single replica's high watermark passes the batch in the same step: appended, then committed.
    expect(heard).toEqual([
      [1n, records.length, false],
      [1n, records.length, true],
      [1n, 0, false],
      [1n, 0, true],
    ]);
    expect(errorCodeOf(() => partition.appendAsLeader(batchOf(['b']), NOW))).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(errorCodeOf(() => partition.read(0n, 1 << 20, false))).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
  });
});

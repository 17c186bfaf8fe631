// The PartitionLog contract, one suite run against both implementations: the native engine's log
// (src/storage, on a temporary log dir) and the in-memory log the partition tests use (test/support).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { buildRecordBatch } from '../../src/record/builder.js';
import { Compression } from '../../src/record/compression.js';
import { RecordBatchView } from '../../src/record/records.js';
import type { LogAppendOptions, PartitionLog, PartitionLogManager } from '../../src/replication/partition-log.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { errorCodeOf } from '../support/error-code.js';
import { MemoryLogManager } from '../support/memory-log.js';

interface Subject {
  readonly name: string;
  open(): Promise<{ manager: PartitionLogManager; cleanup(): void }>;
}

const SUBJECTS: readonly Subject[] = [
  {
    name: 'native Log (LogManager)',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'gregor-log-contract-'));
      return { manager: await LogManager.open({ logDirs: [dir] }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'MemoryLog (MemoryLogManager)', open: async () => ({ manager: new MemoryLogManager(), cleanup() {} }) },
];

const TOPIC_ID = '0b4c6f5e-5a43-4a4b-9d1e-2f6a3c1b7e10';
const APPEND: LogAppendOptions = { leaderEpoch: 0, maxMessageBytes: 1 << 20 };

/** `records` records of `valueBytes` bytes with timestamps from `timestamp` on. */
function batch(records: number, { valueBytes = 10, timestamp = 1_000n, compression = Compression.None, producerId = -1n } = {}): Buffer {
  const values = Array.from({ length: records }, (_, i) => Buffer.alloc(valueBytes, 97 + (i % 26)));
  const timestamps = BigInt64Array.from(values, (_, i) => timestamp + BigInt(i));
  return buildRecordBatch({ values, timestamps }, producerId >= 0n ? { compression, producerId, producerEpoch: 0, baseSequence: 0 } : { compression });
}

describe.each(SUBJECTS)('PartitionLog contract: $name', (subject) => {
  let manager: PartitionLogManager;
  let cleanup: () => void;
  let log: PartitionLog;

  beforeEach(async () => {
    ({ manager, cleanup } = await subject.open());
    log = manager.getOrCreateLog('t', 0, TOPIC_ID, {});
  });

  afterEach(async () => {
    await manager.close();
    cleanup();
  });

  /** Appends `count` batches of two records (offsets 0-1, 2-3, ...); returns them as stamped. */
  function appendPairs(count: number, valueBytes = 10): Buffer[] {
    return Array.from({ length: count }, () => {
      const pair = batch(2, { valueBytes });
      log.append(pair, APPEND);
      return pair;
    });
  }

  it('appends whole batches, stamping base offsets and the leader epoch in place, and moves the log end', async () => {
    const first = batch(3);
    const second = batch(2);
    expect(log.append(first, { ...APPEND, leaderEpoch: 5 })).toEqual({ baseOffset: 0n, lastOffset: 2n, logAppendTimeMs: -1n });
    expect(log.append(second, { ...APPEND, leaderEpoch: 5 })).toEqual({ baseOffset: 3n, lastOffset: 4n, logAppendTimeMs: -1n });
    expect([first.readBigInt64BE(0), second.readBigInt64BE(0), first.readInt32BE(12)]).toEqual([0n, 3n, 5]);
    expect([log.logStartOffset, log.logEndOffset, log.size]).toEqual([0n, 5n, first.length + second.length]);
    await log.flush(log.logEndOffset);
  });

  it('reads whole batches from the one holding the offset: at least one, within maxBytes, none reaching maxOffset', () => {
    const stored = appendPairs(3, 1000);
    const all = log.read(1n, 1 << 20, log.logEndOffset);
    expect(Buffer.concat(all.views).equals(Buffer.concat(stored))).toBe(true);
    expect(all.bytes).toBe(Buffer.concat(stored).length);
    all.release();

    const one = log.read(3n, 10, log.logEndOffset);
    expect(Buffer.concat(one.views).equals(stored[1]!)).toBe(true);
    one.release();

    const belowMax = log.read(0n, 1 << 20, 5n);
    expect(Buffer.concat(belowMax.views).equals(Buffer.concat(stored.slice(0, 2)))).toBe(true);
    belowMax.release();

    expect(log.read(6n, 1 << 20, 6n).bytes).toBe(0);
    expect(log.read(4n, 1 << 20, 4n).bytes).toBe(0);
  });

  it('answers OFFSET_OUT_OF_RANGE for reads outside [log start, log end]', () => {
    appendPairs(2);
    expect(errorCodeOf(() => log.read(5n, 1 << 20, 5n))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    log.deleteRecordsBefore(2n);
    expect(errorCodeOf(() => log.read(1n, 1 << 20, 4n))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(errorCodeOf(() => log.read(2n, 1 << 20, 4n))).toBeUndefined();
  });

  it('refuses corrupt or oversized input whole, leaving the log as it was', () => {
    appendPairs(1);
    const corrupt = batch(2);
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(errorCodeOf(() => log.append(Buffer.concat([batch(1), corrupt]), APPEND))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(errorCodeOf(() => log.append(batch(1, { valueBytes: 2000 }), { ...APPEND, maxMessageBytes: 1000 }))).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(log.logEndOffset).toBe(2n);
    expect(log.append(batch(1), APPEND).baseOffset).toBe(2n);
  });

  it('stamps LogAppendTime into the batch, keeping its CRC valid', () => {
    const appended = batch(2, { timestamp: 7n });
    expect(log.append(appended, { ...APPEND, logAppendTime: 55_000n }).logAppendTimeMs).toBe(55_000n);
    expect(log.batchHeaders(0n, 1)[0]!.maxTimestamp).toBe(55_000n);
    const read = log.read(0n, 1 << 20, log.logEndOffset);
    const records = RecordBatchView.decode(read.views[0]!);
    expect([records.timestamp(0), records.timestamp(1)]).toEqual([55_000n, 55_000n]);
    read.release();
    expect(log.maxTimestamp()).toEqual({ offset: 0n, timestamp: 55_000n });
  });

  it('finds offsets by timestamp inside compressed batches, below a max offset, and the max timestamp', () => {
    for (let i = 0n; i < 5n; i++) log.append(batch(4, { timestamp: 10_000n + i * 100n, compression: Compression.Gzip }), APPEND);
    expect(log.offsetForTimestamp(10_201n)).toEqual({ offset: 9n, timestamp: 10_201n });
    expect(log.offsetForTimestamp(10_150n)).toEqual({ offset: 8n, timestamp: 10_200n });
    expect(log.offsetForTimestamp(10_201n, 9n)).toBeUndefined();
    expect(log.offsetForTimestamp(99_999n)).toBeUndefined();
    expect(log.maxTimestamp()).toEqual({ offset: 19n, timestamp: 10_403n });
  });

  it('has no timestamps when empty', () => {
    expect(log.maxTimestamp()).toBeUndefined();
    expect(log.offsetForTimestamp(0n)).toBeUndefined();
  });

  it('truncates from the batch holding the offset, and appends continue from the new end', () => {
    const stored = appendPairs(3);
    expect(log.truncateTo(9n)).toBe(6n);
    expect(log.truncateTo(3n)).toBe(2n);
    expect(log.logEndOffset).toBe(2n);
    const read = log.read(0n, 1 << 20, log.logEndOffset);
    expect(Buffer.concat(read.views).equals(stored[0]!)).toBe(true);
    read.release();
    expect(log.append(batch(1), APPEND).baseOffset).toBe(2n);
  });

  it('moves the log start forward only, never past the log end', () => {
    appendPairs(3);
    log.deleteRecordsBefore(3n);
    expect(log.logStartOffset).toBe(3n);
    log.deleteRecordsBefore(1n);
    expect(log.logStartOffset).toBe(3n);
    const read = log.read(3n, 1 << 20, log.logEndOffset);
    expect(read.views[0]!.readBigInt64BE(0)).toBe(2n);
    read.release();
    expect(errorCodeOf(() => log.deleteRecordsBefore(7n))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    log.deleteRecordsBefore(6n);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([6n, 6n]);
    expect(log.read(6n, 1 << 20, 6n).bytes).toBe(0);
  });

  it('lists batch headers from the one holding an offset (what producer state is rebuilt from)', () => {
    log.append(batch(2, { producerId: 42n }), APPEND);
    log.append(batch(3), APPEND);
    log.append(batch(1, { producerId: 43n }), APPEND);
    expect(log.batchHeaders(3n, 10).map((h) => [h.baseOffset, h.lastOffsetDelta, h.producerId])).toEqual([
      [2n, 2, -1n],
      [5n, 0, 43n],
    ]);
    expect(log.batchHeaders(0n, 1)).toMatchObject([{ baseOffset: 0n, producerId: 42n, producerEpoch: 0, baseSequence: 0 }]);
  });

  /** Every batch of `from` from its log start to its end, as stored. */
  function storedBytes(from: PartitionLog): Buffer {
    const read = from.read(from.logStartOffset, 1 << 30, from.logEndOffset);
    const bytes = Buffer.concat(read.views);
    read.release();
    return bytes;
  }

  it("appends a leader's batches as a follower as they are, keeping their offsets and epochs", () => {
    const leader = manager.getOrCreateLog('leader', 0, TOPIC_ID, {});
    leader.append(batch(2), { ...APPEND, leaderEpoch: 1 });
    leader.append(batch(3, { compression: Compression.Zstd, producerId: 7n }), { ...APPEND, leaderEpoch: 1 });
    leader.append(batch(1), { ...APPEND, leaderEpoch: 4 });
    const fetched = storedBytes(leader);
    expect(log.appendAsFollower(Buffer.from(fetched))).toEqual({ baseOffset: 0n, lastOffset: 5n, logAppendTimeMs: -1n });
    expect(log.logEndOffset).toBe(6n);
    expect(storedBytes(log).equals(fetched)).toBe(true);
    expect(log.leaderEpochs()).toEqual([
      { epoch: 1, startOffset: 0n },
      { epoch: 4, startOffset: 5n },
    ]);
    expect(log.batchHeaders(2n, 1)).toMatchObject([{ baseOffset: 2n, producerId: 7n, baseSequence: 0 }]);
  });

  it('refuses as a follower batches below its log end or failing their CRC, appending nothing', () => {
    const leader = manager.getOrCreateLog('leader', 0, TOPIC_ID, {});
    leader.append(batch(2), APPEND);
    leader.append(batch(2), APPEND);
    const fetched = storedBytes(leader);
    log.appendAsFollower(Buffer.from(fetched));
    expect(errorCodeOf(() => log.appendAsFollower(Buffer.from(fetched)))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    leader.append(batch(1), APPEND);
    const next = leader.read(4n, 1 << 20, leader.logEndOffset);
    const corrupt = Buffer.from(next.views[0]!);
    next.release();
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(errorCodeOf(() => log.appendAsFollower(corrupt))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(log.logEndOffset).toBe(4n);
  });

  it('answers OffsetForLeaderEpoch from its epoch cache, which truncation shortens', () => {
    log.append(batch(2), { ...APPEND, leaderEpoch: 0 });
    log.append(batch(2), { ...APPEND, leaderEpoch: 2 });
    log.append(batch(2), { ...APPEND, leaderEpoch: 5 });
    expect(log.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 2n });
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 2, endOffset: 4n });
    expect(log.endOffsetForEpoch(5)).toEqual({ epoch: 5, endOffset: 6n });
    expect(log.endOffsetForEpoch(9)).toEqual({ epoch: 5, endOffset: 6n });
    expect(log.truncateTo(4n)).toBe(4n);
    expect(log.endOffsetForEpoch(5)).toEqual({ epoch: 2, endOffset: 4n });
    expect(log.truncateFullyAndStartAt(10n)).toBe(10n);
    expect([log.logStartOffset, log.logEndOffset, log.leaderEpochs()]).toEqual([10n, 10n, []]);
    expect(log.endOffsetForEpoch(5)).toBeUndefined();
    expect(log.append(batch(1), { ...APPEND, leaderEpoch: 6 }).baseOffset).toBe(10n);
  });

  it('gives one log per partition, online in a log dir, and a fresh one after deleteLog', async () => {
    appendPairs(1);
    expect(manager.getOrCreateLog('t', 0, TOPIC_ID, {})).toBe(log);
    expect(manager.getOrCreateLog('t', 1, TOPIC_ID, {})).not.toBe(log);
    expect(manager.logDirs()).toMatchObject([{ online: true }]);
    await manager.deleteLog('t', 0);
    expect(manager.getOrCreateLog('t', 0, TOPIC_ID, {}).logEndOffset).toBe(0n);
  });

  it('keeps the high watermarks last checkpointed for its logs, and none for a deleted one', async () => {
    expect(manager.checkpointedHighWatermark('t', 0)).toBeUndefined();
    await manager.checkpointHighWatermarks([{ topic: 't', partition: 0, offset: 4n }]);
    expect(manager.checkpointedHighWatermark('t', 0)).toBe(4n);
    await manager.checkpointHighWatermarks([{ topic: 't', partition: 0, offset: 6n }]);
    expect(manager.checkpointedHighWatermark('t', 0)).toBe(6n);
    await manager.deleteLog('t', 0);
    manager.getOrCreateLog('t', 0, TOPIC_ID, {});
    expect(manager.checkpointedHighWatermark('t', 0)).toBeUndefined();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { Log, type LogConfig } from '../../src/storage/log.js';
import { native } from '../../src/storage/native.js';
import { errorCodeOf } from '../support/error-code.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-log-'));
  dirs.push(dir);
  return dir;
}

/** A batch of `records` records with values of `valueBytes` bytes (built by the engine's builder). */
function batch(records: number, valueBytes: number, compression = 0, timestamp = 1_000n): Buffer {
  const values = Array.from({ length: records }, (_, i) => Buffer.alloc(valueBytes, i % 251));
  const timestamps = BigInt64Array.from(values, (_, i) => timestamp + BigInt(i));
  return native.buildRecordBatch({ values, timestamps }, { compression });
}

const APPEND = { leaderEpoch: 0, maxMessageBytes: 8 << 20 };

function open(dir: string, config: LogConfig = {}, cleanShutdown = true): Log {
  return Log.open(join(dir, 'topic-0'), config, { cleanShutdown });
}

describe('Log', () => {
  it('appends, stamps offsets in place and reads the batches back as views', () => {
    const log = open(tempDir());
    const first = batch(3, 10);
    const second = batch(2, 10);
    expect(log.append(first, APPEND)).toMatchObject({ baseOffset: 0n, lastOffset: 2n, logAppendTimeMs: -1n });
    const result = log.append(second, APPEND);
    expect(result.baseOffset).toBe(3n);
    expect(log.batchHeaders(3n, 1)).toMatchObject([{ baseOffset: 3n, lastOffsetDelta: 1, recordsCount: 2 }]);
    expect(first.readBigInt64BE(0)).toBe(0n);
    expect(second.readBigInt64BE(0)).toBe(3n);

    const read = log.read(1n, 1 << 20, log.logEndOffset);
    expect(read.bytes).toBe(first.length + second.length);
    expect(Buffer.concat(read.views).equals(Buffer.concat([first, second]))).toBe(true);
    expect(read.nextOffset).toBe(5n);
    read.release();
    log.close();
  });

  it('returns at least one batch beyond maxBytes and never a batch reaching maxOffset', () => {
    const log = open(tempDir());
    for (let i = 0; i < 3; i++) log.append(batch(2, 1000), APPEND);
    const one = log.read(0n, 10, 6n);
    expect(one.bytes).toBeGreaterThan(10);
    expect(one.nextOffset).toBe(2n);
    one.release();
    expect(log.read(0n, 1 << 20, 1n).views).toHaveLength(0);
    expect(log.read(6n, 1 << 20, 6n).views).toHaveLength(0);
    log.close();
  });

  it('answers OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset]', () => {
    const log = open(tempDir());
    log.append(batch(5, 10), APPEND);
    expect(errorCodeOf(() => log.read(6n, 100, 100n))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    log.deleteRecordsBefore(3n);
    expect(log.logStartOffset).toBe(3n);
    expect(errorCodeOf(() => log.read(2n, 100, 100n))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(errorCodeOf(() => log.deleteRecordsBefore(9n))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    log.close();
  });

  it('rejects a corrupt batch with CORRUPT_MESSAGE and appends nothing', () => {
    const log = open(tempDir());
    const bad = batch(2, 10);
    bad[bad.length - 1]! ^= 0xff;
    expect(errorCodeOf(() => log.append(bad, APPEND))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(log.logEndOffset).toBe(0n);
    log.close();
  });

  it('serves every read of a segment from its one ArrayBuffer, allocating nothing per byte read', () => {
    const log = open(tempDir());
    for (let i = 0; i < 64; i++) log.append(batch(16, 1024), APPEND);
    const end = log.logEndOffset;
    const first = log.read(0n, 64 << 20, end);
    const before = process.memoryUsage().arrayBuffers;
    let bytes = 0;
    for (let i = 0; i < 200; i++) {
      const read = log.read(BigInt(i % 64) * 16n, 64 << 20, end);
      expect(read.views[0]!.buffer).toBe(first.views[0]!.buffer);
      bytes += read.bytes;
      read.release();
    }
    expect(bytes).toBeGreaterThan(100 << 20);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    first.release();
    log.close();
  });

  it('keeps a released segment readable until its views are released, then detaches them', () => {
    const dir = tempDir();
    const log = open(dir, { segmentBytes: 4096 });
    for (let i = 0; i < 8; i++) log.append(batch(1, 1500), APPEND);
    expect(log.segments().length).toBeGreaterThan(2);
    const held = log.read(0n, 1 << 20, log.logEndOffset);
    const copy = Buffer.from(held.views[0]!);
    log.close();
    expect(held.views[0]!.equals(copy)).toBe(true);
    expect(log.outstandingViews).toBe(1);
    held.release();
    held.release();
    expect(log.outstandingViews).toBe(0);
    expect(held.views[0]!.length).toBe(0);
    expect(() => held.nextOffset).toThrow(/after its release/);
  });

  it('finds offsets by timestamp inside compressed batches and the max timestamp', () => {
    const log = open(tempDir(), { segmentBytes: 2048 });
    for (let i = 0n; i < 20n; i++) log.append(batch(10, 50, 1, 10_000n + i * 100n), APPEND);
    expect(log.offsetForTimestamp(10_000n + 7n * 100n + 3n)).toEqual({ offset: 73n, timestamp: 10_703n });
    expect(log.offsetForTimestamp(99_999n)).toBeUndefined();
    expect(log.maxTimestamp()).toEqual({ offset: 199n, timestamp: 11_909n });
    log.close();
  });

  it('stamps LogAppendTime and records leader epochs', () => {
    const log = open(tempDir());
    const result = log.append(batch(2, 5), { ...APPEND, leaderEpoch: 3, logAppendTime: 55_000n });
    expect(result.logAppendTimeMs).toBe(55_000n);
    expect(log.batchHeaders(0n, 1)[0]!.maxTimestamp).toBe(55_000n);
    expect(log.leaderEpochs()).toEqual([{ epoch: 3, startOffset: 0n }]);
    expect(log.endOffsetForEpoch(7)).toEqual({ epoch: 3, endOffset: 2n });
    log.close();
  });

  it('flushes off the event loop, merging concurrent callers', async () => {
    const log = open(tempDir());
    for (let i = 0; i < 10; i++) log.append(batch(1, 100), APPEND);
    await Promise.all([log.flush(), log.flush(5n), log.flush()]);
    expect(log.recoveryPoint).toBe(10n);
    log.close();
  });

  it('reopens after a clean close and after an unclean stop with identical reads', () => {
    const dir = tempDir();
    let log = open(dir, { segmentBytes: 8192 });
    for (let i = 0; i < 30; i++) log.append(batch(1 + (i % 4), 300), APPEND);
    const end = log.logEndOffset;
    const snapshot = readEverything(log);
    log.close();
    for (const cleanShutdown of [true, false]) {
      log = open(dir, { segmentBytes: 8192 }, cleanShutdown);
      expect(log.logEndOffset).toBe(end);
      expect(readEverything(log).equals(snapshot)).toBe(true);
      if (!cleanShutdown) expect(log.recoveryReport?.segmentsChecked).toBeGreaterThan(0);
      log.close();
    }
  });
});

/** Every batch of the log, read sequentially in reads of 5 KiB. */
function readEverything(log: Log): Buffer {
  const chunks: Buffer[] = [];
  let offset = log.logStartOffset;
  const end = log.logEndOffset;
  while (offset < end) {
    const read = log.read(offset, 5000, end);
    if (read.bytes === 0) break;
    chunks.push(Buffer.from(Buffer.concat(read.views)));
    offset = read.nextOffset;
    read.release();
  }
  return Buffer.concat(chunks);
}

describe('Log property', () => {
  it('every read returns exactly the covering batches, in order and byte-identical, across reopens', () => {
    const operation = fc.oneof(
      fc.record({
        kind: fc.constant('append' as const),
        records: fc.integer({ min: 1, max: 8 }),
        valueBytes: fc.integer({ min: 0, max: 3000 }),
        compression: fc.constantFrom(0, 1, 4),
      }),
      fc.record({ kind: fc.constant('read' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), maxBytes: fc.integer({ min: 1, max: 20_000 }) }),
      fc.record({ kind: fc.constant('reopen' as const), clean: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 60 }), (operations) => {
        const dir = tempDir();
        const config = { segmentBytes: 16_384, indexIntervalBytes: 1024 };
        let log = open(dir, config);
        const stored: { base: bigint; last: bigint; bytes: Buffer }[] = [];
        try {
          for (const op of operations) {
            if (op.kind === 'append') {
              const bytes = batch(op.records, op.valueBytes, op.compression);
              const result = log.append(bytes, APPEND);
              expect(result.baseOffset).toBe(stored.length === 0 ? 0n : stored.at(-1)!.last + 1n);
              stored.push({ base: result.baseOffset, last: result.lastOffset, bytes });
            } else if (op.kind === 'reopen') {
              log.close();
              log = open(dir, config, op.clean);
            } else {
              const end = log.logEndOffset;
              const offset = BigInt(Math.floor(op.at * Number(end)));
              const read = log.read(offset, op.maxBytes, end);
              const first = stored.findIndex((b) => b.last >= offset);
              if (first === -1) {
                expect(read.bytes).toBe(0);
              } else {
                const returned = Buffer.concat(read.views);
                let at = 0;
                let index = first;
                while (at < returned.length) {
                  const expected = stored[index++]!.bytes;
                  expect(returned.subarray(at, at + expected.length).equals(expected)).toBe(true);
                  at += expected.length;
                }
                expect(at).toBe(returned.length);
                expect(index).toBeGreaterThan(first);
                if (index - first > 1) expect(read.bytes).toBeLessThanOrEqual(op.maxBytes);
              }
              read.release();
            }
          }
          expect(readEverything(log).equals(Buffer.concat(stored.map((b) => b.bytes)))).toBe(true);
        } finally {
          log.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NativeCleanerConfig, NativeCleanerResult } from '../../native/index.js';
import { Log } from '../../src/storage/log.js';
import { native } from '../../src/storage/native.js';
import { readAllRecords } from '../support/log-records.js';

interface Row {
  offset: bigint;
  timestamp: bigint;
  key: string;
  value: string | null;
}

const APPEND = { leaderEpoch: 0, maxMessageBytes: 1 << 20 };
const dirs: string[] = [];
const logs: Log[] = [];

afterEach(() => {
  for (const log of logs.splice(0)) log.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openLog(dir: string): Log {
  const log = Log.open(dir, { writeMode: 'pwrite' }, { cleanShutdown: false });
  logs.push(log);
  return log;
}

/** One cleaning pass over the open log of `dir`, through the engine's N-API export. */
function clean(dir: string, config: NativeCleanerConfig, nowMs: number): NativeCleanerResult {
  return native.cleanLog(native.attachOpenLog(dir)!, config, nowMs);
}

function newLog(): { log: Log; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'gregor-compaction-'));
  dirs.push(root);
  const dir = join(root, 'compacted-0');
  return { log: openLog(dir), dir };
}

function append(log: Log, records: [string, string | null][], timestamp: bigint, compression = 0): void {
  const batch = native.buildRecordBatch(
    {
      keys: records.map(([key]) => Buffer.from(key)),
      values: records.map(([, value]) => (value === null ? null : Buffer.from(value))),
      timestamps: BigInt64Array.from(records, () => timestamp),
    },
    { compression },
  );
  log.append(batch, APPEND);
}

/** Every record from the log start, copied out of the views, which are released as the reads go. */
function readAll(log: Log): Row[] {
  return readAllRecords(log, (record) => ({
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key!.toString(),
    value: record.value?.toString() ?? null,
  }));
}

/** Below `upTo`, the latest record of each key among those below it; from `upTo` on, everything. */
function compacted(rows: Row[], upTo: bigint): Row[] {
  const latest = new Map(rows.filter((row) => row.offset < upTo).map((row) => [row.key, row.offset]));
  return rows.filter((row) => row.offset >= upTo || latest.get(row.key) === row.offset);
}

describe('log compaction through N-API', () => {
  it('keeps the latest value of every key at its offset, and reads stay consistent after reopening', () => {
    const { log, dir } = newLog();
    const now = BigInt(Date.now());
    for (let round = 0; round < 4; round++) {
      for (let codec = 0; codec <= 4; codec++) {
        append(
          log,
          [
            [`key-${codec}`, `round ${round}`],
            ['shared', `round ${round} codec ${codec}`],
          ],
          now - 1000n + BigInt(round),
          codec,
        );
      }
      log.roll();
    }
    append(log, [['shared', 'in the active segment']], now);
    const before = readAll(log);
    const activeBase = log.segments().at(-1)!.baseOffset;
    const sizeBefore = log.size;

    const result = clean(dir, { minCleanableDirtyRatio: 0.5 }, Date.now());
    expect(result).toMatchObject({ outcome: 'cleaned', firstDirtyOffset: 0n, cleanedUpTo: activeBase, recordsRead: 40, recordsKept: 6 });
    const after = readAll(log);
    expect(after).toEqual(compacted(before, activeBase));
    expect(after.map((row) => row.key)).toEqual(['key-0', 'key-1', 'key-2', 'key-3', 'key-4', 'shared', 'shared']);
    expect(log.size).toBeLessThan(sizeBefore / 2);

    expect(clean(dir, { minCleanableDirtyRatio: 0.5 }, Date.now()).outcome).toBe('not-needed');
    log.close();
    expect(readAll(openLog(dir))).toEqual(after);
  });

  it('keeps a tombstone for delete.retention.ms after its first cleaning, then drops it', () => {
    const { log, dir } = newLog();
    const now = Date.now();
    append(
      log,
      [
        ['user-1', 'alice'],
        ['user-2', 'bob'],
      ],
      BigInt(now - 100),
      4,
    );
    append(log, [['user-1', null]], BigInt(now - 50), 4);
    log.roll();
    append(log, [['user-3', 'carol']], BigInt(now));
    const config = { deleteRetentionMs: 60_000, minCleanableDirtyRatio: 0.5 };

    expect(clean(dir, config, now).outcome).toBe('cleaned');
    expect(readAll(log).map((row) => [row.offset, row.key, row.value])).toEqual([
      [1n, 'user-2', 'bob'],
      [2n, 'user-1', null],
      [3n, 'user-3', 'carol'],
    ]);
    expect(clean(dir, config, now + 59_999).outcome).toBe('not-needed');
    expect(clean(dir, config, now + 60_000).outcome).toBe('cleaned');
    const rows = readAll(log);
    expect(rows.map((row) => [row.offset, row.key, row.value])).toEqual([
      [1n, 'user-2', 'bob'],
      [3n, 'user-3', 'carol'],
    ]);
    expect(rows[0]!.timestamp).toBe(BigInt(now - 100));
  });

  it('leaves views of the replaced segments readable: their mapping outlives the files', () => {
    const { log, dir } = newLog();
    for (let round = 0; round < 3; round++) {
      append(log, [['k', `value ${round}`.repeat(100)]], BigInt(Date.now()));
      log.roll();
    }
    append(log, [['k', 'latest']], BigInt(Date.now()));
    const read = log.read(0n, 1 << 20, log.logEndOffset);
    const view = read.views[0]!;
    const copy = Buffer.from(view);

    expect(clean(dir, { minCleanableDirtyRatio: 0 }, Date.now()).outcome).toBe('cleaned');
    expect(readAll(log).map((row) => row.value)).toEqual(['value 2'.repeat(100), 'latest']);
    expect(view.equals(copy)).toBe(true);
    read.release();
    expect(log.outstandingViews).toBe(0);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCrashCycles, type CycleResult } from '../../bench/storage/soak-crash.js';
import type { Log } from '../../src/storage/log.js';
import { CLEAN_SHUTDOWN_MARKER, LOG_START_OFFSET_CHECKPOINT, LogManager, RECOVERY_POINT_CHECKPOINT } from '../../src/storage/log-manager.js';
import { native } from '../../src/storage/native.js';
import { builtModule } from '../support/built.js';

const dirs: string[] = [];
let appender: URL;
beforeAll(() => {
  appender = builtModule('bench/storage/soak-crash-appender.ts');
}, 120_000);
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('crash recovery (R1)', () => {
  it('keeps every append that returned before a SIGKILL, byte-identical and contiguous, and appends continue', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gregor-crash-'));
    dirs.push(root);
    const cycles: CycleResult[] = [];
    const summary = await runCrashCycles({
      dir: join(root, 'crash-0'),
      cycles: 24,
      appender,
      segmentBytes: 256 << 10,
      killWithinMs: 150,
      onCycle: (cycle) => cycles.push(cycle),
    });
    expect(summary).toMatchObject({ cycles: 24, lost: 0, corrupted: 0, gaps: 0, discontinuities: 0 });
    // Most kills struck while appends were running (the others during startup), across segment rolls,
    // on both write paths.
    expect(cycles.filter((cycle) => cycle.acked > 0).length).toBeGreaterThanOrEqual(18);
    expect(new Set(cycles.filter((cycle) => cycle.acked > 0).map((cycle) => cycle.writeMode))).toEqual(new Set(['mmap', 'pwrite']));
    expect(summary.logEndOffset).toBeGreaterThan(0n);
  });
});

/** What every fetch returns: for each offset, the first batch a one-byte read gives (base, hash), and
 * the offset each batch's timestamp leads to. */
function fetchEverything(log: Log): string[] {
  const answers: string[] = [];
  const end = log.logEndOffset;
  for (let offset = log.logStartOffset; offset < end; offset++) {
    const read = log.read(offset, 1, end);
    const view = read.views[0]!;
    const first = view.subarray(0, view.readInt32BE(8) + 12);
    answers.push(`${offset}: ${read.firstOffset} ${createHash('sha256').update(first).digest('hex')}`);
    const timestamp = first.readBigInt64BE(35);
    answers.push(`time ${timestamp}: ${log.offsetForTimestamp(timestamp)?.offset}`);
    read.release();
  }
  return answers;
}

/** Deletes, garbles or truncates every index file in turn, and garbles the checkpoints. */
function damageIndexesAndCheckpoints(root: string, partitionDir: string): number {
  const indexes = readdirSync(partitionDir)
    .filter((name) => name.endsWith('index'))
    .sort();
  indexes.forEach((name, index) => {
    const path = join(partitionDir, name);
    const size = statSync(path).size;
    if (index % 4 === 0) rmSync(path);
    else if (index % 4 === 1) writeFileSync(path, randomBytes(Math.max(size, 64)));
    else if (index % 4 === 2) truncateSync(path, Math.floor(size / 2) + 3);
    else writeFileSync(path, Buffer.alloc(size + 4096));
  });
  writeFileSync(join(partitionDir, 'leader-epoch-checkpoint'), 'not a checkpoint\n');
  writeFileSync(join(root, RECOVERY_POINT_CHECKPOINT), '0\n1\nr3 0 999999999\n');
  rmSync(join(root, LOG_START_OFFSET_CHECKPOINT), { force: true });
  return indexes.length;
}

describe('lost or damaged indexes and checkpoints (R3)', () => {
  it('are rebuilt on open, clean or unclean, and every fetch answers as before', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gregor-r3-'));
    dirs.push(root);
    const config = { 'segment.bytes': 16 << 10, 'index.interval.bytes': 256 };
    let manager = await LogManager.open({ logDirs: [root] });
    const log = manager.getOrCreateLog('r3', 0, undefined, config);
    for (let index = 0; index < 300; index++) {
      const records = 1 + (index % 7);
      const values = Array.from({ length: records }, (_, record) => randomBytes(20 + ((index * 37 + record) % 900)));
      const timestamps = BigInt64Array.from(values, (_, record) => 1_700_000_000_000n + BigInt(index * 10 + record));
      log.append(native.buildRecordBatch({ values, timestamps }, { compression: index % 5 }), { leaderEpoch: 0, maxMessageBytes: 1 << 20 });
    }
    const before = fetchEverything(log);
    const partitionDir = log.dir;
    await manager.close();
    expect(existsSync(join(root, CLEAN_SHUTDOWN_MARKER))).toBe(true);

    for (const cleanShutdown of [true, false]) {
      expect(damageIndexesAndCheckpoints(root, partitionDir)).toBeGreaterThanOrEqual(8);
      if (!cleanShutdown) rmSync(join(root, CLEAN_SHUTDOWN_MARKER));
      manager = await LogManager.open({ logDirs: [root] });
      const reopened = manager.getOrCreateLog('r3', 0, undefined, config);
      expect(fetchEverything(reopened)).toEqual(before);
      await manager.close();
    }
  });
});

import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, RECORDS_PER_APPEND, recordOf } from '../../bench/storage/soak-compaction-crasher.js';
import { Log } from '../../src/storage/log.js';
import { native } from '../../src/storage/native.js';
import { builtModule } from '../support/built.js';

interface Appended {
  readonly key: string;
  readonly value: string | null;
}

const dirs: string[] = [];
let crasher: URL;
beforeAll(() => {
  crasher = builtModule('bench/storage/soak-compaction-crasher.ts');
}, 120_000);
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the crasher until a random moment after its first append; resolves with (sequence, base) pairs. */
function runUntilKilled(crasher: URL, dir: string, run: number): Promise<[number, bigint][]> {
  const child = spawn(process.execPath, [fileURLToPath(crasher), dir, String(run)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: [number, bigint][] = [];
  let pending = '';
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const [sequence, base] = line.split(' ');
      acked.push([Number(sequence), BigInt(base!)]);
    }
    timer ??= setTimeout(() => child.kill('SIGKILL'), randomInt(0, 300));
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`crasher exited by itself (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

/** Every record of the log (offset order checked), as offset → (key, value). */
function readLog(dir: string): Map<bigint, Appended> {
  const log = Log.open(dir, { segmentBytes: 1 << 20 }, { cleanShutdown: false });
  const records = new Map<bigint, Appended>();
  let previous = -1n;
  let offset = log.logStartOffset;
  try {
    for (let read = log.read(offset, 1 << 20, log.logEndOffset); read.bytes > 0; read = log.read(offset, 1 << 20, log.logEndOffset)) {
      for (const bytes of read.views) {
        for (let at = 0; at < bytes.length; at += bytes.readInt32BE(at + 8) + 12) {
          for (const record of native.decodeRecordBatch(bytes.subarray(at, at + bytes.readInt32BE(at + 8) + 12))) {
            expect(record.offset).toBeGreaterThan(previous);
            previous = record.offset;
            records.set(record.offset, { key: record.key!.toString(), value: record.value?.toString() ?? null });
          }
        }
      }
      offset = read.nextOffset;
      read.release();
    }
  } finally {
    log.close();
  }
  return records;
}

describe('a crash during compaction (R1 for the cleaner)', () => {
  it('leaves a log that opens with every record where it was and every key at its latest value', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gregor-compaction-crash-'));
    dirs.push(root);
    const dir = join(root, 'compacted-0');
    const appended = new Map<bigint, Appended>();
    let cleanedAway = 0;
    let interrupted = 0;
    for (let run = 0; run < 16; run++) {
      const acked = await runUntilKilled(crasher, dir, run);
      // A staging directory or swap files left behind: the kill struck inside a cleaning pass.
      const leftovers = readdirSync(dir);
      if (leftovers.includes('.cleaned') || leftovers.some((name) => name.endsWith('.swap'))) interrupted++;
      for (const [sequence, base] of acked) {
        for (let index = 0; index < RECORDS_PER_APPEND; index++) appended.set(base + BigInt(index), recordOf(run, sequence, index));
      }
      const present = readLog(dir);
      expect(readdirSync(dir).filter((name) => name.endsWith('.swap'))).toEqual([]);
      expect(existsSync(join(dir, '.cleaned'))).toBe(false);

      // The append in flight at the kill may have landed after the last acknowledged one.
      const end = acked.length === 0 ? -1n : acked.at(-1)![1] + BigInt(RECORDS_PER_APPEND);
      const nextSequence = acked.length === 0 ? 0 : acked.at(-1)![0] + 1;
      for (const offset of present.keys()) {
        if (!appended.has(offset) && offset >= end && end >= 0n) {
          appended.set(offset, recordOf(run, nextSequence, Number(offset - end)));
        }
      }
      for (const [offset, record] of present) expect(appended.get(offset), `record at ${offset}`).toEqual(record);
      const latest = new Map<string, [bigint, Appended]>();
      for (const [offset, record] of [...appended].sort((a, b) => (a[0] < b[0] ? -1 : 1))) latest.set(record.key, [offset, record]);
      for (const [key, [offset, record]] of latest) expect(present.get(offset), `latest record of ${key}`).toEqual(record);
      cleanedAway = appended.size - present.size;
    }
    expect(interrupted).toBeGreaterThan(0);
    expect(cleanedAway).toBeGreaterThan(0);
    expect(KEYS).toBeLessThan(appended.size);
  });
});

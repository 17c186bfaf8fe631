/**
 * Storage engine micro-benchmarks, in one run: gregor's append (validation, CRC and offset stamping
 * included) with mmap and with pwrite writes, against Node's `fs.writeSync` appending the same bytes
 * (which validates nothing), for 1 KiB, 16 KiB and 1 MiB batches; one log against sixteen for the same
 * bytes; read cost by size (zero copy, so it should be flat); and the cost of one N-API call. Writes
 * bench/results/storage.md.
 *
 * Plain timed loops, not tinybench: a call costs 1–100 µs and tinybench's per-iteration bookkeeping
 * (timers, statistics per sample) would be a visible share of it. Each variant runs `ROUNDS` times,
 * interleaved with the others so page-cache and CPU-frequency drift hit all alike; the median is shown.
 *
 * Usage: node dist/bench/storage/run.js [--mib-per-run 128] [--rounds 5]
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Log } from '../../src/storage/log.js';
import { native } from '../../src/storage/native.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const MIB_PER_RUN = option('mib-per-run', 128);
const ROUNDS = option('rounds', 5);
const SIZES = [1 << 10, 16 << 10, 1 << 20];
const APPEND = { leaderEpoch: 0, maxMessageBytes: 2 << 20 };

/** A batch of about `bytes` bytes made of ~1 KiB records, as a producer would send it. */
function batchOf(bytes: number): Buffer {
  const recordBytes = Math.min(bytes - 80, 1000);
  const count = Math.max(1, Math.floor((bytes - 61) / (recordBytes + 12)));
  const values = Array.from({ length: count }, (_, i) => Buffer.alloc(recordBytes, i % 251));
  return native.buildRecordBatch({ values });
}

interface Measure {
  seconds: number;
  bytes: number;
  batches: number;
}

/** Appends MIB_PER_RUN of `batch`, round robin over `appends` (one per log). */
function timeAppends(batch: Buffer, appends: readonly ((batch: Buffer) => void)[]): Measure {
  const batches = Math.max(1, Math.floor((MIB_PER_RUN << 20) / batch.length));
  const start = process.hrtime.bigint();
  for (let i = 0; i < batches; i++) appends[i % appends.length]!(batch);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, bytes: batches * batch.length, batches };
}

const runDir = (root: string, kind: string, batch: Buffer): string => join(root, `${kind}-${batch.length}-${Math.random().toString(36).slice(2)}`);

function gregorAppend(root: string, mode: 'mmap' | 'pwrite', batch: Buffer, logCount = 1): Measure {
  const dir = runDir(root, mode, batch);
  const logs = Array.from({ length: logCount }, (_, i) => Log.open(join(dir, `t-${i}`), { writeMode: mode }, { cleanShutdown: true }));
  try {
    return timeAppends(
      batch,
      logs.map((log) => (b) => log.append(b, APPEND)),
    );
  } finally {
    for (const log of logs) log.close();
  }
}

function writeSyncAppend(root: string, batch: Buffer, fileCount = 1): Measure {
  const dir = runDir(root, 'fs', batch);
  const fds = Array.from({ length: fileCount }, (_, i) => {
    mkdirSync(join(dir, `t-${i}`), { recursive: true });
    return openSync(join(dir, `t-${i}`, '00000000000000000000.log'), 'a');
  });
  try {
    return timeAppends(
      batch,
      fds.map((fd) => (b) => writeSync(fd, b)),
    );
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** MB/s, the median over a variant's rounds. */
const rate = (measures: Measure[]): number => median(measures.map((m) => m.bytes / m.seconds / 1e6));

/** Drops a round's logs, so that every round writes into new files. */
function emptied(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

function appendTable(root: string): { rows: string[]; best: Record<number, { mmap: number; pwrite: number }> } {
  const rows: string[] = [];
  const best: Record<number, { mmap: number; pwrite: number }> = {};
  for (const size of SIZES) {
    const batch = batchOf(size);
    const runs: Record<'fs' | 'mmap' | 'pwrite', Measure[]> = { fs: [], mmap: [], pwrite: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.fs.push(writeSyncAppend(root, batch));
      runs.mmap.push(gregorAppend(root, 'mmap', batch));
      runs.pwrite.push(gregorAppend(root, 'pwrite', batch));
      emptied(root);
    }
    const batchRate = (measures: Measure[]) => median(measures.map((m) => m.batches / m.seconds));
    const fs = rate(runs.fs);
    best[size] = { mmap: rate(runs.mmap), pwrite: rate(runs.pwrite) };
    for (const [name, measures] of [
      ['fs.writeSync (no validation)', runs.fs],
      ['gregor append, mmap', runs.mmap],
      ['gregor append, pwrite', runs.pwrite],
    ] as const) {
      const mbs = rate(measures);
      rows.push(`| ${label(batch.length)} | ${name} | ${mbs.toFixed(0)} | ${batchRate(measures).toFixed(0)} | ${(mbs / fs).toFixed(2)}× |`);
    }
  }
  return { rows, best };
}

/**
 * The same bytes into one log as 1 MiB batches, and round robin into 16 logs as 64 KiB batches: the write
 * pattern of the suite's produce-1k-1p and produce-1k-16p, with the page cache's share beside it (writeSync).
 */
function fanOutTable(root: string): string[] {
  const patterns = [
    { name: '1 log × 1 MiB batches', logs: 1, batch: batchOf(1 << 20) },
    { name: '16 logs × 64 KiB batches', logs: 16, batch: batchOf(64 << 10) },
  ];
  const runs = patterns.map(() => ({ gregor: [] as Measure[], fs: [] as Measure[] }));
  for (let round = 0; round < ROUNDS; round++) {
    patterns.forEach((pattern, i) => {
      runs[i]!.gregor.push(gregorAppend(root, 'pwrite', pattern.batch, pattern.logs));
      runs[i]!.fs.push(writeSyncAppend(root, pattern.batch, pattern.logs));
    });
    emptied(root);
  }
  return patterns.map((pattern, i) => {
    const { gregor, fs } = runs[i]!;
    return `| ${pattern.name} | ${rate(gregor).toFixed(0)} | ${rate(fs).toFixed(0)} | ${(rate(gregor) / rate(fs)).toFixed(2)}× |`;
  });
}

function label(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Reads of growing size from one segment of 16 KiB batches: views, so the cost should not grow. */
function readTable(root: string): string[] {
  const log = Log.open(join(root, 'read', 't-0'), {}, { cleanShutdown: true });
  const batch = batchOf(16 << 10);
  for (let i = 0; i < 4096; i++) log.append(batch, APPEND);
  const end = log.logEndOffset;
  const batches = 4096n;
  const perBatch = end / batches;
  const rows: string[] = [];
  for (const maxBytes of [1 << 10, 64 << 10, 1 << 20, 16 << 20]) {
    const reads = 200_000;
    let bytes = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < reads; i++) {
      const offset = BigInt((i * 7919) % 4000) * perBatch;
      const read = log.read(offset, maxBytes, end);
      bytes += read.bytes;
      read.release();
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rows.push(`| ${label(maxBytes)} | ${label(bytes / reads)} | ${((seconds / reads) * 1e6).toFixed(2)} | ${(bytes / seconds / 1e9).toFixed(1)} |`);
  }
  log.close();
  return rows;
}

/** One N-API call: a getter returning a number, and one returning a BigInt. */
function napiCallCost(root: string): string[] {
  const nativeLog = native.NativeLog.open(join(root, 'napi', 't-0'), {}, { cleanShutdown: true });
  const calls = 2_000_000;
  const rows: string[] = [];
  for (const [name, call] of [
    ['`outstandingViews` (u32 getter)', () => nativeLog.outstandingViews],
    ['`logEndOffset` (BigInt getter, takes the log lock)', () => nativeLog.logEndOffset],
  ] as const) {
    let sink = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink += call() === 0 ? 1 : 0;
    const ns = Number(process.hrtime.bigint() - start) / calls;
    rows.push(`| ${name} | ${ns.toFixed(0)} |${sink < 0 ? ' ' : ''}`);
  }
  nativeLog.close();
  return rows;
}

const root = mkdtempSync(join(tmpdir(), 'gregor-bench-storage-'));
try {
  const append = appendTable(join(root, 'append'));
  const fanOut = fanOutTable(join(root, 'fan-out'));
  mkdirSync(join(root, 'other'), { recursive: true });
  const reads = readTable(join(root, 'other'));
  const calls = napiCallCost(join(root, 'other'));
  const faster = SIZES.map((size) => {
    const { mmap, pwrite } = append.best[size]!;
    return `${label(size)}: ${mmap >= pwrite ? 'mmap' : 'pwrite'} by ${(Math.max(mmap, pwrite) / Math.min(mmap, pwrite)).toFixed(2)}×`;
  }).join(', ');
  const report = [
    '# Storage engine benchmark',
    '',
    `\`node dist/bench/storage/run.js\` — Node ${process.version}, ${MIB_PER_RUN} MiB appended per run, median of ${ROUNDS} interleaved rounds, page cache only (no fsync), ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '## Append',
    'gregor append = validate headers, CRC-32C and every record, stamp offsets and epoch, copy into the segment.',
    '',
    '| batch | variant | MB/s | batches/s | vs fs.writeSync |',
    '|---|---|---:|---:|---:|',
    ...append.rows,
    '',
    `Faster write path per size: ${faster}.`,
    '',
    '## One log or sixteen (the same bytes, rounds interleaved)',
    '',
    '| pattern | gregor append (pwrite) MB/s | fs.writeSync MB/s | gregor / writeSync |',
    '|---|---:|---:|---:|',
    ...fanOut,
    '',
    '## Read (views of one segment, 16 KiB batches)',
    '',
    '| maxBytes | bytes per read | µs per read (incl. release) | GB/s delivered |',
    '|---|---:|---:|---:|',
    ...reads,
    '',
    '## One N-API call',
    '',
    '| call | ns |',
    '|---|---:|',
    ...calls,
    '',
  ].join('\n');
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'results', 'storage.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  process.stdout.write(`${report}\nwritten to ${out}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}

/**
 * Crash soak (R1 on one partition log): a child process (soak-crash-appender.ts) appends continuously and
 * reports every append that returned; it is SIGKILLed at a random moment; the log is reopened (recovered)
 * and checked against everything reported, Jepsen style: `lost` (reported, not in the log), `corrupted`
 * (present with other bytes), `gaps` (batch offsets not contiguous from 0), `discontinuities` (the next
 * child did not continue at the recovered log end). A pass is all zeros. The mmap and pwrite write paths
 * alternate between cycles.
 *
 * `npm test` runs a short version (test/storage/crash.test.ts); this script runs as many cycles as asked:
 *   node dist/bench/storage/soak-crash.js [--cycles 200] [--dir <data dir>] [--segment-bytes 1048576]
 */
import { spawn } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Log } from '../../src/storage/log.js';

export interface AckedAppend {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly bytes: number;
  readonly sha256: string;
}

export interface LogCheck {
  readonly logEndOffset: bigint;
  readonly batches: number;
  readonly lost: number;
  readonly corrupted: number;
  readonly gaps: number;
  /** Time to open (recover) the log. */
  readonly recoveryMs: number;
  /** Bytes recovery cut from torn tails. */
  readonly truncatedBytes: number;
}

export interface CycleResult extends LogCheck {
  readonly cycle: number;
  readonly writeMode: 'mmap' | 'pwrite';
  readonly killedAfterMs: number;
  /** Appends the child reported in this cycle. */
  readonly acked: number;
  readonly discontinuities: number;
}

export interface CrashSoakOptions {
  /** The partition directory (`<topic>-<partition>`); created on first use. */
  readonly dir: string;
  readonly cycles: number;
  /** The compiled soak-crash-appender module. */
  readonly appender: URL;
  readonly segmentBytes?: number;
  /** The kill comes up to this long after the first reported append, uniformly at random; in every
   * fourth cycle it comes up to this long after the spawn instead, to strike during startup recovery. */
  readonly killWithinMs?: number;
  readonly onCycle?: (result: CycleResult) => void;
}

export interface CrashSoakSummary {
  readonly cycles: number;
  readonly acked: number;
  /** Anomalies in the log as last checked (they persist, so the last check has them all)... */
  readonly lost: number;
  readonly corrupted: number;
  readonly gaps: number;
  /** ...and over all cycles. */
  readonly discontinuities: number;
  readonly logEndOffset: bigint;
  readonly maxRecoveryMs: number;
}

const MAX_READ_BYTES = 1 << 20;

/** Reopens the log at `dir` and checks it against every acknowledged append (keyed by base offset). */
export function checkLog(dir: string, segmentBytes: number, acked: ReadonlyMap<bigint, AckedAppend>): LogCheck {
  const opened = performance.now();
  const log = Log.open(dir, { segmentBytes }, { cleanShutdown: false });
  const recoveryMs = performance.now() - opened;
  const truncatedBytes = log.recoveryReport?.truncations.reduce((sum, truncation) => sum + truncation.bytes, 0) ?? 0;
  try {
    const found = new Map<bigint, string>();
    let gaps = 0;
    let expected = 0n;
    let offset = log.logStartOffset;
    const end = log.logEndOffset;
    for (let read = log.read(offset, MAX_READ_BYTES, end); read.bytes > 0; read = log.read(offset, MAX_READ_BYTES, end)) {
      for (const view of read.views) {
        for (let at = 0; at < view.length; ) {
          const size = view.readInt32BE(at + 8) + 12;
          const base = view.readBigInt64BE(at);
          if (base !== expected) gaps++;
          expected = base + BigInt(view.readInt32BE(at + 23)) + 1n;
          found.set(
            base,
            createHash('sha256')
              .update(view.subarray(at, at + size))
              .digest('hex'),
          );
          at += size;
        }
      }
      offset = read.nextOffset;
      read.release();
    }
    if (expected !== end) gaps++;
    let lost = 0;
    let corrupted = 0;
    for (const append of acked.values()) {
      const hash = found.get(append.baseOffset);
      if (hash === undefined) lost++;
      else if (hash !== append.sha256) corrupted++;
    }
    return { logEndOffset: end, batches: found.size, lost, corrupted, gaps, recoveryMs, truncatedBytes };
  } finally {
    log.close();
  }
}

interface ChildRun {
  readonly writeMode: 'mmap' | 'pwrite';
  readonly acked: AckedAppend[];
  readonly killedAfterMs: number;
}

/** Runs one appender until the random kill; resolves with what it reported. */
function runChild(options: CrashSoakOptions, cycle: number, segmentBytes: number): Promise<ChildRun> {
  const killWithinMs = options.killWithinMs ?? 150;
  const duringStartup = cycle % 4 === 3;
  const writeMode = cycle % 2 === 0 ? 'mmap' : 'pwrite';
  const args = [fileURLToPath(options.appender), options.dir, String(segmentBytes), writeMode];
  const spawned = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: AckedAppend[] = [];
  let pending = '';
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  const killLater = (): void => {
    timer = setTimeout(() => child.kill('SIGKILL'), randomInt(0, killWithinMs + 1));
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const [base, last, bytes, sha256] = line.split(' ');
      acked.push({ baseOffset: BigInt(base!), lastOffset: BigInt(last!), bytes: Number(bytes), sha256: sha256! });
    }
    if (timer === undefined && acked.length > 0) killLater();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (duringStartup) killLater();
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ writeMode, acked, killedAfterMs: Math.round(performance.now() - spawned) });
      else reject(new Error(`appender exited by itself (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

export async function runCrashCycles(options: CrashSoakOptions): Promise<CrashSoakSummary> {
  const segmentBytes = options.segmentBytes ?? 1 << 20;
  const acked = new Map<bigint, AckedAppend>();
  let summary: CrashSoakSummary = { cycles: 0, acked: 0, lost: 0, corrupted: 0, gaps: 0, discontinuities: 0, logEndOffset: 0n, maxRecoveryMs: 0 };
  for (let cycle = 0; cycle < options.cycles; cycle++) {
    const run = await runChild(options, cycle, segmentBytes);
    const resumedAt = run.acked[0]?.baseOffset;
    const discontinuities = resumedAt === undefined || resumedAt === summary.logEndOffset ? 0 : 1;
    for (const append of run.acked) acked.set(append.baseOffset, append);
    const check = checkLog(options.dir, segmentBytes, acked);
    const result: CycleResult = { cycle, writeMode: run.writeMode, killedAfterMs: run.killedAfterMs, acked: run.acked.length, discontinuities, ...check };
    options.onCycle?.(result);
    summary = {
      cycles: cycle + 1,
      acked: summary.acked + run.acked.length,
      lost: Math.max(summary.lost, check.lost),
      corrupted: Math.max(summary.corrupted, check.corrupted),
      gaps: Math.max(summary.gaps, check.gaps),
      discontinuities: summary.discontinuities + discontinuities,
      logEndOffset: check.logEndOffset,
      maxRecoveryMs: Math.max(summary.maxRecoveryMs, check.recoveryMs),
    };
  }
  return summary;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { cycles: { type: 'string', default: '200' }, dir: { type: 'string' }, 'segment-bytes': { type: 'string', default: String(1 << 20) } },
  });
  const root = values.dir ?? mkdtempSync(join(tmpdir(), 'gregor-soak-crash-'));
  const started = performance.now();
  try {
    const summary = await runCrashCycles({
      dir: join(root, 'soak-0'),
      cycles: Number(values.cycles),
      appender: new URL('./soak-crash-appender.js', import.meta.url),
      segmentBytes: Number(values['segment-bytes']),
      onCycle: (cycle) =>
        console.log(
          `cycle ${cycle.cycle + 1} ${cycle.writeMode} killed after ${cycle.killedAfterMs} ms: ${cycle.acked} acked, ` +
            `log end ${cycle.logEndOffset}, recovery ${cycle.recoveryMs.toFixed(1)} ms (${cycle.truncatedBytes} bytes cut), ` +
            `lost ${cycle.lost} corrupted ${cycle.corrupted} gaps ${cycle.gaps} discontinuities ${cycle.discontinuities}`,
        ),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${summary.cycles} cycles in ${seconds} s: ${summary.acked} appends acked, log end ${summary.logEndOffset}, ` +
        `max recovery ${summary.maxRecoveryMs.toFixed(1)} ms; lost ${summary.lost}, corrupted ${summary.corrupted}, ` +
        `gaps ${summary.gaps}, discontinuities ${summary.discontinuities}`,
    );
    if (summary.lost + summary.corrupted + summary.gaps + summary.discontinuities > 0) process.exitCode = 1;
  } finally {
    if (values.dir === undefined) rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

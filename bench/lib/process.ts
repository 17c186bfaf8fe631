/**
 * Child processes for the harness: spawned pinned to a CPU set with `taskset` (broker and load
 * generator never share a core), their output captured, stopped by pid with a deadline; and the
 * broker's CPU time and resident memory sampled from /proc while a measurement runs.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export interface Pinned {
  /** CPUs for `taskset -c`, e.g. "0"; undefined runs unpinned (a machine with one core). */
  cpus?: string;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function pinnedCommand(cmd: string, args: readonly string[], pin: Pinned): [string, string[]] {
  return pin.cpus === undefined ? [cmd, [...args]] : ['taskset', ['-c', pin.cpus, cmd, ...args]];
}

/**
 * Starts a long-lived process (a broker); `taskset` execs the command, so the pid is the command's, and
 * an IPC channel (`ipc`, for a Node child) survives the exec.
 */
export function startProcess(cmd: string, args: readonly string[], pin: Pinned, env?: NodeJS.ProcessEnv, options: { ipc?: boolean } = {}): ChildProcess {
  const [c, a] = pinnedCommand(cmd, args, pin);
  return spawn(c, a, { stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
}

/** Pins a running process and all its threads (those it starts later inherit it) to `cpus`. */
export function pinProcess(pid: number, cpus: string | undefined): void {
  if (cpus === undefined) return;
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`taskset could not pin process ${pid} to CPUs ${cpus}`);
}

/**
 * Runs a command to completion, passing each stderr/stdout line to `onLine` as it comes (progress
 * lines), and kills it if it outlives `timeoutMs`.
 */
export async function runToEnd(cmd: string, args: readonly string[], pin: Pinned, timeoutMs: number, onLine?: (line: string) => void): Promise<RunResult> {
  const child = startProcess(cmd, args, pin);
  const out: string[] = [];
  const err: string[] = [];
  const forward = (sink: string[]) => {
    let partial = '';
    return (chunk: Buffer) => {
      const text = chunk.toString();
      sink.push(text);
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      if (onLine) for (const line of lines) if (line.trim() && !line.startsWith('{')) onLine(line);
    };
  };
  child.stdout!.on('data', forward(out));
  child.stderr!.on('data', forward(err));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  }).finally(() => clearTimeout(timer));
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `check` until it returns true or the deadline passes (then throws with `what`). */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; Date.now() < deadline; wait = Math.min(wait * 2, 500)) {
    if (await check()) return;
    await delay(wait);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU time (user + system) the processes have used, added up, in clock ticks (1/100 s). */
export function cpuTicks(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
  }
  return ticks;
}

/**
 * Resident memory: the total, and the anonymous part (heap, stacks). The total also counts file pages
 * the process has mapped — a broker that appends through mmap (gregor) shows its written segments
 * there, one that uses write() (Kafka) does not — so the anonymous part is the comparable figure.
 */
export function rss(pids: readonly number[]): { total: number; anon: number } {
  const sum = { total: 0, anon: 0 };
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
    sum.total += kb('VmRSS');
    sum.anon += kb('RssAnon');
  }
  return sum;
}

export interface ProcessUsage {
  /** Average CPU over the window, in percent of one core. */
  cpuPercent: number;
  /** Largest resident set seen, MiB (including mapped file pages). */
  maxRssMiB: number;
  /** Largest anonymous resident memory seen, MiB. */
  maxRssAnonMiB: number;
}

/** Samples the processes' CPU time and RSS, added up, once a second until `stop()`. */
export function sampleUsage(pids: readonly number[]): { stop(): ProcessUsage } {
  const t0 = process.hrtime.bigint();
  const ticks0 = cpuTicks(pids);
  let max = rss(pids);
  const sample = () => {
    const now = rss(pids);
    max = { total: Math.max(max.total, now.total), anon: Math.max(max.anon, now.anon) };
  };
  const timer = setInterval(() => {
    try {
      sample();
    } catch {
      clearInterval(timer);
    }
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      let ticks = ticks0;
      try {
        ticks = cpuTicks(pids);
        sample();
      } catch {
        // the process has gone: report what was seen
      }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      return { cpuPercent: ((ticks - ticks0) / CLOCK_TICKS / seconds) * 100, maxRssMiB: max.total / 1048576, maxRssAnonMiB: max.anon / 1048576 };
    },
  };
}

/**
 * Waits until the processes together use less than `maxPercent` of a core over one second (a broker
 * settling after creating partitions), or `timeoutMs` passes; returns the last second's usage.
 */
export async function waitForIdle(pids: readonly number[], maxPercent: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let usage = Number.POSITIVE_INFINITY;
  while (Date.now() < deadline) {
    const t0 = cpuTicks(pids);
    await delay(1000);
    usage = ((cpuTicks(pids) - t0) / CLOCK_TICKS) * 100;
    if (usage < maxPercent) break;
  }
  return usage;
}

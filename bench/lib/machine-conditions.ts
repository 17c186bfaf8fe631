/**
 * What the machine was like around each measured point, so that a ratio the machine decided rather than
 * the targets shows in the results. Two figures:
 * - how fast a new file's pages fill, just before the point: on a VM whose freed memory goes back to the
 *   host, every first touch of a page is the hypervisor's work, and the same `dd` into a new file ran at
 *   65 MB/s in one window and 2.6 GB/s in another on the project's machine. A produce benchmark writes
 *   into such pages, through Kafka's write() and gregor's pwrite() alike;
 * - the share of CPU time the hypervisor took (steal, from /proc/stat) while the point ran.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface MachineConditions {
  /** MB/s of writing a new file of PROBE_BYTES, in 1 MiB writes, just before the point (page cache only). */
  pageCacheMBps: number;
  /** Steal time as a percentage of all CPU time during the point; null where /proc/stat is not readable. */
  stealPercent: number | null;
}

/** The probe file's size (the reports name it). */
export const PROBE_BYTES = 32 << 20;
const CHUNK = Buffer.alloc(1 << 20, 0x5a);

/** Writes and removes a new file under `dir`, returning the write rate in MB/s (10^6 bytes a second). */
export function pageCacheProbe(dir: string, bytes = PROBE_BYTES): number {
  const path = join(dir, `.page-cache-probe-${process.pid}`);
  const fd = openSync(path, 'w');
  const started = process.hrtime.bigint();
  try {
    for (let written = 0; written < bytes; written += CHUNK.length) writeSync(fd, CHUNK);
  } finally {
    closeSync(fd);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  unlinkSync(path);
  return bytes / 1e6 / seconds;
}

/** The aggregate `cpu` line's time counters (user … steal), in clock ticks. */
function cpuTimes(procStat: string): number[] | undefined {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return fields.length === 8 && fields.every(Number.isFinite) ? fields : undefined;
}

/** Steal between two readings of /proc/stat, as a percentage of all time counted between them. */
export function stealPercentBetween(before: string, after: string): number | null {
  const a = cpuTimes(before);
  const b = cpuTimes(after);
  if (!a || !b) return null;
  const deltas = b.map((value, i) => value - a[i]!);
  const total = deltas.reduce((sum, d) => sum + d, 0);
  return total > 0 ? (100 * deltas[7]!) / total : null;
}

/** Starts measuring steal; `stop` returns it for the time since. */
export function stealSampler(readProcStat: () => string = () => readFileSync('/proc/stat', 'utf8')): { stop(): number | null } {
  const read = (): string => {
    try {
      return readProcStat();
    } catch {
      return '';
    }
  };
  const before = read();
  return { stop: () => stealPercentBetween(before, read()) };
}

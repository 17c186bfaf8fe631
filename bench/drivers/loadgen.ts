/**
 * Runs the native load generator (bench/loadgen, built with cargo on first use) pinned to the load
 * generator cores and turns its JSON report into a Measurement.
 */
import { existsSync } from 'node:fs';
import type { LatencySummary, Measurement, SeriesPoint } from '../lib/measurement.js';
import { failed } from '../lib/measurement.js';
import { LOADGEN_BINARY, REPO_ROOT } from '../lib/paths.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { runToEnd } from '../lib/process.js';

interface LoadgenLatency {
  avg: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  quantiles: [number, number][];
}

interface LoadgenReport {
  records: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  errors: number;
  firstErrorCode: number;
  ioErrors: number;
  producerErrors?: number;
  producerFirstErrorCode?: number;
  producerIoErrors?: number;
  series: (SeriesPoint & { warmup: boolean })[];
  latencyUs: LoadgenLatency | null;
}

let built: Promise<void> | undefined;

/** `cargo build --release -p gregor-loadgen` once per process (a no-op when up to date). */
export function buildLoadgen(): Promise<void> {
  built ??= runToEnd('cargo', ['build', '--release', '-q', '-p', 'gregor-loadgen'], {}, 600_000, undefined).then((r) => {
    if (r.code !== 0 || !existsSync(LOADGEN_BINARY)) throw new Error(`cannot build the load generator: ${r.stderr.slice(-2000)}`);
  });
  return built;
}

function toLatency(l: LoadgenLatency | null, kind: LatencySummary['kind']): LatencySummary | null {
  if (!l) return null;
  const ms = (us: number) => us / 1000;
  return {
    avg: ms(l.avg),
    p50: ms(l.p50),
    p95: ms(l.p95),
    p99: ms(l.p99),
    p999: ms(l.p999),
    max: ms(l.max),
    kind,
    quantiles: l.quantiles.map(([q, us]) => [q, ms(us)]),
  };
}

export type LoadgenMode = 'produce' | 'fetch' | 'e2e';

export interface LoadgenRun {
  scenario: string;
  target: string;
  repeat: number;
  mode: LoadgenMode;
  args: Record<string, string | number>;
  cpus?: string;
  onLine?: (line: string) => void;
}

/** Partition errors by their Kafka name, and broken connections or unreadable responses. */
function describeErrors(r: LoadgenReport): string | null {
  const errors = r.errors + (r.producerErrors ?? 0);
  const code = r.firstErrorCode || r.producerFirstErrorCode || 0;
  const io = r.ioErrors + (r.producerIoErrors ?? 0);
  const parts = [
    ...(errors > 0 ? [`${errors} partition responses with errors (first: ${ErrorCode[code] ?? code})`] : []),
    ...(io > 0 ? [`${io} broken connections or unreadable responses`] : []),
  ];
  return parts.length ? parts.join('; ') : null;
}

export async function runLoadgen(run: LoadgenRun): Promise<Measurement> {
  await buildLoadgen();
  const args = [run.mode, ...Object.entries(run.args).flatMap(([k, v]) => [`--${k}`, String(v)])];
  const base = { scenario: run.scenario, target: run.target, loadGenerator: 'loadgen' as const, metric: run.mode, repeat: run.repeat };
  const command = `${run.cpus === undefined ? '' : `taskset -c ${run.cpus} `}${LOADGEN_BINARY.slice(REPO_ROOT.length + 1)} ${args.join(' ')}`;
  const timeoutMs = (Number(run.args['warmup-s'] ?? 2) + Number(run.args['duration-s'] ?? 10)) * 1000 + 60_000;
  const r = await runToEnd(LOADGEN_BINARY, args, { cpus: run.cpus }, timeoutMs, run.onLine);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !line.startsWith('{')) return failed({ ...base, command }, `loadgen exited ${r.code}: ${r.stderr.slice(-500)}`);
  const report = JSON.parse(line) as LoadgenReport;
  const problems = describeErrors(report);
  if (problems && report.records === 0) return failed({ ...base, command }, `nothing succeeded: ${problems}`);
  const kind = run.mode === 'produce' ? 'produce-request' : run.mode === 'fetch' ? 'fetch-request' : 'end-to-end';
  return {
    ...base,
    command,
    ok: true,
    ...(problems ? { error: problems } : {}),
    recordsPerSec: report.recordsPerSec,
    mbPerSec: report.mbPerSec,
    latency: toLatency(report.latencyUs, kind),
    series: report.series.filter((p) => !p.warmup).map(({ t, recordsPerSec, mbPerSec }) => ({ t, recordsPerSec, mbPerSec })),
    broker: null,
  };
}

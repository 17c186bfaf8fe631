/**
 * Groups a run's measurements into result points (scenario × target × load generator × metric), each
 * with the median and spread over its repeats, in the field names of the OpenMessaging Benchmark's
 * TestResult (publishRate, aggregatedPublishLatency99pct, …, milliseconds), plus the repeats themselves.
 */
import type { Measurement } from '../lib/measurement.js';
import { spread, type Spread } from '../lib/stats.js';
import type { SuiteRun } from '../runner.js';

export interface ResultPoint {
  workload: string;
  driver: string;
  loadGenerator: string;
  metric: string;
  messageSize: number | null;
  partitions: number | null;
  ok: boolean;
  errors: string[];
  /** Records/s and MB/s over the repeats. */
  throughput: { recordsPerSec: Spread; mbPerSec: Spread } | null;
  /** The OMB names: publish for produce, endToEnd for e2e, with fetch latencies under consume. */
  latencyKind: string | null;
  aggregatedLatencyAvg: number | null;
  aggregatedLatency50pct: number | null;
  aggregatedLatency95pct: number | null;
  aggregatedLatency99pct: number | null;
  aggregatedLatency999pct: number | null;
  aggregatedLatencyMax: number | null;
  latency99pctSpread: Spread | null;
  /** The median repeat's quantile curve and per-second throughput (for the charts). */
  quantiles: [number, number][];
  publishRate: number[];
  brokerCpuPercent: number | null;
  brokerMaxRssMiB: number | null;
  brokerMaxRssAnonMiB: number | null;
  /** Medians of the machine conditions over the repeats (bench/lib/machine-conditions.ts). */
  pageCacheMBps: number | null;
  stealPercent: number | null;
  commands: string[];
  repeats: Measurement[];
}

/**
 * Whether a point measures a target at its best: the native load generator for the network targets,
 * the in-process one for the embedded target (which nothing else measures).
 */
export const isNative = (p: Pick<ResultPoint, 'loadGenerator'>): boolean => p.loadGenerator === 'loadgen' || p.loadGenerator === 'embedded';

const medianOf = (ms: Measurement[], f: (m: Measurement) => number | null | undefined): number | null => {
  const v = ms.map(f).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? spread(v).median : null;
};

export function aggregate(run: SuiteRun): ResultPoint[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of run.measurements) {
    const key = [m.scenario, m.target, m.loadGenerator, m.metric].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const scenarios = (run.parameters.scenarios ?? []) as { id: string; recordSize: number; partitions: number }[];
  return [...groups.values()].map((all) => {
    const first = all[0]!;
    const ok = all.filter((m) => m.ok);
    const sc = scenarios.find((s) => s.id === first.scenario);
    const hasThroughput = ok.some((m) => m.recordsPerSec > 0);
    const byRate = [...ok].sort((a, b) => a.recordsPerSec - b.recordsPerSec);
    const mid = byRate[Math.floor((byRate.length - 1) / 2)];
    const p99s = ok.map((m) => m.latency?.p99).filter((x): x is number => typeof x === 'number');
    return {
      workload: first.scenario,
      driver: first.target,
      loadGenerator: first.loadGenerator,
      metric: first.metric,
      messageSize: sc?.recordSize ?? null,
      partitions: sc?.partitions ?? null,
      ok: ok.length > 0,
      errors: all.filter((m) => m.error).map((m) => m.error!),
      throughput: hasThroughput ? { recordsPerSec: spread(ok.map((m) => m.recordsPerSec)), mbPerSec: spread(ok.map((m) => m.mbPerSec)) } : null,
      latencyKind: ok.find((m) => m.latency)?.latency?.kind ?? null,
      aggregatedLatencyAvg: medianOf(ok, (m) => m.latency?.avg),
      aggregatedLatency50pct: medianOf(ok, (m) => m.latency?.p50),
      aggregatedLatency95pct: medianOf(ok, (m) => m.latency?.p95),
      aggregatedLatency99pct: medianOf(ok, (m) => m.latency?.p99),
      aggregatedLatency999pct: medianOf(ok, (m) => m.latency?.p999),
      aggregatedLatencyMax: medianOf(ok, (m) => m.latency?.max),
      latency99pctSpread: p99s.length ? spread(p99s) : null,
      quantiles: mid?.latency?.quantiles ?? [],
      publishRate: mid?.series.map((p) => p.recordsPerSec) ?? [],
      brokerCpuPercent: medianOf(ok, (m) => m.broker?.cpuPercent),
      brokerMaxRssMiB: medianOf(ok, (m) => m.broker?.maxRssMiB),
      brokerMaxRssAnonMiB: medianOf(ok, (m) => m.broker?.maxRssAnonMiB),
      pageCacheMBps: medianOf(ok, (m) => m.conditions?.pageCacheMBps),
      stealPercent: medianOf(ok, (m) => m.conditions?.stealPercent),
      commands: [...new Set(all.map((m) => m.command).filter(Boolean))],
      repeats: all,
    };
  });
}

/** The results file: machine, parameters, targets (with their durability settings) and points. */
export function resultsDocument(run: SuiteRun): Record<string, unknown> {
  const { measurements: _all, ...head } = run;
  return { ...head, results: aggregate(run) };
}

/** One measured point: a load generator run against one target for one scenario. */
import type { MachineConditions } from './machine-conditions.js';
import type { ProcessUsage } from './process.js';

/** `embedded` is the in-process producer and consumer of the embedded target (bench/drivers/embedded.ts). */
export type LoadGeneratorName = 'loadgen' | 'java' | 'node' | 'embedded';

/** Milliseconds. */
export interface LatencySummary {
  avg: number;
  p50: number;
  p95: number | null;
  p99: number;
  p999: number;
  /** Null where the tool does not report it (EndToEndLatency has no max). */
  max: number | null;
  /**
   * What one sample is: a produce request's round trip, an embedded producer's send() of an array until
   * acknowledged, a record's send-to-ack, a fetch, or end to end.
   */
  kind: 'produce-request' | 'produce-send' | 'produce-record' | 'fetch-request' | 'end-to-end';
  /** [quantile, ms] pairs for the percentile chart. */
  quantiles?: [number, number][];
}

export interface SeriesPoint {
  t: number;
  recordsPerSec: number;
  mbPerSec: number;
}

export interface Measurement {
  scenario: string;
  target: string;
  loadGenerator: LoadGeneratorName;
  /** A tool can run more than one measurement per scenario (Java: throughput and round-trip latency). */
  metric: string;
  repeat: number;
  ok: boolean;
  error?: string;
  recordsPerSec: number;
  mbPerSec: number;
  latency: LatencySummary | null;
  series: SeriesPoint[];
  broker: ProcessUsage | null;
  /** The machine around the point (bench/lib/machine-conditions.ts); absent in results from before it was recorded. */
  conditions?: MachineConditions;
  /** The exact command, so any point can be re-run by hand. */
  command: string;
}

export function failed(base: Pick<Measurement, 'scenario' | 'target' | 'loadGenerator' | 'metric' | 'repeat' | 'command'>, error: string): Measurement {
  return { ...base, ok: false, error, recordsPerSec: 0, mbPerSec: 0, latency: null, series: [], broker: null };
}

/**
 * Latency histograms for the load generators that run in Node (the Node client, the embedded target's
 * in-process producer and consumer): HDR histograms of microseconds, summarised in milliseconds in the
 * shape every driver reports.
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from './measurement.js';

export type Histogram = hdr.Histogram;

/** The quantiles the percentile charts plot. */
const QUANTILES = [0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1];

/** Microseconds from 1 µs to an hour, 3 significant digits. */
export function microsHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

export function recordMillis(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

/** Null for an empty histogram: no sample is not a latency of zero. */
export function latencySummary(histogram: Histogram, kind: LatencySummary['kind']): LatencySummary | null {
  if (histogram.totalCount === 0) return null;
  const ms = (us: number) => us / 1000;
  // getValueAtPercentile answers a bucket's highest equivalent value, which can pass the recorded maximum.
  const at = (percentile: number) => ms(Math.min(histogram.getValueAtPercentile(percentile), histogram.maxValue));
  return {
    avg: ms(histogram.mean),
    p50: at(50),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: ms(histogram.maxValue),
    kind,
    quantiles: QUANTILES.map((q) => [q, at(q * 100)]),
  };
}

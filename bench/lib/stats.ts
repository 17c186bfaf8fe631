/** Summaries of repeated measurements: the median is reported, with min and max as the spread. */

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, in percent. */
  spreadPercent: number;
  n: number;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function spread(values: readonly number[]): Spread {
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: m, min, max, spreadPercent: m ? ((max - min) / m) * 100 : 0, n: values.length };
}

/** Durations' median, min and max rounded to whole milliseconds, with their count: how the cluster benches report a series of trials. */
export function durationSummary(valuesMs: readonly number[]): { medianMs: number; minMs: number; maxMs: number; n: number } {
  const s = spread(valuesMs);
  return { medianMs: Math.round(s.median), minMs: Math.round(s.min), maxMs: Math.round(s.max), n: s.n };
}

/** The nearest-rank quantile `q` (0 < q <= 1) of the values: the smallest value at least a fraction q of them do not exceed. */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length, Math.max(1, Math.ceil(q * s.length))) - 1]!;
}

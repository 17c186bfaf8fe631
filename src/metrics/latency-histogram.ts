/**
 * A Prometheus histogram recorded with plain arithmetic: each series is an array of bucket counts, a sum
 * and a count, observed in a few nanoseconds (prom-client's own histogram hashes the labels on every
 * observation, ~20× slower). It registers with a prom-client Registry as a custom metric and renders the
 * usual `_bucket{le}`, `_sum` and `_count` samples at scrape time.
 */
import type { Registry } from 'prom-client';

export class LatencySeries {
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /**
   * The `q` quantile estimated as Prometheus' histogram_quantile does: linear within the bucket it falls in,
   * the largest bound when it falls above them; NaN without observations.
   */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = q * this.count;
    let below = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      const inBucket = this.counts[i]!;
      if (below + inBucket >= rank && inBucket > 0) {
        const lower = i === 0 ? 0 : this.bounds[i - 1]!;
        return lower + (this.bounds[i]! - lower) * ((rank - below) / inBucket);
      }
      below += inBucket;
    }
    return this.bounds[this.bounds.length - 1]!;
  }
}

interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

export class LatencyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, LatencySeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelName: string,
    readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of one label value, created on first use; keep it and call `observe`. */
  series(labelValue: string): LatencySeries {
    let series = this.#series.get(labelValue);
    if (series === undefined) {
      series = new LatencySeries(this.bounds);
      this.#series.set(labelValue, series);
    }
    return series;
  }

  /** Every series by label value (read at scrape time by views of the same observations). */
  get allSeries(): ReadonlyMap<string, LatencySeries> {
    return this.#series;
  }

  /** prom-client's metric interface: the samples to render. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const [labelValue, series] of this.#series) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { [this.labelName]: labelValue, le: bound }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { [this.labelName]: labelValue, le: '+Inf' }, value: series.count });
      values.push({ metricName: `${this.name}_sum`, labels: { [this.labelName]: labelValue }, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: { [this.labelName]: labelValue }, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
  }
}

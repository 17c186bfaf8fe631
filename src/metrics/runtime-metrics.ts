/**
 * What the Node runtime does to request latency: event-loop delay (`gregor_event_loop_delay_seconds`, from
 * perf_hooks' monitorEventLoopDelay) and garbage-collection pauses (`gregor_gc_pause_seconds{kind}`, from
 * the 'gc' performance entries). Neither costs anything per request.
 *
 * The delay monitor's timer ticks every 5 ms: a stall longer than that is always seen whole, a shorter one
 * is seen when it overlaps a tick, and an idle broker wakes only 200 times a second for it (1 ms would see
 * sub-millisecond stalls more often at five times the wake-ups; prom-client's 10 ms misses most stalls of a
 * few ms, the size that matters next to Kafka's 1 ms end-to-end p50). The monitor records the time between
 * ticks, so the tick is subtracted to get the delay.
 */
import { constants, monitorEventLoopDelay, type PerformanceEntry, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { LatencyHistogram } from './latency-histogram.js';

const RESOLUTION_MS = 5;
const NS_PER_S = 1e9;
const TICK_NS = RESOLUTION_MS * 1e6;

/** 100 µs to 1 s in 1-2-5 steps: a scavenge takes a few hundred µs, a full mark-compact of a big heap 100s of ms. */
const GC_BUCKETS = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];

const GC_KINDS = new Map<number, string>([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

/** Starts both monitors and registers their metrics. */
export function registerRuntimeMetrics(registry: Registry): void {
  new EventLoopDelay(registry);
  const pauses = new LatencyHistogram(
    'gregor_gc_pause_seconds',
    'Garbage-collection pauses of the main thread, by kind (minor, major, incremental, weakcb).',
    'kind',
    GC_BUCKETS,
    registry,
  );
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      pauses.series(GC_KINDS.get(kind ?? -1) ?? 'other').observe(entry.duration / 1000);
    }
  }).observe({ entryTypes: ['gc'] });
}

interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/**
 * A summary whose quantiles (p50, p99, max as quantile 1) cover the time since the previous scrape, and
 * whose `_sum` and `_count` are totals since the start, as a summary's must be.
 */
class EventLoopDelay {
  readonly name = 'gregor_event_loop_delay_seconds';
  readonly help = `Event-loop delay sampled every ${RESOLUTION_MS} ms: quantiles since the previous scrape (1 is the max); sum and count since start.`;
  readonly type = 'summary';
  readonly aggregator = 'sum';
  readonly #histogram: IntervalHistogram;
  #sum = 0;
  #count = 0;

  constructor(registry: Registry) {
    this.#histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.#histogram.enable();
    registry.registerMetric(this as never);
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const h = this.#histogram;
    const delay = (ns: number): number => (h.count === 0 ? 0 : Math.max(ns - TICK_NS, 0) / NS_PER_S);
    this.#sum += h.count === 0 ? 0 : (Math.max(h.mean - TICK_NS, 0) * h.count) / NS_PER_S;
    this.#count += h.count;
    const values: Sample[] = [
      { metricName: this.name, labels: { quantile: '0.5' }, value: delay(h.percentile(50)) },
      { metricName: this.name, labels: { quantile: '0.99' }, value: delay(h.percentile(99)) },
      { metricName: this.name, labels: { quantile: '1' }, value: delay(h.max) },
      { metricName: `${this.name}_sum`, labels: {}, value: this.#sum },
      { metricName: `${this.name}_count`, labels: {}, value: this.#count },
    ];
    h.reset();
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

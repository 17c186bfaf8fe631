/** The harness's readers of Kafka tool output, its statistics and its SVG scales, on captured text. */
import { describe, expect, it } from 'vitest';
import { parseConsumerPerformance, parseEndToEndLatency, parseProducerPerformance } from '../../bench/drivers/java-perf.js';
import { median, spread } from '../../bench/lib/stats.js';
import { linearScale, logScale, Svg } from '../../bench/report/svg.js';

const PRODUCER_OUTPUT = `Warmup first 20000 records. Steady state results will print after the complete test summary.
81571 records sent, 16314.2 records/sec (15.93 MB/sec), 1427.1 ms avg latency, 2287.0 ms max latency.
159960 records sent, 31992.0 records/sec (31.24 MB/sec), 995.1 ms avg latency, 1220.0 ms max latency.
60000 records sent, 47505.938242 records/sec (46.39 MB/sec), 128.36 ms avg latency, 351.00 ms max latency, 130 ms 50th, 198 ms 95th, 207 ms 99th, 215 ms 99.9th.
40000 steady state records sent, 66006.600660 records/sec (64.46 MB/sec), 150.07 ms avg latency, 222.00 ms max latency, 156 ms 50th, 201 ms 95th, 212 ms 99th, 215 ms 99.9th.
`;

describe('Kafka tool output', () => {
  it('takes the steady-state summary of ProducerPerformance and its progress lines as the series', () => {
    const r = parseProducerPerformance(PRODUCER_OUTPUT)!;
    expect(r.recordsPerSec).toBeCloseTo(66006.6, 1);
    expect(r.mbPerSec).toBe(64.46);
    expect(r.latency).toMatchObject({ avg: 150.07, p50: 156, p95: 201, p99: 212, p999: 215, max: 222, kind: 'produce-record' });
    expect(r.series.map((p) => p.recordsPerSec)).toEqual([16314.2, 31992.0]);
  });

  it('falls back to the whole-run summary without warm-up and rejects output without one', () => {
    const noWarmup = PRODUCER_OUTPUT.split('\n').slice(1, 4).join('\n');
    expect(parseProducerPerformance(noWarmup)!.recordsPerSec).toBeCloseTo(47505.94, 1);
    expect(parseProducerPerformance('Exception in thread "main" org.apache.kafka.common.errors.TimeoutException')).toBeNull();
  });

  it('reads ConsumerPerformance fetch rates (excluding the group join)', () => {
    const out = `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-11-25 21:22:59:603, 2026-11-25 21:23:15:701, 1369.3145, 85.0612, 1402178, 87102.6214, 450, 15648, 87.5073, 89607.4898
`;
    expect(parseConsumerPerformance(out)).toEqual({ mbPerSec: 87.5073, recordsPerSec: 89607.4898 });
    expect(parseConsumerPerformance(out.split('\n')[0]!)).toBeNull();
  });

  it('reads EndToEndLatency averages and percentiles, with no max', () => {
    const l = parseEndToEndLatency('0\t132.27\n1000\t1.46\nAvg latency: 2.5792 ms\nPercentiles: 50th = 1, 99th = 12, 99.9th = 33\n')!;
    expect(l).toMatchObject({ avg: 2.5792, p50: 1, p99: 12, p999: 33, max: null, kind: 'end-to-end' });
    expect(parseEndToEndLatency('Avg latency: 2 ms')).toBeNull();
  });
});

describe('statistics and charts', () => {
  it('median and spread of repeats', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(spread([90, 100, 110])).toMatchObject({ median: 100, min: 90, max: 110, spreadPercent: 20, n: 3 });
  });

  it('scales cover their data with round ticks, and text is escaped', () => {
    const x = linearScale(87, 0, 100);
    expect(x.ticks.at(-1)).toBeGreaterThanOrEqual(87);
    expect(x(0)).toBe(0);
    expect(x(x.ticks.at(-1)!)).toBe(100);
    const y = logScale(0.3, 250, 300, 0);
    expect(y.ticks).toEqual([0.1, 1, 10, 100, 1000]);
    expect(y(0.1)).toBe(300);
    expect(y(1000)).toBeCloseTo(0);
    expect(new Svg(10, 10).text(0, 0, '<a & "b">').toString()).toContain('&lt;a &amp; &quot;b&quot;&gt;');
  });
});

/** The per-second series and 5-second progress lines of the load generators that run in Node, on a fake clock. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateMeter } from '../../bench/lib/rate-meter.js';

beforeEach(() => vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] }));
afterEach(() => vi.useRealTimers());

/** Adds `perTenth` records at the start of every 100 ms for `seconds`. */
function feed(meter: RateMeter, perTenth: number, seconds: number): void {
  for (let i = 0; i < seconds * 10; i++) {
    meter.add(perTenth);
    vi.advanceTimersByTime(100);
  }
}

describe('RateMeter', () => {
  it('keeps the seconds after the warm-up and prints the rate of every 5 seconds', () => {
    const lines: string[] = [];
    const start = performance.now();
    const meter = new RateMeter(start, start + 1000, 1024, 'sent', (line) => lines.push(line));
    feed(meter, 10, 1);
    feed(meter, 200, 4);
    feed(meter, 50, 5);
    const series = meter.stop();
    expect(series.map((p) => Math.round(p.recordsPerSec))).toEqual([2000, 2000, 2000, 2000, 500, 500, 500, 500, 500]);
    expect(series.map((p) => p.t)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(series[0]!.mbPerSec).toBeCloseTo((2000 * 1024) / 1048576, 6);
    expect(lines).toEqual(['8100 records sent, 1620.0 records/sec (1.58 MB/sec)', '2500 records sent, 500.0 records/sec (0.49 MB/sec)']);
  });

  it('reads the clock on every add, for a caller that lets no timer run (a consumer reading a backlog)', () => {
    vi.useRealTimers();
    // Only the clock is fake: the real interval cannot fire while this test runs synchronously.
    vi.useFakeTimers({ toFake: ['performance'] });
    const start = performance.now();
    const meter = new RateMeter(start, start, 100, 'consumed');
    for (let i = 0; i < 30; i++) {
      vi.advanceTimersByTime(100);
      meter.add(100);
    }
    expect(meter.stop().map((p) => Math.round(p.recordsPerSec))).toEqual([1000, 1000, 1000]);
  });

  it('counts a second in which nothing was added as zero', () => {
    const start = performance.now();
    const meter = new RateMeter(start, start, 100, 'consumed');
    feed(meter, 100, 1);
    vi.advanceTimersByTime(1000);
    expect(meter.stop().map((p) => Math.round(p.recordsPerSec))).toEqual([1000, 0]);
  });
});

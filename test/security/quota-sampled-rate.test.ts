// The quota rate sampler against Kafka's Rate/SampledTotal arithmetic, on a fake clock: the window counted
// as at least samples-1 whole windows, old windows forgotten, and QuotaUtils.throttleTime's wait.
import { describe, expect, it } from 'vitest';
import { SampledRate } from '../../src/security/quota/sampled-rate.js';

const KAFKA_DEFAULTS = { samples: 11, windowMs: 1000 };

describe('SampledRate', () => {
  it('measures a burst at start over samples-1 whole windows, not over the milliseconds it took', () => {
    const rate = new SampledRate(KAFKA_DEFAULTS);
    rate.record(10_000, 0);
    expect(rate.windowSizeMs(5)).toBe(10_005);
    expect(rate.measure(5)).toBeCloseTo(10_000 / 10.005, 6);
  });

  it('measures a steady rate as that rate once the windows are full', () => {
    const rate = new SampledRate(KAFKA_DEFAULTS);
    for (let t = 0; t < 30_000; t += 100) rate.record(100, t);
    expect(rate.measure(30_000)).toBeCloseTo(1000, -1);
  });

  it('forgets windows older than all windows together', () => {
    const rate = new SampledRate(KAFKA_DEFAULTS);
    rate.record(50_000, 0);
    expect(rate.measure(1_000)).toBeGreaterThan(4_000);
    expect(rate.measure(11_000)).toBe(0);
  });

  it("throttles for Kafka's (rate - bound) / bound × window, and not at all within the bound", () => {
    const rate = new SampledRate(KAFKA_DEFAULTS);
    rate.record(5_000, 0);
    expect(rate.throttleTimeMs(1_000, 0)).toBe(0);
    rate.record(15_000, 0);
    // 20,000 units over a 10 s window is 2,000/s: twice the bound, so the wait is one whole window more.
    expect(rate.throttleTimeMs(1_000, 0)).toBe(10_000);
  });

  it('in steady state, a client that waits its throttle time is back within its bound', () => {
    const rate = new SampledRate(KAFKA_DEFAULTS);
    let now = 0;
    for (; now < 20_000; now += 100) rate.record(100, now);
    rate.record(5_000, now);
    const waitMs = rate.throttleTimeMs(1_000, now);
    expect(waitMs).toBe(Math.round(((rate.measure(now) - 1_000) / 1_000) * rate.windowSizeMs(now)));
    expect(waitMs).toBeGreaterThan(4_000);
    expect(rate.measure(now + waitMs)).toBeLessThanOrEqual(1_000);
  });

  it('takes back a recorded value', () => {
    const rate = new SampledRate(KAFKA_DEFAULTS);
    rate.record(3_000, 0);
    rate.record(-3_000, 0);
    expect(rate.measure(0)).toBe(0);
  });

  it('never meets a bound of zero: waits the whole measured window', () => {
    const rate = new SampledRate(KAFKA_DEFAULTS);
    rate.record(1, 0);
    expect(rate.throttleTimeMs(0, 0)).toBe(10_000);
  });
});

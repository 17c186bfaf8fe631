// Kafka's request phases from a request's marks on a fake clock, their histograms and the Kafka-named
// percentiles, and the runtime metrics' presence.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BrokerMetrics } from '../../src/metrics/broker-metrics.js';
import { RequestMetrics } from '../../src/metrics/request-metrics.js';
import { RequestTiming, type RequestTimingSink } from '../../src/metrics/request-timing.js';
import { pollUntil } from '../support/poll.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

/** A clock the test moves by hand. */
function fakeClock(start = 500) {
  let now = start;
  return { read: () => now, advance: (ms: number) => void (now += ms) };
}

function recorder(): RequestTimingSink & { readonly seen: RequestTiming[] } {
  const seen: RequestTiming[] = [];
  return { seen, requestCompleted: (timing) => void seen.push(timing) };
}

function phases(t: RequestTiming) {
  return { queue: t.requestQueueMs, local: t.localMs, remote: t.remoteMs, responseQueue: t.responseQueueMs, send: t.responseSendMs, total: t.totalMs };
}

describe('RequestTiming', () => {
  it('splits a parked request into queue, local, remote, response queue and send, which add up to the total', () => {
    const clock = fakeClock();
    const sink = recorder();
    const timing = new RequestTiming(clock.read);
    timing.apiKey = 1;
    timing.sink = sink;
    clock.advance(2);
    timing.handlerStarted();
    clock.advance(3);
    timing.parked();
    clock.advance(100);
    timing.unparked();
    clock.advance(1);
    timing.parked();
    clock.advance(10);
    timing.unparked();
    clock.advance(4);
    timing.responseReady();
    clock.advance(7);
    timing.writeStarted();
    clock.advance(5);
    timing.ended();
    expect(sink.seen).toEqual([timing]);
    expect(phases(timing)).toEqual({ queue: 2, local: 8, remote: 110, responseQueue: 7, send: 5, total: 132 });
    expect(timing.untilResponseMs).toBe(120);
  });

  it('closes a park still open when the response is ready', () => {
    const clock = fakeClock();
    const timing = new RequestTiming(clock.read);
    timing.handlerStarted();
    timing.parked();
    clock.advance(30);
    timing.responseReady();
    timing.ended();
    expect(phases(timing)).toMatchObject({ local: 0, remote: 30, total: 30 });
  });

  it('gives a request without a write (acks=0, close, dropped) no send time: it ends when the connection reaches it', () => {
    const clock = fakeClock();
    const timing = new RequestTiming(clock.read);
    timing.apiKey = 0;
    timing.handlerStarted();
    clock.advance(1);
    timing.responseReady();
    clock.advance(6);
    timing.ended();
    expect(phases(timing)).toEqual({ queue: 0, local: 1, remote: 0, responseQueue: 6, send: 0, total: 7 });
  });

  it('counts the time of a request refused before its handler ran as queue time', () => {
    const clock = fakeClock();
    const timing = new RequestTiming(clock.read);
    clock.advance(4);
    timing.responseReady();
    timing.ended();
    expect(phases(timing)).toMatchObject({ queue: 4, local: 0, total: 4 });
  });

  it('reports a request once however often it is ended, and never one without a known API', () => {
    const sink = recorder();
    const known = new RequestTiming(fakeClock().read);
    known.apiKey = 3;
    known.sink = sink;
    known.ended();
    known.ended();
    const unknown = new RequestTiming(fakeClock().read);
    unknown.sink = sink;
    unknown.ended();
    expect(sink.seen).toEqual([known]);
  });
});

describe('RequestMetrics', () => {
  it('exports each phase as a histogram by API and, with Kafka names, as percentiles in ms by request', async () => {
    const registry = new Registry();
    const produce = new RequestMetrics(registry, true).phases('Produce');
    for (const totalMs of [1, 1, 1, 40]) {
      const clock = fakeClock();
      const timing = new RequestTiming(clock.read);
      timing.handlerStarted();
      clock.advance(totalMs);
      timing.responseReady();
      timing.ended();
      produce.observe(timing);
    }
    const samples = parsePrometheusText(await registry.metrics());
    for (const phase of ['queue_time', 'local_time', 'remote_time', 'response_queue_time', 'response_send_time', 'total_time']) {
      expect(sampleValue(samples, `gregor_request_${phase}_seconds_count`, { api: 'Produce' })).toBe(4);
    }
    expect(sampleValue(samples, 'gregor_request_local_time_seconds_bucket', { api: 'Produce', le: '0.001' })).toBe(3);
    expect(sampleValue(samples, 'gregor_request_local_time_seconds_bucket', { api: 'Produce', le: '0.05' })).toBe(4);
    expect(sampleValue(samples, 'gregor_request_total_time_seconds_sum', { api: 'Produce' })).toBeCloseTo(0.043, 9);
    expect(sampleValue(samples, 'kafka_network_requestmetrics_totaltimems_count', { request: 'Produce' })).toBe(4);
    // 3 of 4 in (0.5, 1] ms: the median interpolates to 0.5 + 0.5 × 2/3 ms; the 99th is in (20, 50] ms.
    expect(sampleValue(samples, 'kafka_network_requestmetrics_localtimems', { request: 'Produce', quantile: '0.50' })).toBeCloseTo(0.5 + 0.5 * (2 / 3), 9);
    const p99 = sampleValue(samples, 'kafka_network_requestmetrics_totaltimems', { request: 'Produce', quantile: '0.99' })!;
    expect(p99).toBeGreaterThan(20);
    expect(p99).toBeLessThanOrEqual(50);
    // Never parked: every remote time is in the first bucket, (0, 10 µs].
    expect(sampleValue(samples, 'kafka_network_requestmetrics_remotetimems', { request: 'Produce', quantile: '0.999' })).toBeLessThanOrEqual(0.01);
  });

  it('leaves the Kafka names out unless asked', async () => {
    const registry = new Registry();
    const timing = new RequestTiming(fakeClock().read);
    timing.ended();
    new RequestMetrics(registry, false).phases('Fetch').observe(timing);
    expect(sampleValue(parsePrometheusText(await registry.metrics()), 'gregor_request_total_time_seconds_count', { api: 'Fetch' })).toBe(1);
    expect(parsePrometheusText(await registry.metrics()).some((s) => s.name.startsWith('kafka_'))).toBe(false);
  });
});

describe('runtime metrics', () => {
  it('exports event-loop delay quantiles and GC pauses', async () => {
    const metrics = new BrokerMetrics();
    const samples = parsePrometheusText((await metrics.scrape()).body);
    for (const quantile of ['0.5', '0.99', '1']) {
      expect(sampleValue(samples, 'gregor_event_loop_delay_seconds', { quantile })).toBeGreaterThanOrEqual(0);
    }
    expect(sampleValue(samples, 'gregor_event_loop_delay_seconds_count')).toBeGreaterThanOrEqual(0);
    const minorPauses = async () => sampleValue(parsePrometheusText((await metrics.scrape()).body), 'gregor_gc_pause_seconds_count', { kind: 'minor' }) ?? 0;
    let garbage: unknown[] = [];
    await pollUntil(async () => {
      for (let i = 0; i < 100_000; i++) garbage.push({ i });
      garbage = [];
      return (await minorPauses()) > 0;
    }, 'a scavenge to be observed');
  });
});

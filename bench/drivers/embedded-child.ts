#!/usr/bin/env node
/**
 * The embedded target's process: gregor in-process (`Gregor.start`) with its Kafka listener on the given
 * port, so the harness creates and deletes topics over the wire as for any broker, and the embedded load
 * generator: asked over IPC for one workload at a time (bench/drivers/embedded.ts), it drives the
 * in-process producer and consumer and answers with throughput, HDR latency and the per-second series.
 * The harness pins this process to the broker cores, so broker and client share them, as in a service
 * that embeds gregor; the CPU and memory the harness samples are both together.
 *
 *   node dist/bench/drivers/embedded-child.js <data dir> <port> <broker settings as JSON>   (with an IPC channel)
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Gregor, type ProducerRecord } from '../../src/index.js';
import { createLogger } from '../../src/logging/logger.js';
import { type Histogram, latencySummary, microsHistogram, recordMillis } from '../lib/hdr.js';
import type { LatencySummary, SeriesPoint } from '../lib/measurement.js';
import { RateMeter } from '../lib/rate-meter.js';
import type { ConsumeJob, EmbeddedJob, EmbeddedReport, EndToEndJob, JobMessage, JobRequest, ProduceJob } from './embedded.js';

/** Bounds the open-loop producer's pending sends (and so its memory) when the broker falls behind. */
const MAX_E2E_SENDS_IN_FLIGHT = 1000;
/** How long the end-to-end consumer may take to receive the last records once producing stops. */
const E2E_DRAIN_MS = 10_000;
/** A consume pass that finds nothing new ends its fetches this soon (the topic is full already). */
const CONSUME_MAX_WAIT_MS = 100;
/** Kafka's consumer fetch.max.wait.ms, as the native load generator's end-to-end consumer uses. */
const E2E_MAX_WAIT_MS = 500;

type OnLine = (line: string) => void;

/** `count` distinct values of random capital letters (compressible about as much as text, as ProducerPerformance's). */
function payloads(count: number, size: number): Buffer[] {
  const bytes = randomBytes(count * size);
  for (let i = 0; i < bytes.length; i++) bytes[i] = 65 + (bytes[i]! % 26);
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** The measured window's totals as a report. */
function report(records: number, seconds: number, recordSize: number, latency: LatencySummary | null, series: SeriesPoint[], error: unknown): EmbeddedReport {
  const recordsPerSec = seconds > 0 ? records / seconds : 0;
  return {
    recordsPerSec,
    mbPerSec: (recordsPerSec * recordSize) / 1048576,
    latency,
    series,
    ...(error === undefined ? {} : { error: describeError(error) }),
  };
}

/** The warm-up and measurement clock of one job (performance.now() times). */
function clock(job: EmbeddedJob) {
  const start = performance.now();
  const warmupEnd = start + job.warmupSeconds * 1000;
  return { start, warmupEnd, end: warmupEnd + job.durationSeconds * 1000 };
}

async function produce(gregor: Gregor, job: ProduceJob, onLine: OnLine): Promise<EmbeddedReport> {
  const perPartition = Math.max(1, Math.floor(job.requestBytes / job.partitionsPerSend / job.recordSize));
  const values = payloads(perPartition * job.partitionsPerSend, job.recordSize);
  const sends: ProducerRecord[][] = [];
  for (let first = 0; first < job.partitions; first += job.partitionsPerSend) {
    const group = Math.min(job.partitionsPerSend, job.partitions - first);
    sends.push(values.slice(0, group * perPartition).map((value, i) => ({ value, partition: first + Math.floor(i / perPartition) })));
  }
  const producer = gregor.producer({ acks: job.acks, lingerMs: 0, batchSize: job.requestBytes, compression: job.compression });
  const histogram = microsHistogram();
  const { start, warmupEnd, end } = clock(job);
  const meter = new RateMeter(start, warmupEnd, job.recordSize, 'sent', onLine);
  const limit = job.maxRecords ?? Number.POSITIVE_INFINITY;
  let issued = 0;
  let measured = 0;
  let next = 0;
  let error: unknown;
  const worker = async () => {
    while (error === undefined && issued < limit && performance.now() < end) {
      const records = sends[next++ % sends.length]!;
      issued += records.length;
      const t0 = performance.now();
      await producer.send(job.topic, records);
      const t1 = performance.now();
      meter.add(records.length);
      if (t1 >= warmupEnd) {
        measured += records.length;
        recordMillis(histogram, t1 - t0);
      }
    }
  };
  let series: SeriesPoint[];
  try {
    await Promise.all(Array.from({ length: job.sendsInFlight }, () => worker().catch((e: unknown) => void (error ??= e))));
  } finally {
    series = meter.stop();
    await producer.close();
  }
  const seconds = (performance.now() - warmupEnd) / 1000;
  return report(measured, seconds, job.recordSize, latencySummary(histogram, 'produce-send'), series, error);
}

async function consume(gregor: Gregor, job: ConsumeJob, onLine: OnLine): Promise<EmbeddedReport> {
  const partitions = gregor.describeTopic(job.topic)?.partitions ?? 0;
  const consumer = await gregor.consumer({ topics: [job.topic], from: 'earliest', maxWaitMs: CONSUME_MAX_WAIT_MS });
  const { start, warmupEnd, end } = clock(job);
  const meter = new RateMeter(start, warmupEnd, job.recordSize, 'consumed', onLine);
  // Ends the batches while a fetch waits, should the topic hold fewer records than expected.
  const deadline = setTimeout(() => void consumer.close(), end - start);
  let inPass = 0;
  let measured = 0;
  let error: unknown;
  let series: SeriesPoint[];
  try {
    for await (const batch of consumer.batches()) {
      const now = performance.now();
      if (now >= end) break;
      meter.add(batch.length);
      if (now >= warmupEnd) measured += batch.length;
      inPass += batch.length;
      if (inPass >= job.records) {
        inPass = 0;
        for (let p = 0; p < partitions; p++) consumer.seek(job.topic, p, 0n);
      }
    }
  } catch (e) {
    error = e;
  } finally {
    clearTimeout(deadline);
    series = meter.stop();
    await consumer.close();
  }
  const seconds = (Math.min(performance.now(), end) - warmupEnd) / 1000;
  return report(measured, seconds, job.recordSize, null, series, error);
}

/** The consumer half of an end-to-end job: times each stamped record from its intended send time. */
function timeArrivals(
  records: AsyncIterable<{ key: Buffer | null }[]>,
  histogram: Histogram,
  warmupEnd: number,
  onBatch: (count: number, now: number) => void,
): Promise<void> {
  return (async () => {
    for await (const batch of records) {
      const now = performance.now();
      for (const record of batch) {
        if (record.key === null) continue;
        const intended = record.key.readDoubleBE(0);
        if (intended >= warmupEnd) recordMillis(histogram, now - intended);
      }
      onBatch(batch.length, now);
    }
  })();
}

async function endToEnd(gregor: Gregor, job: EndToEndJob, onLine: OnLine): Promise<EmbeddedReport> {
  const perSend = Math.max(1, Math.floor(job.requestBytes / job.recordSize));
  const values = payloads(perSend, job.recordSize);
  const rest = values.slice(1).map((value) => ({ value, partition: 0 }));
  const intervalMs = (perSend / job.rate) * 1000;
  const consumer = await gregor.consumer({ topics: [job.topic], from: 'earliest', maxWaitMs: E2E_MAX_WAIT_MS });
  const producer = gregor.producer({ acks: job.acks, lingerMs: 0 });
  const histogram = microsHistogram();
  const { start, warmupEnd, end } = clock(job);
  const meter = new RateMeter(start, warmupEnd, job.recordSize, 'received', onLine);
  let sent = 0;
  let received = 0;
  let measured = 0;
  let producing = true;
  let error: unknown;
  let drained!: () => void;
  const allReceived = new Promise<void>((resolve) => (drained = resolve));
  const reading = timeArrivals(consumer.batches(), histogram, warmupEnd, (count, now) => {
    received += count;
    meter.add(count);
    if (now >= warmupEnd && now < end) measured += count;
    if (!producing && received >= sent) drained();
  }).catch((e: unknown) => void (error ??= e));
  const inFlight = new Set<Promise<unknown>>();
  // Open loop: send k is due at start + k × interval and is timed from then, however late it leaves.
  for (let k = 0; error === undefined; k++) {
    const intended = start + k * intervalMs;
    if (intended >= end) break;
    const wait = intended - performance.now();
    if (wait > 0) await delay(wait);
    if (inFlight.size >= MAX_E2E_SENDS_IN_FLIGHT) await Promise.race(inFlight);
    const key = Buffer.allocUnsafe(8);
    key.writeDoubleBE(intended);
    sent += perSend;
    const sending: Promise<void> = producer
      .send(job.topic, [{ key, value: values[0]!, partition: 0 }, ...rest])
      .then(
        () => undefined,
        (e: unknown) => void (error ??= e),
      )
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  }
  await Promise.all(inFlight);
  producing = false;
  if (received >= sent) drained();
  const timer = setTimeout(drained, E2E_DRAIN_MS);
  await allReceived;
  clearTimeout(timer);
  const series = meter.stop();
  await consumer.close();
  await reading;
  await producer.close();
  if (error === undefined && received < sent) error = new Error(`${sent - received} of ${sent} records not consumed ${E2E_DRAIN_MS} ms after the last send`);
  return report(measured, job.durationSeconds, job.recordSize, latencySummary(histogram, 'end-to-end'), series, error);
}

function runJob(gregor: Gregor, job: EmbeddedJob, onLine: OnLine): Promise<EmbeddedReport> {
  switch (job.kind) {
    case 'produce':
      return produce(gregor, job, onLine);
    case 'consume':
      return consume(gregor, job, onLine);
    case 'e2e':
      return endToEnd(gregor, job, onLine);
  }
}

async function main(): Promise<void> {
  const [dataDir, port, settings] = process.argv.slice(2);
  const send = process.send?.bind(process);
  if (!send || !dataDir || !port || !settings)
    throw new Error('usage: embedded-child.js <data dir> <port> <broker settings JSON>, spawned with an IPC channel');
  const gregor = await Gregor.start({
    dataDir,
    listen: { host: '127.0.0.1', port: Number(port) },
    logger: createLogger({ level: 'warn' }),
    config: JSON.parse(settings) as Record<string, string | number | boolean>,
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void gregor.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  // The harness has gone: do not outlive it.
  process.once('disconnect', stop);
  process.on('message', ({ id, job }: JobRequest) => {
    const onLine = (line: string) => send({ id, line } satisfies JobMessage);
    void runJob(gregor, job, onLine)
      .catch((e: unknown): EmbeddedReport => ({ recordsPerSec: 0, mbPerSec: 0, latency: null, series: [], error: describeError(e) }))
      .then((r) => send({ id, report: r } satisfies JobMessage));
  });
}

main().catch((e: unknown) => {
  console.error(`embedded target: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});

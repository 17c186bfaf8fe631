/**
 * The view a Node service gets: @platformatic/kafka's Producer sending arrays of records (one array
 * per send, the size of a Java producer batch) with several sends in flight, per-send latency in an
 * HDR histogram. Runs inside the harness process, which pins itself to the load generator cores.
 */
import { Producer } from '@platformatic/kafka';
import { latencySummary, microsHistogram, recordMillis } from '../lib/hdr.js';
import type { Measurement, SeriesPoint } from '../lib/measurement.js';
import { failed } from '../lib/measurement.js';
import { RateMeter } from '../lib/rate-meter.js';

export interface NodeProduceRun {
  scenario: string;
  target: string;
  repeat: number;
  bootstrap: string;
  topic: string;
  partitions: number;
  recordSize: number;
  acks: number;
  /** Records per send (the Java producer's batch.size / record size). */
  recordsPerSend: number;
  inFlight: number;
  warmupSeconds: number;
  durationSeconds: number;
  onLine?: (line: string) => void;
}

/** The client wraps causes in AggregateErrors; the innermost messages are the useful ones. */
function describeError(e: unknown, depth = 0): string {
  if (!(e instanceof Error) || depth > 3) return String(e);
  const inner = e instanceof AggregateError ? e.errors : e.cause ? [e.cause] : [];
  const detail = inner.slice(0, 2).map((c) => describeError(c, depth + 1));
  return detail.length ? `${e.message} (${detail.join('; ')})` : e.message;
}

export async function nodeProduce(run: NodeProduceRun): Promise<Measurement> {
  const command = `@platformatic/kafka Producer: ${run.recordsPerSend} records per send, ${run.inFlight} sends in flight, acks=${run.acks}`;
  const base = { scenario: run.scenario, target: run.target, loadGenerator: 'node' as const, metric: 'produce', repeat: run.repeat, command };
  const producer = new Producer({ clientId: 'gregor-bench', bootstrapBrokers: [run.bootstrap], acks: run.acks, idempotent: false, autocreateTopics: false });
  const value = Buffer.alloc(run.recordSize, 'x');
  let partition = 0;
  const histogram = microsHistogram();
  let sent = 0;
  let error: Error | undefined;
  const start = performance.now();
  const warmupEnd = start + run.warmupSeconds * 1000;
  const end = warmupEnd + run.durationSeconds * 1000;
  let measuredFrom = 0;
  const meter = new RateMeter(start, warmupEnd, run.recordSize, 'sent', run.onLine);
  const worker = async () => {
    while (performance.now() < end && !error) {
      const messages = Array.from({ length: run.recordsPerSend }, () => ({ topic: run.topic, value, partition: partition++ % run.partitions }));
      const t0 = performance.now();
      await producer.send({ messages });
      const t1 = performance.now();
      if (t1 >= warmupEnd) {
        if (measuredFrom === 0) measuredFrom = sent;
        recordMillis(histogram, t1 - t0);
      }
      sent += messages.length;
      meter.add(messages.length);
    }
  };
  let series: SeriesPoint[] = [];
  try {
    await Promise.all(Array.from({ length: run.inFlight }, () => worker().catch((e: Error) => (error = e))));
  } finally {
    series = meter.stop();
    await producer.close().catch(() => {});
  }
  if (error) return failed(base, `@platformatic/kafka: ${describeError(error)}`);
  const seconds = (performance.now() - warmupEnd) / 1000;
  const records = sent - measuredFrom;
  return {
    ...base,
    ok: true,
    recordsPerSec: records / seconds,
    mbPerSec: (records * run.recordSize) / seconds / 1048576,
    latency: latencySummary(histogram, 'produce-request'),
    series,
    broker: null,
  };
}

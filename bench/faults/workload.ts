/**
 * The workload of a fault run: idempotent acks=all producers (kafkajs, and kcat over librdkafka) writing
 * `producer:sequence` values, one record at a time per partition, recording each attempt's outcome and
 * acknowledged offset; and the read-back that collects every record of the topic once the cluster healed.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { pollUntil } from '../lib/poll.js';
import { type ConsumedRecord, type ProduceAttempt, recordValue } from './history.js';

/** Milliseconds since the run began, shared by the workload and the faults so their times compare. */
export class RunClock {
  readonly #origin = performance.now();
  now(): number {
    return Math.round((performance.now() - this.#origin) * 10) / 10;
  }
}

export interface ProducerTarget {
  readonly bootstrap: string;
  readonly topic: string;
  readonly partitions: number;
}

export interface WorkloadProducer {
  readonly name: string;
  readonly attempts: readonly ProduceAttempt[];
  /** Stops sending and resolves once every record sent has its outcome. */
  stop(): Promise<void>;
}

/**
 * kafkajs idempotent producers (acks=all, one in flight), one per partition with its own sequential send
 * loop. After a failed send a partition's producer is replaced by a new one (a new producer id): kafkajs
 * keeps the sequence of a batch whose fate it does not know and gives it to the next record, which the
 * broker then rightly answers as a duplicate of the first, with its offset (seen in soaks: an acked
 * record that is nowhere). The Java client bumps its epoch in that case for the same reason.
 */
export async function startKafkajsProducer(name: string, target: ProducerTarget, clock: RunClock): Promise<WorkloadProducer> {
  const kafka = new Kafka({
    clientId: name,
    brokers: target.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
  const connected = async (): Promise<Producer> => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    return producer;
  };
  const attempts: ProduceAttempt[] = [];
  let stopping = false;
  let sequence = 0;
  const loop = async (partition: number, first: Producer): Promise<void> => {
    let producer: Producer | undefined = first;
    while (!stopping) {
      const seq = sequence++;
      const sentAt = clock.now();
      const base = { producer: name, sequence: seq, topic: target.topic, partition, sentAt };
      try {
        producer ??= await connected();
        const [metadata] = await producer.send({ topic: target.topic, acks: -1, messages: [{ partition, value: recordValue(name, seq) }] });
        attempts.push({ ...base, outcome: 'acked', offset: Number(metadata!.baseOffset), doneAt: clock.now() });
      } catch (error) {
        attempts.push({ ...base, outcome: 'failed', error: errorName(error), doneAt: clock.now() });
        await producer?.disconnect().catch(() => undefined);
        producer = undefined;
      }
    }
    await producer?.disconnect().catch(() => undefined);
  };
  const firsts = await Promise.all(Array.from({ length: target.partitions }, () => connected()));
  const loops = firsts.map((producer, partition) => loop(partition, producer));
  return {
    name,
    attempts,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

function errorName(error: unknown): string {
  if (error instanceof Error) return (error as { type?: string }).type ?? error.name;
  return String(error);
}

/**
 * A kcat producer per partition (librdkafka, enable.idempotence, acks=all): values go in on stdin one per
 * line, and librdkafka's delivery reports (kcat -vv: one stderr line per message, in order within the
 * partition, as the idempotent producer keeps it) give each its outcome and offset.
 */
export async function startKcatProducer(name: string, target: ProducerTarget, clock: RunClock, intervalMs = 20): Promise<WorkloadProducer> {
  const attempts: ProduceAttempt[] = [];
  let sequence = 0;
  let stopping = false;
  const children: Promise<void>[] = [];
  for (let partition = 0; partition < target.partitions; partition++) {
    const child = spawn(
      'kcat',
      [
        '-P',
        '-vv',
        '-b',
        target.bootstrap,
        '-t',
        target.topic,
        '-p',
        String(partition),
        '-X',
        'enable.idempotence=true',
        '-X',
        'acks=all',
        '-X',
        'linger.ms=0',
        '-X',
        'message.timeout.ms=10000',
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    ) as unknown as ChildProcessWithoutNullStreams;
    const pending: { sequence: number; sentAt: number }[] = [];
    const reports = createInterface({ input: child.stderr });
    let lastComplaint = '';
    reports.on('line', (line) => {
      if (/ERROR|FATAL|fail/i.test(line) && !line.includes('Delivery failed')) lastComplaint = line;
      const delivered = /Message delivered to partition \d+ \(offset (-?\d+)\)/.exec(line);
      const failed = /Delivery failed for message: (.*)/.exec(line);
      if (!delivered && !failed) return;
      const sent = pending.shift();
      if (!sent) return;
      const base = { producer: name, sequence: sent.sequence, topic: target.topic, partition, sentAt: sent.sentAt, doneAt: clock.now() };
      attempts.push(delivered ? { ...base, outcome: 'acked', offset: Number(delivered[1]) } : { ...base, outcome: 'failed', error: failed![1]! });
    });
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    // kcat may exit on its own (a fatal idempotence error): the lines written after that are answered as failed below.
    child.stdin.on('error', () => undefined);
    children.push(
      (async () => {
        // A record every interval, not one at a time: kcat serves delivery reports only when it reads a line.
        while (!stopping && child.exitCode === null) {
          const seq = sequence++;
          pending.push({ sequence: seq, sentAt: clock.now() });
          child.stdin.write(`${recordValue(name, seq)}\n`);
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
        child.stdin.end();
        await exited;
        for (const sent of pending.splice(0)) {
          attempts.push({
            producer: name,
            sequence: sent.sequence,
            topic: target.topic,
            partition,
            outcome: 'failed',
            error: `kcat exited: ${lastComplaint}`,
            sentAt: sent.sentAt,
            doneAt: clock.now(),
          });
        }
      })(),
    );
  }
  return {
    name,
    attempts,
    async stop() {
      stopping = true;
      await Promise.all(children);
    },
  };
}

/** Reads every record of the topic from offset 0 up to each partition's high watermark. */
export async function readBack(
  bootstrap: string,
  topic: string,
  timeoutMs = 60_000,
): Promise<{ records: ConsumedRecord[]; highWatermarks: Map<number, number> }> {
  const kafka = new Kafka({ clientId: 'fault-readback', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, number>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(p.partition, Number(p.high));
  } finally {
    await admin.disconnect();
  }
  const records: ConsumedRecord[] = [];
  const next = new Map([...ends.keys()].map((p) => [p, 0]));
  const consumer = kafka.consumer({ groupId: `fault-readback-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          records.push({ topic, partition: batch.partition, offset: Number(message.offset), value: message.value?.toString() ?? '', reader: 'read-back' });
          next.set(batch.partition, Number(message.offset) + 1);
        }
      },
    });
    await pollUntil(() => [...ends].every(([p, end]) => next.get(p)! >= end), `read-back of ${topic} to its high watermarks`, { timeoutMs, intervalMs: 50 });
  } finally {
    await consumer.disconnect();
  }
  return { records, highWatermarks: ends };
}

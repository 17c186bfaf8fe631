/**
 * Embedded produce and consume against the same work through Kafka clients over loopback, and against the
 * raw engine append, in one run and on one broker: 100 B and 1 KiB records, acks=1. Rows:
 * - raw append: ReplicaManager.appendRecords of prebuilt 1,000-record batches (the ceiling: no batching cost);
 * - embedded send(1,000 records): the producer given arrays, as a service forwarding batches would;
 * - embedded send(record): one call per record, 10,000 in flight, the cost of one `send`;
 * - kafkajs / @platformatic/kafka: 1,000 records per send, 8 sends in flight;
 * - embedded consume: the AsyncIterable of records, from the earliest offset.
 *
 * Usage: node dist/bench/embedded/run.js [--records 200000]   (prints a Markdown table)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer as PlatformaticProducer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { Gregor } from '../../src/index.js';
import { native } from '../../src/storage/native.js';

const args = process.argv.slice(2);
const at = args.indexOf('--records');
const RECORDS = at >= 0 ? Number(args[at + 1]) : 200_000;
const CLIENT_RECORDS = Math.max(10_000, Math.floor(RECORDS / 4));
const CHUNK = 1000;
const IN_FLIGHT = 8;

interface Row {
  readonly what: string;
  readonly size: number;
  readonly records: number;
  readonly seconds: number;
}

const rows: Row[] = [];

async function timed(what: string, size: number, records: number, run: () => Promise<void>): Promise<void> {
  const start = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rows.push({ what, size, records, seconds });
  process.stderr.write(`${what} ${size} B: ${Math.round(records / seconds)} records/s\n`);
}

/** Runs `count` chunks with at most IN_FLIGHT pending. */
async function pipelined(count: number, send: (chunk: number) => Promise<unknown>): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const p = send(i).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= IN_FLIGHT) await Promise.race(pending);
  }
  await Promise.all(pending);
}

const dataDir = mkdtempSync(join(tmpdir(), 'gregor-bench-embedded-'));
const gregor = await Gregor.start({ dataDir, logger: pino({ level: 'warn' }), config: { 'log.segment.bytes': 1 << 30 } });
const kafka = new Kafka({ clientId: 'bench', brokers: [gregor.bootstrapServers!], logLevel: logLevel.NOTHING });
try {
  for (const size of [100, 1024]) {
    const value = Buffer.alloc(size, 120);
    const records = Array.from({ length: CHUNK }, () => ({ value }));
    const chunks = RECORDS / CHUNK;

    await gregor.createTopic(`raw-${size}`, { partitions: 1 });
    const batch = native.buildRecordBatch({ values: records.map((r) => r.value) });
    await timed('raw engine append', size, RECORDS, () =>
      pipelined(chunks, () => gregor.broker.replicaManager.appendRecords([{ topic: `raw-${size}`, partition: 0, records: Buffer.from(batch) }], { acks: 1, timeoutMs: 30_000 })),
    );

    await gregor.createTopic(`embedded-${size}`, { partitions: 1 });
    const producer = gregor.producer({ acks: 1 });
    await timed('embedded send(1,000 records)', size, RECORDS, () => pipelined(chunks, () => producer.send(`embedded-${size}`, records)));

    await gregor.createTopic(`single-${size}`, { partitions: 1 });
    await timed('embedded send(record)', size, RECORDS, async () => {
      for (let sent = 0; sent < RECORDS; sent += 10_000) {
        const sends: Promise<unknown>[] = [];
        for (let i = 0; i < 10_000; i++) sends.push(producer.send(`single-${size}`, { value }));
        await Promise.all(sends);
      }
    });

    const consumer = await gregor.consumer({ topics: [`embedded-${size}`], from: 'earliest' });
    await timed('embedded consume (records)', size, RECORDS, async () => {
      let n = 0;
      for await (const record of consumer) if (++n === RECORDS || record.value === null) break;
    });
    await consumer.close();

    await gregor.createTopic(`kafkajs-${size}`, { partitions: 1 });
    const kjs = kafka.producer();
    await kjs.connect();
    const kjsMessages = records.map((r) => ({ value: r.value }));
    await timed('kafkajs produce', size, CLIENT_RECORDS, () =>
      pipelined(CLIENT_RECORDS / CHUNK, () => kjs.send({ topic: `kafkajs-${size}`, acks: 1, messages: kjsMessages })),
    );
    await kjs.disconnect();

    await gregor.createTopic(`platformatic-${size}`, { partitions: 1 });
    const plt = new PlatformaticProducer<Buffer, Buffer, Buffer, Buffer>({ clientId: 'bench', bootstrapBrokers: [gregor.bootstrapServers!], acks: 1 });
    const pltMessages = records.map((r) => ({ topic: `platformatic-${size}`, value: r.value }));
    await timed('@platformatic/kafka produce', size, CLIENT_RECORDS, () => pipelined(CLIENT_RECORDS / CHUNK, () => plt.send({ messages: pltMessages })));
    await plt.close();
  }
} finally {
  await gregor.close();
  rmSync(dataDir, { recursive: true, force: true });
}

console.log(`| path | record | records/s | MB/s | µs per record |\n|---|---:|---:|---:|---:|`);
for (const row of rows) {
  const rate = row.records / row.seconds;
  console.log(`| ${row.what} | ${row.size} B | ${Math.round(rate).toLocaleString('en')} | ${((rate * row.size) / 1e6).toFixed(1)} | ${((row.seconds * 1e6) / row.records).toFixed(2)} |`);
}

/**
 * Embedded produce and consume against the same work through Kafka clients over loopback, and against the
 * raw engine append, in one run and on one broker: 100 B and 1 KiB records, acks=1, one partition. Rows:
 * - raw append: ReplicaManager.appendRecords of a prebuilt 1,000-record batch (the ceiling: no batching cost);
 * - embedded send(1,000 records): the producer given arrays, as a service forwarding batches would, also
 *   with lz4 (built on the libuv pool);
 * - embedded send(record): one call per record, 10,000 in flight, the cost of one `send`;
 * - kafkajs / @platformatic/kafka: 1,000 records per send, 8 sends in flight, in this process (a service
 *   using a client runs it in its own process, as here; the broker they reach shares the process);
 * - embedded consume: the AsyncIterable of records, from the earliest offset.
 * Paths alternate within each round; each figure is the median of the rounds.
 *
 * Usage: node dist/bench/embedded/run.js [--records 200000] [--rounds 3]
 * Prints a Markdown table and writes it to bench/results/embedded.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Producer as PlatformaticProducer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { Gregor } from '../../src/index.js';
import { native } from '../../src/storage/native.js';
import { describeMachine } from '../lib/machine.js';
import { median } from '../lib/stats.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const RECORDS = option('--records', 200_000);
const ROUNDS = option('--rounds', 3);
const CLIENT_RECORDS = Math.max(10_000, Math.floor(RECORDS / 4));
const CHUNK = 1000;
const IN_FLIGHT = 8;
const SINGLE_IN_FLIGHT = 10_000;

const PATHS = [
  'raw engine append',
  'embedded send(1,000 records)',
  'embedded send(1,000 records), lz4',
  'embedded send(record)',
  'embedded consume (records)',
  'kafkajs produce',
  '@platformatic/kafka produce',
] as const;
type Path = (typeof PATHS)[number];

/** Records per second, per record size and path, one entry per round. */
const rates = new Map<string, number[]>();

async function timed(path: Path, size: number, records: number, run: () => Promise<void>): Promise<void> {
  const start = process.hrtime.bigint();
  await run();
  const rate = records / (Number(process.hrtime.bigint() - start) / 1e9);
  const key = `${size}/${path}`;
  rates.set(key, [...(rates.get(key) ?? []), rate]);
  process.stderr.write(`${path} ${size} B: ${Math.round(rate)} records/s\n`);
}

/** Runs `count` sends with at most `inFlight` pending. */
async function pipelined(count: number, inFlight: number, send: (i: number) => Promise<unknown>): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const p = send(i).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
}

const dataDir = mkdtempSync(join(tmpdir(), 'gregor-bench-embedded-'));
const gregor = await Gregor.start({ dataDir, logger: pino({ level: 'warn' }), config: { 'log.segment.bytes': 1 << 30 } });
const kafka = new Kafka({ clientId: 'bench', brokers: [gregor.bootstrapServers!], logLevel: logLevel.NOTHING });
const startedAt = new Date().toISOString();

async function round(size: number, r: number): Promise<void> {
  const value = Buffer.alloc(size, 120);
  const records = Array.from({ length: CHUNK }, () => ({ value }));
  const chunks = RECORDS / CHUNK;
  const topic = async (path: string) => {
    const name = `${path}-${size}-${r}`;
    await gregor.createTopic(name, { partitions: 1 });
    return name;
  };

  const raw = await topic('raw');
  const batch = native.buildRecordBatch({ values: records.map((record) => record.value) });
  await timed('raw engine append', size, RECORDS, () =>
    pipelined(chunks, IN_FLIGHT, () =>
      gregor.broker.replicaManager.appendRecords([{ topic: raw, partition: 0, records: Buffer.from(batch) }], { acks: 1, timeoutMs: 30_000 }),
    ),
  );

  const embedded = await topic('embedded');
  const producer = gregor.producer({ acks: 1 });
  await timed('embedded send(1,000 records)', size, RECORDS, () => pipelined(chunks, IN_FLIGHT, () => producer.send(embedded, records)));

  const compressed = await topic('lz4');
  const lz4 = gregor.producer({ acks: 1, compression: 'lz4' });
  await timed('embedded send(1,000 records), lz4', size, RECORDS, () => pipelined(chunks, IN_FLIGHT, () => lz4.send(compressed, records)));

  const single = await topic('single');
  await timed('embedded send(record)', size, RECORDS, () => pipelined(RECORDS, SINGLE_IN_FLIGHT, () => producer.send(single, { value })));

  const consumer = await gregor.consumer({ topics: [embedded], from: 'earliest' });
  await timed('embedded consume (records)', size, RECORDS, async () => {
    let n = 0;
    for await (const record of consumer) if (++n === RECORDS || record.value === null) break;
  });
  await consumer.close();

  const kafkajsTopic = await topic('kafkajs');
  const kjs = kafka.producer();
  await kjs.connect();
  const kjsMessages = records.map((record) => ({ value: record.value }));
  await timed('kafkajs produce', size, CLIENT_RECORDS, () =>
    pipelined(CLIENT_RECORDS / CHUNK, IN_FLIGHT, () => kjs.send({ topic: kafkajsTopic, acks: 1, messages: kjsMessages })),
  );
  await kjs.disconnect();

  const platformaticTopic = await topic('platformatic');
  const plt = new PlatformaticProducer<Buffer, Buffer, Buffer, Buffer>({ clientId: 'bench', bootstrapBrokers: [gregor.bootstrapServers!], acks: 1 });
  const pltMessages = records.map((record) => ({ topic: platformaticTopic, value: record.value }));
  await timed('@platformatic/kafka produce', size, CLIENT_RECORDS, () =>
    pipelined(CLIENT_RECORDS / CHUNK, IN_FLIGHT, () => plt.send({ messages: pltMessages })),
  );
  await plt.close();
}

try {
  for (const size of [100, 1024]) for (let r = 0; r < ROUNDS; r++) await round(size, r);
} finally {
  await gregor.close();
  rmSync(dataDir, { recursive: true, force: true });
}

const rate = (size: number, path: Path) => median(rates.get(`${size}/${path}`) ?? [0]);
const lines = ['| path | record | records/s | MB/s | µs per record | spread (min–max records/s) |', '|---|---:|---:|---:|---:|---:|'];
for (const size of [100, 1024]) {
  for (const path of PATHS) {
    const all = rates.get(`${size}/${path}`) ?? [0];
    const r = rate(size, path);
    lines.push(
      `| ${path} | ${size} B | ${Math.round(r).toLocaleString('en')} | ${((r * size) / 1e6).toFixed(1)} | ${(1e6 / r).toFixed(2)} | ${Math.round(Math.min(...all)).toLocaleString('en')}–${Math.round(Math.max(...all)).toLocaleString('en')} |`,
    );
  }
}
lines.push('', '| record | embedded ÷ best Node client (goal ≥ 10×) | embedded ÷ raw engine append (goal ≥ 50%) |', '|---:|---:|---:|');
for (const size of [100, 1024]) {
  const embedded = rate(size, 'embedded send(1,000 records)');
  const client = Math.max(rate(size, 'kafkajs produce'), rate(size, '@platformatic/kafka produce'));
  lines.push(`| ${size} B | ${(embedded / client).toFixed(1)}× | ${((100 * embedded) / rate(size, 'raw engine append')).toFixed(0)}% |`);
}
const table = lines.join('\n');
console.log(table);

const machine = describeMachine();
const report = `# Embedded benchmark

\`npm run build && node dist/bench/embedded/run.js --records ${RECORDS} --rounds ${ROUNDS}\` — ${startedAt}, ${machine.cpuModel}, ${machine.cores} cores,
Node ${machine.node}. One process: the broker (listening on loopback for the Kafka clients) and every producer
and consumer; one partition, acks=1, ${RECORDS.toLocaleString('en')} records per embedded path and ${CLIENT_RECORDS.toLocaleString('en')} per client;
median of ${ROUNDS} rounds, the paths alternating within each round.

${table}
`;
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'results', 'embedded.md'), report);

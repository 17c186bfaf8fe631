/**
 * How much a connection sending compressed batches that inflate to tens of MiB (valid ones, and bombs past
 * the 64 MiB decompression limit) delays another client's ApiVersions + Metadata round trips on the same
 * broker, and what one such batch costs the event loop when appended directly. Issue 12, item 3.
 *
 * Usage: node dist/bench/storage/decompression-stall.js [--batches 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Broker } from '../../src/broker/broker.js';
import { healthyRoundTrips, inflatingBatch } from '../lib/healthy-client.js';
import { RawClient } from '../lib/raw-client.js';

const args = process.argv.slice(2);
const at = args.indexOf('--batches');
const BATCHES = at >= 0 ? Number(args[at + 1]) : 10;
const TOPIC = 'stall';

function produceBody(records: Buffer): unknown {
  return { transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] };
}

function summary(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const p = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `n=${sorted.length} p50=${p(0.5).toFixed(2)} ms p99=${p(0.99).toFixed(2)} ms worst=${(sorted.at(-1) ?? 0).toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gregor-stall-'));
  const broker = await Broker.start({ config: { 'log.dir': dataDir, listeners: 'PLAINTEXT://127.0.0.1:0' }, logger: pino({ level: 'silent' }) });
  try {
    const admin = await RawClient.connect(broker.bootstrapServers!);
    await admin.request(19, 5, {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    const healthy = await RawClient.connect(broker.bootstrapServers!);
    const sender = await RawClient.connect(broker.bootstrapServers!);
    const valid = inflatingBatch(60 << 20);
    const bomb = inflatingBatch(100 << 20);
    console.log(`valid batch: ${valid.length} B on the wire, 60 MiB inflated; bomb: ${bomb.length} B, 100 MiB inflated`);

    for (const [name, batch] of [
      ['valid', valid],
      ['bomb', bomb],
    ] as const) {
      const costs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const outcome = broker.services.replicaManager.appendRecords([{ topic: TOPIC, partition: 0, records: Buffer.from(batch) }], {
          acks: 1,
          timeoutMs: 30_000,
        });
        costs.push(performance.now() - started);
        await outcome;
      }
      console.log(`${name}: event-loop time of appendRecords until it returns its promise: ${costs.map((c) => c.toFixed(1)).join(', ')} ms`);
    }

    const idle = new Promise((resolve) => setTimeout(resolve, 1_000));
    console.log(`healthy client, idle broker:      ${summary(await healthyRoundTrips(healthy, TOPIC, { settled: idle }))}`);
    for (const [name, batch] of [
      ['valid', valid],
      ['bomb', bomb],
    ] as const) {
      const sending = (async () => {
        for (let i = 0; i < BATCHES; i++) await Promise.all([sender.request(0, 9, produceBody(batch)), sender.request(0, 9, produceBody(batch))]);
      })();
      console.log(`healthy client, ${BATCHES * 2} ${name} batches: ${summary(await healthyRoundTrips(healthy, TOPIC, { settled: sending }))}`);
    }
    for (const client of [admin, healthy, sender]) client.close();
  } finally {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

// Reliability scenarios R1/R5 in small: a kafkajs idempotent producer (acks=all, retries on) writes while the
// broker process is killed with SIGKILL and restarted on the same port and data dir, several times. Checked
// as Jepsen/Redpanda checkers do: every acknowledged record is read back (0 lost), once (0 duplicates), and
// in send order within its partition (0 reordered).
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerProcess, ensureBuilt, spawnBroker, tempDataDir } from '../support/broker.js';
import { consumeAll } from '../support/kcat.js';

// GREGOR_CRASH_CYCLES raises the cycle count for a soak run (the scenario asks for 100).
const CYCLES = Number(process.env.GREGOR_CRASH_CYCLES ?? 4);
const SENDS_PER_CYCLE = 25;
let broker: BrokerProcess | undefined;
let dataDir: string | undefined;

beforeAll(() => ensureBuilt(), 300_000);

afterEach(async () => {
  await broker?.stop('SIGKILL');
  broker = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('kill -9 under an idempotent producer', () => {
  it(
    'loses, duplicates and reorders nothing that was acknowledged',
    async () => {
      dataDir = tempDataDir();
      const port = await freePort();
      const settings = { 'num.partitions': 3 };
      broker = await spawnBroker(dataDir, settings, port);
      const kafka = new Kafka({
        clientId: 'crash-test',
        brokers: [`127.0.0.1:${port}`],
        logLevel: logLevel.NOTHING,
        retry: { retries: 50, initialRetryTime: 50, maxRetryTime: 500 },
      });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'crash', numPartitions: 3 }] });
      await admin.disconnect();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const acked: string[] = [];
      let sent = 0;
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const killAfter = 5 + Math.floor(Math.random() * (SENDS_PER_CYCLE - 10));
        for (let i = 0; i < SENDS_PER_CYCLE; i++) {
          const values = Array.from({ length: 10 }, () => `m${sent++}`);
          const sending = producer.send({ topic: 'crash', acks: -1, messages: values.map((value, k) => ({ key: `key${k % 6}`, value })) });
          if (i === killAfter) {
            await broker.stop('SIGKILL');
            broker = await spawnBroker(dataDir, settings, port);
          }
          await sending.then(() => acked.push(...values)).catch(() => undefined);
        }
      }
      await producer.disconnect();

      const records = await consumeAll(broker.bootstrap, 'crash');
      const seen = new Map<string, number>();
      for (const record of records) seen.set(record.payload!, (seen.get(record.payload!) ?? 0) + 1);
      const lost = acked.filter((value) => !seen.has(value));
      const duplicated = [...seen].filter(([, count]) => count > 1).map(([value]) => value);
      const reordered = [0, 1, 2].filter((partition) => {
        const order = records.filter((r) => r.partition === partition).map((r) => Number(r.payload!.slice(1)));
        return order.some((n, i) => i > 0 && n < order[i - 1]!);
      });
      expect({ lost, duplicated, reordered }).toEqual({ lost: [], duplicated: [], reordered: [] });
      expect(acked.length).toBeGreaterThan(CYCLES * (SENDS_PER_CYCLE - 2) * 10 * 0.5);
    },
    Math.max(60_000, CYCLES * 15_000),
  );
});

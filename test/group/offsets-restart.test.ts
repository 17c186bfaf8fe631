// Committed offsets survive a broker restart (graceful SIGTERM and SIGKILL): a new consumer of the group
// resumes exactly after the committed offset. The broker runs as a child process.
import { rmSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../support/poll.js';
import { type BrokerProcess, spawnBroker, tempDataDir } from '../support/broker.js';

const settings = { 'group.initial.rebalance.delay.ms': 0 };
let running: BrokerProcess | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  if (running?.child.exitCode === null) await running.stop('SIGKILL');
  running = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const client = (bootstrap: string) =>
  new Kafka({ clientId: 'restart-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50 } });

describe.each(['SIGTERM', 'SIGKILL'] as const)('offsets across a restart (%s)', (signal) => {
  it('a new consumer of the group resumes after the committed offset', async () => {
    dataDir = tempDataDir();
    running = await spawnBroker(dataDir, settings);
    let kafka = client(running.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'resume', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'resume', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v-${i}` })) });
    await producer.disconnect();

    const first = kafka.consumer({ groupId: 'resume-group', maxWaitTimeInMs: 100 });
    await first.connect();
    await first.subscribe({ topic: 'resume', fromBeginning: true });
    let committed = false;
    await first.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (message.offset === '3' && !committed) {
          await first.commitOffsets([{ topic: 'resume', partition: 0, offset: '4', metadata: 'after v-3' }]);
          committed = true;
        }
      },
    });
    await pollUntil(() => committed, 'offset 4 committed', { timeoutMs: 30_000 });
    await first.disconnect();

    expect(await running.stop(signal)).toBe(signal === 'SIGTERM' ? 0 : 'SIGKILL');
    running = await spawnBroker(dataDir, settings);
    kafka = client(running.bootstrap);
    const check = kafka.admin();
    await check.connect();
    const [offsets] = await check.fetchOffsets({ groupId: 'resume-group', topics: ['resume'] });
    await check.disconnect();
    expect(offsets!.partitions).toEqual([{ partition: 0, offset: '4', metadata: 'after v-3' }]);

    const second = kafka.consumer({ groupId: 'resume-group', maxWaitTimeInMs: 100 });
    const seen: string[] = [];
    await second.connect();
    await second.subscribe({ topic: 'resume', fromBeginning: true });
    await second.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await pollUntil(() => seen.length >= 6, 'the rest of the records', { timeoutMs: 30_000 });
    await second.disconnect();
    expect(seen).toEqual(['v-4', 'v-5', 'v-6', 'v-7', 'v-8', 'v-9']);
  });
});

// A running broker compacts and expires its logs through its partition workers: a compacted user topic
// keeps the latest value per key at its original offset, __consumer_offsets shrinks under repeated commits
// and still replays after a restart, retention deletes old segments, and closing leaves no worker thread.
import { Kafka, logLevel } from 'kafkajs';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { Broker } from '../../src/broker/broker.js';
import type { Log } from '../../src/storage/log.js';
import { nativeLogOf } from '../support/native-log.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { readAllRecords } from '../support/log-records.js';
import { pollUntil } from '../support/poll.js';

interface Row {
  readonly offset: bigint;
  readonly key: string;
  readonly value: string;
}

const FAST = { 'log.cleaner.backoff.ms': 50, 'log.retention.check.interval.ms': 50, 'group.initial.rebalance.delay.ms': 0 };
const running: TestBroker[] = [];
const dataDirs: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((broker) => broker.close()));
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(settings: Record<string, string | number> = {}, dataDir?: string): Promise<TestBroker> {
  const broker = await startBroker({ ...FAST, ...settings }, {}, dataDir);
  running.push(broker);
  return broker;
}

const kafka = (bootstrap: string) =>
  new Kafka({ clientId: 'maintenance-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50 } });

function logOf(broker: Broker, topic: string, partition = 0): Log {
  return nativeLogOf(broker.logManager, topic, partition);
}

/** Every record from the log start, copied out of the views, which are released as the reads go. */
function readAll(log: Log): Row[] {
  return readAllRecords(log, (record) => ({ offset: record.offset, key: record.key?.toString('hex') ?? '', value: record.value?.toString('hex') ?? '' }));
}

const bytesOf = (log: Log) => log.segments().reduce((sum, segment) => sum + segment.size, 0);

describe('log maintenance in a running broker', () => {
  it('compacts a cleanup.policy=compact topic: the latest value per key survives at its offset', async () => {
    const { broker, bootstrap } = await start();
    const admin = kafka(bootstrap).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: 'compacted',
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: '1024' },
          ],
        },
      ],
    });
    await admin.disconnect();
    const producer = kafka(bootstrap).producer();
    await producer.connect();
    const produced = new Map<bigint, Row>();
    for (let i = 0; i < 200; i++) {
      const key = `key-${i % 10}`;
      const value = `value-${i}`;
      const [result] = await producer.send({ topic: 'compacted', acks: 1, messages: [{ key, value }] });
      const offset = BigInt(result!.baseOffset!);
      produced.set(offset, { offset, key: Buffer.from(key).toString('hex'), value: Buffer.from(value).toString('hex') });
    }
    await producer.disconnect();

    const log = logOf(broker, 'compacted');
    await pollUntil(() => readAll(log).length < produced.size / 4, 'compacted-0 compacted to a quarter of its records', { timeoutMs: 30_000, intervalMs: 50 });

    const rows = readAll(log);
    for (const row of rows) expect(row).toEqual(produced.get(row.offset));
    const latest = new Map([...produced.values()].map((row) => [row.key, row]));
    for (const row of latest.values()) expect(rows).toContainEqual(row);
  });

  it('compacts __consumer_offsets under repeated commits; the last commit replays after a restart', async () => {
    const settings = { 'offsets.topic.num.partitions': 1, 'offsets.topic.segment.bytes': 1024 };
    const first = await start(settings);
    let admin = kafka(first.bootstrap).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'consumed', numPartitions: 1 }] });
    // Commits as a simple consumer (no member, generation -1), the path kafkajs' admin.setOffsets and
    // standalone consumers take; in process, so nothing else commits in between.
    const commits = 150;
    for (let i = 1; i <= commits; i++) {
      const offsets = [{ topic: 'consumed', partition: 0, offset: BigInt(i), leaderEpoch: -1, metadata: `commit ${i}` }];
      const errors = await first.broker.services.groupCoordinator.commitOffsets('committer', {
        memberId: '',
        groupInstanceId: null,
        generationId: -1,
        offsets,
      });
      expect(errors).toEqual([ErrorCode.NONE]);
    }
    const offsets = logOf(first.broker, '__consumer_offsets');
    await pollUntil(() => readAll(offsets).length < commits / 4, '__consumer_offsets-0 compacted to under a quarter of its commits', {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    expect(offsets.logEndOffset).toBe(BigInt(commits));
    await admin.disconnect();

    // Closed without removing its data, which the second broker opens.
    running.splice(running.indexOf(first), 1);
    dataDirs.push(first.dataDir);
    await first.broker.close();
    const second = await start(settings, first.dataDir);
    admin = kafka(second.bootstrap).admin();
    await admin.connect();
    const [fetched] = await admin.fetchOffsets({ groupId: 'committer', topics: ['consumed'] });
    await admin.disconnect();
    expect(fetched!.partitions).toEqual([{ partition: 0, offset: String(commits), metadata: `commit ${commits}` }]);
  });

  it('deletes segments past retention.bytes of a delete topic', async () => {
    const { broker, bootstrap } = await start();
    const admin = kafka(bootstrap).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: 'expiring',
          numPartitions: 1,
          configEntries: [
            { name: 'segment.bytes', value: '1024' },
            { name: 'retention.bytes', value: '2048' },
          ],
        },
      ],
    });
    await admin.disconnect();
    const producer = kafka(bootstrap).producer();
    await producer.connect();
    for (let i = 0; i < 60; i++) await producer.send({ topic: 'expiring', acks: 1, messages: [{ value: `value-${i}`.padEnd(100, '.') }] });
    await producer.disconnect();

    const log = logOf(broker, 'expiring');
    await pollUntil(() => log.logStartOffset > 0n && bytesOf(log) <= 2048 + 1024, 'expiring-0 within retention.bytes', { timeoutMs: 30_000, intervalMs: 50 });
    expect(log.logEndOffset).toBe(60n);
    expect(readAll(log)[0]!.offset).toBe(log.logStartOffset);
  });

  it('runs its partition workers while open and ends every worker thread on close', async () => {
    const { broker } = await start();
    const workers = broker.maintenance!.workers;
    expect(workers.threadIds().length).toBe(workers.poolCount);
    await broker.maintenance!.maintenance.enforceRetentionNow();
    expect(broker.workerQueueDepth).toBe(0);
    await broker.close();
    expect(workers.threadIds()).toEqual([]);
  });
});

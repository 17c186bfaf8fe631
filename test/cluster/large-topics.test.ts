// Topics of more partitions than etcd takes operations in one transaction (its default --max-txn-ops is 128),
// on three brokers sharing a real etcd: created, grown and deleted whole, and raced for by two brokers.
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMetadataStore } from '../../src/cluster/store/etcd-store.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type TestBroker, startBroker } from '../support/broker.js';
import { etcdBrokerSettings, etcdMissing, useEtcd } from '../support/etcd.js';
import { pollUntil } from '../support/poll.js';

const ADMIN_TIMEOUT_MS = 60_000;

describe.skipIf(etcdMissing !== undefined)('topics of a thousand partitions on a cluster of three brokers', () => {
  const etcd = useEtcd();
  const brokers: TestBroker[] = [];

  beforeAll(async () => {
    const cluster = `test-${randomUUID()}`;
    for (let nodeId = 1; nodeId <= 3; nodeId++) {
      // Kafka's default session (9 s): no broker is stopped here, so a short one would buy nothing.
      brokers.push(await startBroker(etcdBrokerSettings(etcd, cluster, nodeId, { 'broker.session.timeout.ms': 9_000 })));
    }
    await pollUntil(() => brokers.every((b) => b.broker.metadata.brokers().length === 3), 'every broker to see the other two');
  }, 60_000);
  afterAll(async () => {
    for (const broker of brokers.splice(0).reverse()) await broker.close();
  });

  function admin(broker: TestBroker) {
    return new Kafka({
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      requestTimeout: ADMIN_TIMEOUT_MS,
      retry: { retries: 10, initialRetryTime: 100 },
    }).admin();
  }

  function partitionCounts(topic: string): (number | undefined)[] {
    return brokers.map((b) => b.broker.metadata.topic(topic)?.partitions.length);
  }

  /** The partition-state keys in etcd, by topic id. */
  async function partitionKeys(): Promise<Map<string, number>> {
    const store = new EtcdMetadataStore([etcd.endpoint]);
    try {
      const counts = new Map<string, number>();
      for (const { key } of (await store.range('')).kvs) {
        const topicId = /\/partitions\/([^/]+)\//.exec(key)?.[1];
        if (topicId !== undefined) counts.set(topicId, (counts.get(topicId) ?? 0) + 1);
      }
      return counts;
    } finally {
      await store.close();
    }
  }

  it('creates a 1,000-partition topic, grows it to 1,500 and deletes it, every broker seeing each step whole', async () => {
    const topic = `large-${randomUUID()}`;
    // What each broker is told of the topic: its partition count when created, each time it grows, when deleted.
    const told = brokers.map(() => [] as string[]);
    for (const [i, broker] of brokers.entries()) {
      await broker.broker.metadata.subscribe({
        topicCreated: (created) => void (created.name === topic && told[i]!.push(`created ${created.partitions.length}`)),
        partitionsCreated: (grown, first) => void (grown.name === topic && told[i]!.push(`grown ${first}..${grown.partitions.length}`)),
        topicDeleted: (deleted) => void (deleted.name === topic && told[i]!.push(`deleted ${deleted.partitions.length}`)),
      });
    }
    const client = admin(brokers[0]!);
    await client.connect();
    try {
      expect(
        await client.createTopics({ topics: [{ topic, numPartitions: 1000, replicationFactor: 1 }], waitForLeaders: false, timeout: ADMIN_TIMEOUT_MS }),
      ).toBe(true);
      await pollUntil(() => partitionCounts(topic).every((count) => count === 1000), 'every broker to know the 1,000 partitions', { timeoutMs: 60_000 });
      const { topicId, partitions } = brokers[0]!.broker.metadata.topic(topic)!;
      const leaders = partitions.map((p) => p.leader);
      for (const nodeId of [1, 2, 3]) expect(leaders.filter((leader) => leader === nodeId).length).toBeGreaterThan(300);

      await client.createPartitions({ topicPartitions: [{ topic, count: 1500 }], timeout: ADMIN_TIMEOUT_MS });
      await pollUntil(() => partitionCounts(topic).every((count) => count === 1500), 'every broker to know the 1,500 partitions', { timeoutMs: 60_000 });
      // Listeners are told after the view changes: wait for each broker's second notification.
      await pollUntil(() => told.every((steps) => steps.length >= 2), 'every broker to be told of the growth');
      expect(told).toEqual(brokers.map(() => ['created 1000', 'grown 1000..1500']));
      expect((await partitionKeys()).get(topicId)).toBe(1500);

      await client.deleteTopics({ topics: [topic], timeout: ADMIN_TIMEOUT_MS });
      await pollUntil(() => partitionCounts(topic).every((count) => count === undefined), 'every broker to drop the topic', { timeoutMs: 60_000 });
      await pollUntil(() => told.every((steps) => steps.length >= 3), 'every broker to be told of the deletion');
      expect(told).toEqual(brokers.map(() => ['created 1000', 'grown 1000..1500', 'deleted 1500']));
      expect((await partitionKeys()).get(topicId)).toBeUndefined();
    } finally {
      await client.disconnect();
    }
  }, 180_000);

  it('lets one of two brokers creating the same 1,000-partition topic at once win; the other answers TOPIC_ALREADY_EXISTS', async () => {
    const topic = `raced-${randomUUID()}`;
    const before = await partitionKeys();
    const results = await Promise.allSettled(
      [brokers[1]!, brokers[2]!].map((broker) => broker.broker.metadata.createTopic(topic, { numPartitions: 1000, replicationFactor: 1 })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((result) => result.status === 'rejected')).toMatchObject({ reason: { code: ErrorCode.TOPIC_ALREADY_EXISTS } });
    await pollUntil(() => partitionCounts(topic).every((count) => count === 1000), 'every broker to know the winner’s topic', { timeoutMs: 60_000 });
    const winner = brokers[0]!.broker.metadata.topic(topic)!.topicId;
    expect(brokers.every((b) => b.broker.metadata.topic(topic)?.topicId === winner)).toBe(true);
    // The loser's partition states, written before it lost the name, are gone again.
    const added = [...(await partitionKeys())].filter(([topicId]) => !before.has(topicId));
    expect(added).toEqual([[winner, 1000]]);
  }, 180_000);
});

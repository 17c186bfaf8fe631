// What a broker that was down while topics were deleted finds on its disk when it comes back, over a real
// etcd with three brokers: the logs of a deleted topic are gone, and so are those of a topic deleted and
// created again under the same name (another topic id) with fewer partitions; when that topic grows back onto
// the broker, its partitions start empty and consumers read only the records written to the new topic. A
// single node does the same with the logs a crash left between deleting a topic's metadata and its logs.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Kafka, type Message, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { LogManager } from '../../src/storage/log-manager.js';
import { type TestBroker, startBroker, tempDataDir } from '../support/broker.js';
import { etcdBrokerSettings, etcdMissing, useClusterBrokers, useEtcd } from '../support/etcd.js';
import { consumeRecords, produceAcked } from '../support/kafkajs-records.js';
import { pollUntil } from '../support/poll.js';

describe.skipIf(etcdMissing !== undefined)('stray logs of a broker that was down while topics were deleted', () => {
  const etcd = useEtcd();
  const clusterName = `stray-${randomUUID()}`;
  function settings(nodeId: number) {
    return etcdBrokerSettings(etcd, clusterName, nodeId, { 'replica.fetch.backoff.ms': 100, 'offsets.topic.num.partitions': 1 });
  }

  const { brokers, brokerOf } = useClusterBrokers(3, settings);

  function kafka(): Kafka {
    return new Kafka({ brokers: [brokerOf(1).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  }

  async function admin<T>(action: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
    const client = kafka().admin();
    await client.connect();
    try {
      return await action(client);
    } finally {
      await client.disconnect();
    }
  }

  /** Waits until every live broker has applied the topic with `partitions` partitions (0: deleted). */
  async function applied(topic: string, partitions: number): Promise<void> {
    await pollUntil(
      () => brokers.every((b) => (b.broker.metadata.topic(topic)?.partitions.length ?? 0) === partitions),
      `every broker to see ${topic} with ${partitions} partition(s)`,
    );
  }

  const produce = (topic: string, records: Message[]): Promise<void> => produceAcked(kafka(), topic, records);
  const consume = async (topic: string, count: number): Promise<string[]> =>
    (await consumeRecords(kafka(), topic, count, (partition, value) => `${partition}:${value}`)).sort();

  /** The partition directories of `topic` in the broker's log dir. */
  function partitionDirs(broker: TestBroker, topic: string): string[] {
    return readdirSync(broker.dataDir).filter((name) => new RegExp(`^${topic}-\\d+$`).test(name));
  }

  it('deletes them when the broker comes back; the topic created again under the same name starts empty there', async () => {
    await admin((a) =>
      a.createTopics({
        topics: [
          { topic: 'deleted', replicaAssignment: [{ partition: 0, replicas: [3, 2] }] },
          {
            topic: 'recreated',
            replicaAssignment: [
              { partition: 0, replicas: [1, 3] },
              { partition: 1, replicas: [2, 3] },
              { partition: 2, replicas: [3, 1] },
            ],
          },
        ],
      }),
    );
    await applied('deleted', 1);
    await applied('recreated', 3);
    await produce('deleted', [{ partition: 0, value: 'old' }]);
    await produce(
      'recreated',
      [0, 1, 2].map((partition) => ({ partition, value: 'old' })),
    );
    const third = brokerOf(3);
    expect(partitionDirs(third, 'deleted')).toEqual(['deleted-0']);
    expect(partitionDirs(third, 'recreated').sort()).toEqual(['recreated-0', 'recreated-1', 'recreated-2']);

    // Broker 3 stops; meanwhile both topics are deleted and one is created again, smaller, on the others.
    brokers.splice(brokers.indexOf(third), 1);
    await third.broker.close();
    await pollUntil(() => brokerOf(1).broker.metadata.brokers().length === 2, 'broker 3 to be gone');
    await admin((a) => a.deleteTopics({ topics: ['deleted', 'recreated'] }));
    await applied('deleted', 0);
    await applied('recreated', 0);
    await admin((a) => a.createTopics({ topics: [{ topic: 'recreated', replicaAssignment: [{ partition: 0, replicas: [1, 2] }] }] }));
    await applied('recreated', 1);
    expect(existsSync(`${third.dataDir}/recreated-2`)).toBe(true);

    // Back on its data: what it held of both topics is gone before it serves anything.
    brokers.push(await startBroker(settings(3), {}, third.dataDir));
    await pollUntil(() => brokers.every((b) => b.broker.metadata.brokers().length === 3), 'every broker to see broker 3 again');
    const back = brokerOf(3);
    expect(partitionDirs(back, 'deleted')).toEqual([]);
    expect(partitionDirs(back, 'recreated')).toEqual([]);
    expect([...back.broker.logManager.logDirs()].every((d) => d.online)).toBe(true);

    // The topic grows back onto broker 3 (partitions 1 and 2 again) and the deleted name is created again there.
    await admin((a) =>
      a.createPartitions({
        topicPartitions: [
          {
            topic: 'recreated',
            count: 3,
            assignments: [
              [2, 3],
              [3, 1],
            ],
          },
        ],
      }),
    );
    await admin((a) => a.createTopics({ topics: [{ topic: 'deleted', replicaAssignment: [{ partition: 0, replicas: [3] }] }] }));
    await applied('recreated', 3);
    await applied('deleted', 1);
    await pollUntil(
      () =>
        [1, 2].every((p) => back.broker.replicaManager.partition('recreated', p) !== undefined) &&
        back.broker.replicaManager.partition('deleted', 0) !== undefined,
      "broker 3's replicas of the new topics to open",
    );
    await produce(
      'recreated',
      [0, 1, 2].map((partition) => ({ partition, value: 'new' })),
    );
    await produce('deleted', [{ partition: 0, value: 'new' }]);

    const offsets = await admin((a) => a.fetchTopicOffsets('recreated'));
    expect(offsets.sort((a, b) => a.partition - b.partition).map((o) => [o.low, o.high])).toEqual([
      ['0', '1'],
      ['0', '1'],
      ['0', '1'],
    ]);
    expect(await consume('recreated', 3)).toEqual(['0:new', '1:new', '2:new']);
    expect(await consume('deleted', 1)).toEqual(['0:new']);
    // Broker 3's replicas (the follower of partition 1, the leader of 2) hold only the new records too.
    await pollUntil(() => back.broker.replicaManager.partition('recreated', 1)!.logEndOffset === 1n, "broker 3's follower of partition 1 to catch up");
    expect(back.broker.replicaManager.partition('recreated', 2)!.logEndOffset).toBe(1n);
  }, 120_000);
});

describe('stray logs of a single node', () => {
  it('deletes at start the logs its metadata has no partition for (a crash between deleting the metadata and the logs)', async () => {
    const dataDir = tempDataDir();
    try {
      const first = await startBroker({}, {}, dataDir);
      await first.broker.metadata.createTopic('kept', { numPartitions: 1 });
      await first.broker.close();
      const leftovers = await LogManager.open({ logDirs: [dataDir] });
      leftovers.getOrCreateLog('ghost', 0, randomUUID());
      leftovers.getOrCreateLog('kept', 1, first.broker.metadata.topic('kept')!.topicId);
      await leftovers.close();

      const again = await startBroker({}, {}, dataDir);
      try {
        expect(readdirSync(dataDir).filter((name) => /^(ghost|kept)-\d+$/.test(name))).toEqual(['kept-0']);
        expect(again.broker.replicaManager.partition('kept', 0)).toBeDefined();
        // The name is free: created again it starts empty.
        await again.broker.metadata.createTopic('ghost', { numPartitions: 1 });
        expect(again.broker.replicaManager.partition('ghost', 0)!.logEndOffset).toBe(0n);
      } finally {
        await again.broker.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});

// Topics spread over three brokers sharing a real etcd: replicas placed over the live brokers, each broker
// holding only its own partitions, kafkajs and kcat following the leaders, and a broker that does not lead a
// partition answering NOT_LEADER_OR_FOLLOWER with the leader (KIP-951).
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { fetchRequest } from '../../bench/lib/fetch-request.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { offsetsPartitionFor } from '../../src/group/offsets-partition.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { type TestBroker, startBroker } from '../support/broker.js';
import { etcdBrokerSettings, etcdMissing, useEtcd } from '../support/etcd.js';
import { coordinatorOf } from '../support/group-coordinator.js';
import { consumeAll, hasKcat, kcat } from '../support/kcat.js';
import { pollUntil } from '../support/poll.js';

const PARTITIONS = 6;

describe.skipIf(etcdMissing !== undefined)('topics spread over a cluster of three brokers', () => {
  const etcd = useEtcd();
  const brokers: TestBroker[] = [];

  beforeAll(async () => {
    const cluster = `test-${randomUUID()}`;
    for (let nodeId = 1; nodeId <= 3; nodeId++) {
      brokers.push(await startBroker(etcdBrokerSettings(etcd, cluster, nodeId)));
    }
    await pollUntil(() => brokers.every((b) => b.broker.metadata.brokers().length === 3), 'every broker to see the other two');
  }, 60_000);
  afterAll(async () => {
    for (const broker of brokers.splice(0).reverse()) await broker.close();
  });

  function kafka(bootstrap = brokers[0]!.bootstrap): Kafka {
    return new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  }

  /** Creates the topic through kafkajs's admin and waits for every broker to have applied it. */
  async function createTopic(topic: string): Promise<void> {
    const admin = kafka().admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: false })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    await pollUntil(() => brokers.every((b) => b.broker.metadata.topic(topic)?.partitions.length === PARTITIONS), 'every broker to know the topic');
  }

  function leaders(topic: string): number[] {
    return brokers[0]!.broker.metadata.topic(topic)!.partitions.map((p) => p.leader);
  }

  function brokerOf(nodeId: number): TestBroker {
    return brokers.find((b) => b.broker.metadata.nodeId === nodeId)!;
  }

  it('spreads the leaders of a 6-partition topic over the three brokers, each holding only its own partitions, and every broker describes it alike', async () => {
    const topic = `spread-${randomUUID()}`;
    await createTopic(topic);
    const placed = leaders(topic);
    for (const nodeId of [1, 2, 3]) expect(placed.filter((leader) => leader === nodeId)).toHaveLength(2);
    for (const broker of brokers) {
      const own = broker.broker.metadata.nodeId;
      for (let partition = 0; partition < PARTITIONS; partition++) {
        expect(broker.broker.replicaManager.partition(topic, partition) !== undefined).toBe(placed[partition] === own);
      }
    }
    const views = await Promise.all(
      brokers.map(async (b) => {
        const admin = kafka(b.bootstrap).admin();
        await admin.connect();
        try {
          const [described] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
          return described!.partitions
            .map((p) => ({ partition: p.partitionId, leader: p.leader, error: p.partitionErrorCode, replicas: p.replicas }))
            .sort((a, b) => a.partition - b.partition);
        } finally {
          await admin.disconnect();
        }
      }),
    );
    expect(views[0]!.map((p) => p.leader)).toEqual(placed);
    expect(views[0]!.every((p) => p.error === ErrorCode.NONE && p.replicas.length === 1 && p.replicas[0] === p.leader)).toBe(true);
    for (const view of views) expect(view).toEqual(views[0]);
  }, 60_000);

  it('lets one of two brokers creating the same name at once win; the other answers TOPIC_ALREADY_EXISTS', async () => {
    const topic = `race-${randomUUID()}`;
    const outcomes = await Promise.allSettled(brokers.slice(0, 2).map((b) => b.broker.metadata.createTopic(topic, { numPartitions: 3, replicationFactor: 1 })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const [refused] = outcomes.filter((o) => o.status === 'rejected');
    expect(refused!.reason).toBeInstanceOf(KafkaError);
    expect((refused!.reason as KafkaError).code).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    await pollUntil(() => brokers.every((b) => b.broker.metadata.topic(topic)?.partitions.length === 3), 'every broker to know the topic');
    const topicIds = new Set(brokers.map((b) => b.broker.metadata.topic(topic)!.topicId));
    expect(topicIds.size).toBe(1);
  }, 30_000);

  it('places partitions added through kafkajs over the brokers too', async () => {
    const topic = `grown-${randomUUID()}`;
    await createTopic(topic);
    const admin = kafka(brokers[2]!.bootstrap).admin();
    await admin.connect();
    try {
      await admin.createPartitions({ topicPartitions: [{ topic, count: PARTITIONS + 3 }] });
    } finally {
      await admin.disconnect();
    }
    await pollUntil(
      () => brokers.every((b) => b.broker.metadata.topic(topic)?.partitions.length === PARTITIONS + 3),
      'every broker to know the new partitions',
    );
    expect(new Set(leaders(topic).slice(PARTITIONS))).toEqual(new Set([1, 2, 3]));
    // A broker learns of the partitions before its replica manager has opened them (it opens after the change).
    const openedByLeaders = () =>
      leaders(topic)
        .slice(PARTITIONS)
        .every((leader, i) => brokerOf(leader).broker.replicaManager.partition(topic, PARTITIONS + i) !== undefined);
    await pollUntil(openedByLeaders, 'each new partition to be opened by its leader');
  }, 30_000);

  it('takes the replicas a CreateTopics or CreatePartitions request assigns, on live brokers only', async () => {
    const topic = `assigned-${randomUUID()}`;
    const client = await RawClient.connect(brokers[0]!.bootstrap);
    try {
      const assignments = [[3], [2], [3]].map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds }));
      const created = await client.request(ApiKey.CreateTopics, 7, {
        topics: [{ name: topic, numPartitions: -1, replicationFactor: -1, assignments, configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
      const unknownBroker = await client.request(ApiKey.CreateTopics, 7, {
        topics: [{ name: `${topic}-x`, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [7] }], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      expect(unknownBroker.topics[0].errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
      const grown = await client.request(ApiKey.CreatePartitions, 3, {
        topics: [{ name: topic, count: 4, assignments: [{ brokerIds: [1] }] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      expect(grown.results[0].errorCode).toBe(ErrorCode.NONE);
    } finally {
      client.close();
    }
    await pollUntil(() => brokers.every((b) => b.broker.metadata.topic(topic)?.partitions.length === 4), 'every broker to know the topic');
    expect(leaders(topic)).toEqual([3, 2, 3, 1]);
    expect(brokerOf(3).broker.replicaManager.partition(topic, 2)).toBeDefined();
    expect(brokerOf(1).broker.replicaManager.partition(topic, 3)).toBeDefined();
  }, 30_000);

  it('serves kafkajs: keyed records produced through one bootstrap reach every leader and a consumer group reads them all back', async () => {
    const topic = `kafkajs-${randomUUID()}`;
    await createTopic(topic);
    const client = kafka();
    const producer = client.producer();
    await producer.connect();
    const sent = Array.from({ length: 60 }, (_, i) => ({ key: `key-${i}`, value: `value-${i}` }));
    try {
      await producer.send({ topic, messages: sent });
    } finally {
      await producer.disconnect();
    }
    const filled = brokers.map(
      (b) => [...Array(PARTITIONS).keys()].filter((p) => (b.broker.replicaManager.partition(topic, p)?.highWatermark ?? 0n) > 0n).length,
    );
    expect(filled.filter((count) => count > 0)).toHaveLength(3);

    // Through a broker that does not coordinate groups: FindCoordinator sends the consumer to the one that does.
    const groupId = `group-${randomUUID()}`;
    const coordinator = await coordinatorOf(brokers[0]!.bootstrap, groupId);
    expect(await Promise.all(brokers.map((b) => coordinatorOf(b.bootstrap, groupId)))).toEqual([coordinator, coordinator, coordinator]);
    const consumer = kafka(brokers.find((b) => b.broker.metadata.nodeId !== coordinator)!.bootstrap).consumer({ groupId });
    const received: { key: string; value: string; partition: number }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message, partition }) => {
          received.push({ key: message.key!.toString(), value: message.value!.toString(), partition });
        },
      });
      await pollUntil(() => received.length >= sent.length, 'the consumer to read every record', { timeoutMs: 30_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(received.map(({ key, value }) => ({ key, value })).sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      [...sent].sort((a, b) => a.key.localeCompare(b.key)),
    );
    // One key, one partition.
    for (const { key } of sent) expect(new Set(received.filter((r) => r.key === key).map((r) => r.partition)).size).toBe(1);
    const admin = kafka(brokers[1]!.bootstrap).admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(committed!.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(sent.length);
    } finally {
      await admin.disconnect();
    }
  }, 90_000);

  it.skipIf(!hasKcat())(
    'serves kcat: -L lists the three brokers and the leaders, and records produced through one broker are consumed through another',
    async () => {
      const topic = `kcat-${randomUUID()}`;
      await createTopic(topic);
      const listing = await kcat(['-b', brokers[0]!.bootstrap, '-L', '-t', topic]);
      expect(listing).toMatch(/3 brokers:/);
      for (const broker of brokers) expect(listing).toContain(`broker ${broker.broker.metadata.nodeId} at ${broker.bootstrap}`);
      for (const [partition, leader] of leaders(topic).entries()) expect(listing).toMatch(new RegExp(`partition ${partition}, leader ${leader},`));

      const lines = Array.from({ length: 30 }, (_, i) => `k${i}:v${i}`);
      await kcat(['-b', brokers[1]!.bootstrap, '-P', '-t', topic, '-K', ':'], `${lines.join('\n')}\n`);
      const consumed = await consumeAll(brokers[2]!.bootstrap, topic);
      expect(consumed.map((m) => `${m.key}:${m.payload}`).sort()).toEqual([...lines].sort());
      expect(new Set(consumed.map((m) => m.partition)).size).toBeGreaterThan(1);
    },
    60_000,
  );

  it('refuses replication factor 4 on three brokers with INVALID_REPLICATION_FACTOR', async () => {
    const client = await RawClient.connect(brokers[1]!.bootstrap);
    try {
      const response = await client.request(ApiKey.CreateTopics, 7, {
        topics: [{ name: `rf4-${randomUUID()}`, numPartitions: 3, replicationFactor: 4, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      expect(response.topics[0].errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    } finally {
      client.close();
    }
  }, 30_000);

  it('answers Produce, Fetch, ListOffsets and OffsetForLeaderEpoch for a partition led elsewhere with NOT_LEADER_OR_FOLLOWER, and Produce v11 and Fetch v16 with the leader and its endpoint', async () => {
    const topic = `wrong-broker-${randomUUID()}`;
    await createTopic(topic);
    const leader = leaders(topic)[0]!;
    const wrong = brokers.find((b) => b.broker.metadata.nodeId !== leader)!;
    const leaderEndpoint = brokerOf(leader).bootstrap;
    const client = await RawClient.connect(wrong.bootstrap);
    try {
      const produced = await client.request(ApiKey.Produce, 11, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: native.buildRecordBatch({ values: [Buffer.from('misdirected')] }) }] }],
      });
      const partition = produced.responses[0].partitionResponses[0];
      expect(partition.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect(partition.currentLeader).toEqual({ leaderId: leader, leaderEpoch: 0 });
      expect(produced.nodeEndpoints.map((e: { nodeId: number; host: string; port: number }) => ({ nodeId: e.nodeId, at: `${e.host}:${e.port}` }))).toEqual([
        { nodeId: leader, at: leaderEndpoint },
      ]);

      const topicId = wrong.broker.metadata.topic(topic)!.topicId;
      const fetched = await client.request(ApiKey.Fetch, 16, fetchRequest({ topicId }));
      const fetchedPartition = fetched.responses[0].partitions[0];
      expect(fetchedPartition.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect(fetchedPartition.currentLeader).toEqual({ leaderId: leader, leaderEpoch: 0 });
      expect(fetched.nodeEndpoints.map((e: { nodeId: number }) => e.nodeId)).toEqual([leader]);

      const listed = await client.request(ApiKey.ListOffsets, 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
      });
      expect(listed.topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);

      const epochs = await client.request(ApiKey.OffsetForLeaderEpoch, 4, {
        replicaId: -1,
        topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }],
      });
      expect(epochs.topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    } finally {
      client.close();
    }
    expect(brokerOf(leader).broker.replicaManager.partition(topic, 0)!.logEndOffset).toBe(0n);
  }, 60_000);
  it('answers a batched FindCoordinator (v4) with the leader of each group’s __consumer_offsets partition, at its address, through any broker', async () => {
    await coordinatorOf(brokers[0]!.bootstrap, 'creates-the-offsets-topic');
    const offsets = brokers[0]!.broker.metadata.topic('__consumer_offsets')!;
    expect(offsets.partitions).toHaveLength(50);
    expect(offsets.partitions.every((p) => p.replicas.length === 3)).toBe(true);
    // One group on a partition led by each broker.
    const groups = [1, 2, 3].map((nodeId) => {
      for (let i = 0; ; i++) {
        const groupId = `batch-${nodeId}-${i}`;
        if (offsets.partitions[offsetsPartitionFor(groupId, 50)]!.leader === nodeId) return groupId;
      }
    });
    for (const through of brokers) {
      const client = await RawClient.connect(through.bootstrap);
      try {
        const answer = await client.request(ApiKey.FindCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: groups });
        expect(
          answer.coordinators.map((c: { key: string; errorCode: number; nodeId: number; port: number }) => [c.key, c.errorCode, c.nodeId, c.port]),
        ).toEqual(groups.map((groupId, i) => [groupId, ErrorCode.NONE, i + 1, brokerOf(i + 1).broker.port]));
      } finally {
        client.close();
      }
    }
  });
});

// Replication between three brokers sharing their metadata in a real etcd: followers fetch from their
// leader, acks=all is answered once the ISR has the batch, every replica's log is identical byte for byte,
// a lagging follower leaves the ISR (NOT_ENOUGH_REPLICAS below min.insync.replicas), and after a failover
// (the partition state written here as the controller would) the idempotent producer goes on without
// duplicates and the old leader, restarted, truncates and follows.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../src/config/broker-config.js';
import type { MetadataStore } from '../../src/cluster/store/metadata-store.js';
import { openMetadataStore } from '../../src/cluster/store/open-store.js';
import { type PartitionState, SharedMetadata } from '../../src/cluster/store/shared-metadata.js';
import { type TestBroker, startBroker, tempDataDir } from '../support/broker.js';
import { TestEtcd, etcdMissing } from '../support/etcd.js';
import { pollUntil } from '../support/poll.js';

const SESSION_TIMEOUT_MS = 2_000;
const LAG_TIME_MS = 1_500;

describe.skipIf(etcdMissing !== undefined)('replication between three brokers', () => {
  let etcd: TestEtcd;
  let clusterName: string;
  let store: MetadataStore | undefined;
  const brokers: TestBroker[] = [];

  beforeAll(async () => {
    etcd = await TestEtcd.start();
  }, 30_000);
  afterAll(async () => {
    await etcd?.destroy();
  });
  afterEach(async () => {
    for (const broker of brokers.splice(0).reverse()) await broker.close();
    await store?.close();
    store = undefined;
  });

  function settings(nodeId: number, lagTimeMs = LAG_TIME_MS): Record<string, string | number> {
    return {
      'node.id': nodeId,
      'gregor.metadata.store': 'etcd',
      'gregor.etcd.endpoints': etcd.endpoint,
      'gregor.cluster.name': clusterName,
      'broker.session.timeout.ms': SESSION_TIMEOUT_MS,
      'replica.lag.time.max.ms': lagTimeMs,
      'replica.fetch.backoff.ms': 100,
    };
  }

  async function startCluster(lagTimeMs = LAG_TIME_MS): Promise<void> {
    clusterName = `replication-${randomUUID()}`;
    for (let nodeId = 1; nodeId <= 3; nodeId++) brokers.push(await startBroker(settings(nodeId, lagTimeMs), {}, tempDataDir()));
    await pollUntil(() => brokers.every((b) => b.broker.metadata.brokers().length === 3), 'every broker to see the three');
  }

  function brokerOf(nodeId: number): TestBroker {
    return brokers.find((b) => b.broker.metadata.nodeId === nodeId)!;
  }

  function kafka(bootstrap = brokers[0]!.bootstrap) {
    return new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  }

  async function createTopic(topic: string, configs: Record<string, string> = {}): Promise<void> {
    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic, numPartitions: 2, replicationFactor: 3, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
      });
    } finally {
      await admin.disconnect();
    }
    await pollUntil(() => brokers.every((b) => [0, 1].every((p) => b.broker.replicaManager.partition(topic, p) !== undefined)), 'every replica to open');
  }

  /** Writes a partition's state into the store as the controller would (leader elections are the controller's). */
  async function writePartitionState(topic: string, partition: number, change: (state: PartitionState) => PartitionState): Promise<void> {
    store ??= await openMetadataStore(BrokerConfig.create(settings(1)), { clusterId: clusterName, localFile: '' });
    const shared = new SharedMetadata(store);
    const topicId = (await shared.topics()).find((t) => t.name === topic)!.topicId;
    const current = (await shared.partitionState(topicId, partition))!;
    expect(await shared.updatePartitionState(topicId, partition, current, change(current.value))).toBeDefined();
  }

  /** Each replica's batches up to its high watermark, as bytes. */
  function replicaBytes(broker: TestBroker, topic: string, partition: number): Buffer {
    const replica = broker.broker.replicaManager.partition(topic, partition)!;
    const read = replica.read(replica.logStartOffset, 1 << 30, false);
    const bytes = Buffer.concat(read.views);
    read.release();
    return bytes;
  }

  /** Waits until every live replica has the leader's log end and high watermark, then says they hold the same bytes. */
  async function expectIdenticalReplicas(topic: string, partition: number, live = brokers): Promise<void> {
    const leaderId = live[0]!.broker.metadata.topic(topic)!.partitions[partition]!.leader;
    const leader = brokerOf(leaderId).broker.replicaManager.partition(topic, partition)!;
    await pollUntil(
      () =>
        live.every((b) => {
          const replica = b.broker.replicaManager.partition(topic, partition)!;
          return replica.logEndOffset === leader.logEndOffset && replica.highWatermark === leader.logEndOffset;
        }),
      `every replica of ${topic}-${partition} to catch up`,
    );
    const expected = replicaBytes(brokerOf(leaderId), topic, partition);
    expect(expected.length).toBeGreaterThan(0);
    for (const broker of live) expect(replicaBytes(broker, topic, partition).equals(expected)).toBe(true);
  }

  async function produce(topic: string, values: readonly string[], partition: number): Promise<void> {
    const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition })) });
    } finally {
      await producer.disconnect();
    }
  }

  it('answers kafkajs acks=all once the ISR has the batches, and every replica holds the same bytes with the same epochs', async () => {
    await startCluster();
    const topic = `rf3-${randomUUID()}`;
    await createTopic(topic, { 'min.insync.replicas': '2' });
    for (const partition of [0, 1]) {
      for (let round = 0; round < 3; round++)
        await produce(
          topic,
          Array.from({ length: 20 }, (_, i) => `p${partition}-r${round}-${i}`),
          partition,
        );
    }
    for (const partition of [0, 1]) {
      await expectIdenticalReplicas(topic, partition);
      const epochs = brokers.map((b) => b.broker.replicaManager.partition(topic, partition)!.log.leaderEpochs());
      for (const entries of epochs) expect(entries).toEqual([{ epoch: 0, startOffset: 0n }]);
      const leader = brokers[0]!.broker.metadata.topic(topic)!.partitions[partition]!.leader;
      expect(brokerOf(leader).broker.replicaManager.partition(topic, partition)!.highWatermark).toBe(60n);
    }
  }, 90_000);

  it('drops a stopped follower from the ISR after replica.lag.time.max.ms; below min.insync.replicas acks=all gets NOT_ENOUGH_REPLICAS', async () => {
    await startCluster();
    const topic = `isr-${randomUUID()}`;
    await createTopic(topic, { 'min.insync.replicas': '3' });
    await produce(topic, ['before'], 0);
    const state = brokers[0]!.broker.metadata.topic(topic)!.partitions[0]!;
    const follower = state.replicas.find((id) => id !== state.leader)!;
    const stopped = brokers.splice(
      brokers.findIndex((b) => b.broker.metadata.nodeId === follower),
      1,
    )[0]!;
    await stopped.close();
    await pollUntil(
      () => brokerOf(state.leader).broker.metadata.topic(topic)!.partitions[0]!.isr.length === 2,
      'the leader to drop the stopped follower from the ISR',
      { timeoutMs: LAG_TIME_MS * 4 + 5_000 },
    );
    expect(brokerOf(state.leader).broker.metadata.topic(topic)!.partitions[0]!.isr).not.toContain(follower);
    const producer = new Kafka({ brokers: [brokerOf(state.leader).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
    await producer.connect();
    try {
      await expect(producer.send({ topic, acks: -1, messages: [{ value: 'refused', partition: 0 }] })).rejects.toMatchObject({
        cause: { type: 'NOT_ENOUGH_REPLICAS' },
      });
    } finally {
      await producer.disconnect();
    }
    const leader = brokerOf(state.leader).broker.replicaManager.partition(topic, 0)!;
    expect(leader.logEndOffset).toBe(1n);
  }, 90_000);

  it('answers acks=all REQUEST_TIMED_OUT when an ISR follower stopped fetching and the request timeout passes first', async () => {
    await startCluster(60_000);
    const topic = `timeout-${randomUUID()}`;
    await createTopic(topic, { 'min.insync.replicas': '2' });
    await produce(topic, ['before'], 0);
    const state = brokers[0]!.broker.metadata.topic(topic)!.partitions[0]!;
    const follower = brokerOf(state.replicas.find((id) => id !== state.leader)!);
    brokers.splice(brokers.indexOf(follower), 1);
    await follower.close();
    const producer = new Kafka({ brokers: [brokerOf(state.leader).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
    await producer.connect();
    try {
      await expect(producer.send({ topic, acks: -1, timeout: 1_000, messages: [{ value: 'late', partition: 0 }] })).rejects.toMatchObject({
        cause: { type: 'REQUEST_TIMED_OUT' },
      });
    } finally {
      await producer.disconnect();
    }
    // As Kafka, the batch stays in the leader's log; only the acknowledgement timed out.
    const leader = brokerOf(state.leader).broker.replicaManager.partition(topic, 0)!;
    expect([leader.logEndOffset, leader.highWatermark]).toEqual([2n, 1n]);
  }, 90_000);

  it('truncates what an old leader wrote alone (acks=1) once it follows the leader elected after it, to the end of the epoch they share', async () => {
    await startCluster();
    const topic = `diverge-${randomUUID()}`;
    await createTopic(topic, { 'min.insync.replicas': '1' });
    await produce(topic, ['a', 'b'], 0);
    await expectIdenticalReplicas(topic, 0);
    const info = brokers[0]!.broker.metadata.topic(topic)!;
    const oldLeaderId = info.partitions[0]!.leader;
    const followerIds = info.partitions[0]!.replicas.filter((id) => id !== oldLeaderId);
    const stopped = new Map<number, string>();
    const stop = async (nodeId: number) => {
      const broker = brokerOf(nodeId);
      brokers.splice(brokers.indexOf(broker), 1);
      await broker.broker.close();
      stopped.set(nodeId, broker.dataDir);
    };
    for (const id of followerIds) await stop(id);
    const alone = new Kafka({ brokers: [brokerOf(oldLeaderId).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
    await alone.connect();
    try {
      await alone.send({ topic, acks: 1, messages: ['x', 'y'].map((value) => ({ value, partition: 0 })) });
    } finally {
      await alone.disconnect();
    }
    await stop(oldLeaderId);
    await writePartitionState(topic, 0, (state) => ({ ...state, leader: followerIds[0]!, leaderEpoch: state.leaderEpoch + 1, isr: followerIds }));
    for (const id of followerIds) brokers.push(await startBroker(settings(id), {}, stopped.get(id)));
    await pollUntil(() => brokerOf(followerIds[0]!).broker.replicaManager.partition(topic, 0)?.isLeader === true, 'the new leader to open');
    await produce(topic, ['c'], 0);
    const restarted = await startBroker(settings(oldLeaderId), {}, stopped.get(oldLeaderId));
    brokers.push(restarted);
    await expectIdenticalReplicas(topic, 0);
    const replica = restarted.broker.replicaManager.partition(topic, 0)!;
    expect(replica.logEndOffset).toBe(3n);
    expect(replica.log.leaderEpochs()).toEqual([
      { epoch: 0, startOffset: 0n },
      { epoch: 1, startOffset: 2n },
    ]);
  }, 120_000);

  it('fails over to a follower with a new leader epoch: the idempotent producer goes on without duplicates, and the old leader truncates and follows', async () => {
    await startCluster();
    const topic = `failover-${randomUUID()}`;
    await createTopic(topic, { 'min.insync.replicas': '2' });
    await produce(topic, ['a', 'b', 'c'], 0);
    await expectIdenticalReplicas(topic, 0);
    const before = brokers[0]!.broker.metadata.topic(topic)!;
    const oldLeaderId = before.partitions[0]!.leader;
    const oldLeader = brokerOf(oldLeaderId);
    // The old leader goes, keeping its data; the partition state names a follower, as the controller would.
    brokers.splice(brokers.indexOf(oldLeader), 1);
    await oldLeader.broker.close();
    const newLeaderId = before.partitions[0]!.isr.find((id) => id !== oldLeaderId)!;
    await writePartitionState(topic, 0, (state) => ({
      ...state,
      leader: newLeaderId,
      leaderEpoch: state.leaderEpoch + 1,
      isr: state.isr.filter((id) => id !== oldLeaderId),
    }));
    await pollUntil(() => brokerOf(newLeaderId).broker.replicaManager.partition(topic, 0)!.isLeader, 'the follower to lead');
    await produce(topic, ['d', 'e'], 0);
    await expectIdenticalReplicas(topic, 0);

    const restarted = await startBroker(settings(oldLeaderId), {}, oldLeader.dataDir);
    brokers.push(restarted);
    const replica = () => restarted.broker.replicaManager.partition(topic, 0)!;
    await pollUntil(() => replica() !== undefined && !replica().isLeader, 'the old leader to open as follower');
    await produce(topic, ['f'], 0);
    await expectIdenticalReplicas(topic, 0);
    expect(replica().log.leaderEpochs()).toEqual([
      { epoch: 0, startOffset: 0n },
      { epoch: 1, startOffset: 3n },
    ]);
    const consumer = kafka(brokerOf(newLeaderId).bootstrap).consumer({ groupId: `g-${randomUUID()}` });
    const values: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message, partition }) => void (partition === 0 && values.push(message.value!.toString())) });
      await pollUntil(() => values.length >= 6, 'the consumer to read partition 0', { timeoutMs: 30_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(values).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  }, 120_000);
});

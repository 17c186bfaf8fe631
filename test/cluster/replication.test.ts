// Replication between three brokers sharing their metadata in a real etcd: followers fetch from their
// leader, acks=all is answered once the ISR has the batch, every replica's log is identical byte for byte,
// a lagging follower leaves the ISR (NOT_ENOUGH_REPLICAS below min.insync.replicas), followers cut off from
// their leader (a fault proxy on its inter-broker listener) leave acks=all to time out, and after a failover
// made by the controller the idempotent producer goes on without duplicates and the old leader, restarted,
// truncates and follows. A leader that loses its metadata session answers what waits on it as leader at once.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../bench/faults/fault-proxy.js';
import { ephemeralPort } from '../../bench/lib/ports.js';
import { RawClient } from '../../bench/lib/raw-client.js';
import { fetchRequest } from '../../bench/lib/fetch-request.js';
import { type BrokerSettings, RACK_AWARE_REPLICA_SELECTOR } from '../../src/config/broker-config.js';
import type { TrafficObserver } from '../../src/metrics/traffic.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { batchOf } from '../replication/batches.js';
import { type TestBroker, startBroker, tempDataDir } from '../support/broker.js';
import { etcdBrokerSettings, etcdMissing, useEtcd } from '../support/etcd.js';
import { pollUntil } from '../support/poll.js';

const LAG_TIME_MS = 1_500;

describe.skipIf(etcdMissing !== undefined)('replication between three brokers', () => {
  const etcd = useEtcd();
  let clusterName: string;
  const brokers: TestBroker[] = [];
  /** Each broker's inter-broker listener is reached through its proxy, when the test asked for them. */
  const proxies = new Map<number, FaultProxy>();
  /** Each broker's link to etcd goes through its proxy, when the test asked for them. */
  const etcdProxies = new Map<number, FaultProxy>();
  const clients: RawClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    const allProxies = [...proxies.values(), ...etcdProxies.values()];
    for (const proxy of allProxies) proxy.heal();
    for (const broker of brokers.splice(0).reverse()) await broker.close();
    for (const proxy of allProxies) await proxy.close();
    proxies.clear();
    etcdProxies.clear();
  });

  function settings(nodeId: number, lagTimeMs = LAG_TIME_MS): BrokerSettings {
    return etcdBrokerSettings(etcd, clusterName, nodeId, { 'replica.lag.time.max.ms': lagTimeMs, 'replica.fetch.backoff.ms': 100 });
  }

  /** The REPLICATION listener other brokers fetch from, advertised at a fault proxy in front of it. */
  async function proxiedInterBrokerListener(nodeId: number): Promise<Record<string, string>> {
    const port = await ephemeralPort();
    const proxy = await FaultProxy.start({ port });
    proxies.set(nodeId, proxy);
    return {
      listeners: `PLAINTEXT://127.0.0.1:0,REPLICATION://127.0.0.1:${port}`,
      'advertised.listeners': `REPLICATION://${proxy.address}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,REPLICATION:PLAINTEXT',
      'inter.broker.listener.name': 'REPLICATION',
    };
  }

  /** The broker's etcd endpoint, behind a fault proxy of its own. */
  async function proxiedEtcd(nodeId: number): Promise<Record<string, string>> {
    const proxy = await FaultProxy.start({ port: Number(etcd.endpoint.split(':').at(-1)) });
    etcdProxies.set(nodeId, proxy);
    return { 'gregor.etcd.endpoints': proxy.address };
  }

  /** What each broker of the cluster was started with, to restart it the same way. */
  const startedWith = new Map<number, BrokerSettings>();

  async function startCluster(
    lagTimeMs = LAG_TIME_MS,
    options: {
      proxied?: boolean;
      etcdProxied?: boolean;
      extra?: (nodeId: number) => Record<string, string>;
      traffic?: (nodeId: number) => TrafficObserver;
    } = {},
  ): Promise<void> {
    clusterName = `replication-${randomUUID()}`;
    startedWith.clear();
    for (let nodeId = 1; nodeId <= 3; nodeId++) {
      const listeners = options.proxied ? await proxiedInterBrokerListener(nodeId) : {};
      const etcdLink = options.etcdProxied ? await proxiedEtcd(nodeId) : {};
      startedWith.set(nodeId, { ...settings(nodeId, lagTimeMs), ...listeners, ...etcdLink, ...options.extra?.(nodeId) });
      brokers.push(await startBroker(startedWith.get(nodeId)!, { traffic: options.traffic?.(nodeId) }, tempDataDir()));
    }
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

  it('drops followers whose fetches stopped reaching the leader from the ISR after replica.lag.time.max.ms; below min.insync.replicas acks=all gets NOT_ENOUGH_REPLICAS', async () => {
    await startCluster(LAG_TIME_MS, { proxied: true });
    const topic = `isr-${randomUUID()}`;
    await createTopic(topic, { 'min.insync.replicas': '2' });
    await produce(topic, ['before'], 0);
    await expectIdenticalReplicas(topic, 0);
    const state = brokers[0]!.broker.metadata.topic(topic)!.partitions[0]!;
    // The followers stay registered (the controller sees nothing wrong): only the leader's lag check can act.
    proxies.get(state.leader)!.blackhole();
    // The shrink is counted when the leader's write returns, which can be a turn after the view shows it.
    await pollUntil(
      () =>
        brokerOf(state.leader).broker.metadata.topic(topic)!.partitions[0]!.isr.length === 1 &&
        brokerOf(state.leader).broker.replicaManager.replicationState().isrShrinks >= 1,
      'the leader to drop the followers that stopped fetching from the ISR',
      { timeoutMs: LAG_TIME_MS * 4 + 5_000 },
    );
    expect(brokerOf(state.leader).broker.metadata.topic(topic)!.partitions[0]!.isr).toEqual([state.leader]);
    expect(brokers.map((b) => b.broker.metadata.brokers().length)).toEqual([3, 3, 3]);
    // What the metrics report: the leader's shrink, its partition under-replicated and under min ISR, none offline.
    const health = brokerOf(state.leader).broker.replicaManager.replicationState();
    expect(health.underReplicatedPartitions).toBeGreaterThanOrEqual(1);
    expect(health.underMinIsrPartitions).toBeGreaterThanOrEqual(1);
    expect(health.followerFetchRequests).toBeGreaterThan(0);
    expect(brokers.map((b) => b.broker.metadata.offlinePartitionCount)).toEqual([0, 0, 0]);
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
    // Healed, the followers catch up and the leader takes them back: an expand the metrics count.
    proxies.get(state.leader)!.heal();
    await pollUntil(
      () => leader.role.isr.length === 3 && brokerOf(state.leader).broker.replicaManager.replicationState().isrExpands >= 1,
      'the followers to rejoin the ISR',
      { timeoutMs: 30_000 },
    );
    expect(brokerOf(state.leader).broker.replicaManager.replicationState()).toMatchObject({ underReplicatedPartitions: 0, underMinIsrPartitions: 0 });
  }, 120_000);

  it('answers acks=all REQUEST_TIMED_OUT when the ISR followers cannot reach the leader and the request timeout passes first', async () => {
    await startCluster(60_000, { proxied: true });
    const topic = `timeout-${randomUUID()}`;
    await createTopic(topic, { 'min.insync.replicas': '2' });
    await produce(topic, ['before'], 0);
    await expectIdenticalReplicas(topic, 0);
    const state = brokers[0]!.broker.metadata.topic(topic)!.partitions[0]!;
    // The followers stay registered and in the ISR (the lag time is a minute), but none of their fetches
    // reaches the leader any more.
    proxies.get(state.leader)!.blackhole();
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
    // The followers come back while the old leader, the last of the ISR, is down: only an unclean election
    // gives the partition a leader then, and the old leader's acks=1 tail is what that costs.
    await createTopic(topic, { 'min.insync.replicas': '1', 'unclean.leader.election.enable': 'true' });
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
    await pollUntil(() => brokerOf(oldLeaderId).broker.metadata.topic(topic)!.partitions[0]!.isr.length === 1, 'the controller to drop the stopped followers');
    const alone = new Kafka({ brokers: [brokerOf(oldLeaderId).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
    await alone.connect();
    try {
      await alone.send({ topic, acks: 1, messages: ['x', 'y'].map((value) => ({ value, partition: 0 })) });
    } finally {
      await alone.disconnect();
    }
    await stop(oldLeaderId);
    // What the followers, restarted, are asked: the old leader truncates on a fetch answer (its diverging
    // epoch), without an OffsetForLeaderEpoch round trip.
    const served: number[] = [];
    const observeRequest = { requestCompleted: (timing: { apiKey: number }) => void served.push(timing.apiKey) };
    for (const id of followerIds) brokers.push(await startBroker(settings(id), { observeRequest }, stopped.get(id)));
    await pollUntil(
      () => followerIds.some((id) => brokerOf(id).broker.replicaManager.partition(topic, 0)?.isLeader === true),
      'an unclean election to a follower',
    );
    // kafkajs refuses a topic with any leaderless partition: partition 1 went through the same elections.
    await pollUntil(
      () =>
        followerIds.every((id) =>
          brokerOf(id)
            .broker.metadata.topic(topic)!
            .partitions.every((p) => p.leader !== -1),
        ),
      'every partition of the topic to have a leader',
    );
    // The old leader returns before the next write: kafkajs asks for every topic's metadata, and the
    // old leader may hold the only replica of __consumer_offsets.
    const restarted = await startBroker(settings(oldLeaderId), {}, stopped.get(oldLeaderId));
    brokers.push(restarted);
    await produce(topic, ['c'], 0);
    await expectIdenticalReplicas(topic, 0);
    const replica = restarted.broker.replicaManager.partition(topic, 0)!;
    expect(replica.logEndOffset).toBe(3n);
    const newEpoch = restarted.broker.metadata.topic(topic)!.partitions[0]!.leaderEpoch;
    expect(newEpoch).toBeGreaterThan(0);
    expect(replica.log.leaderEpochs()).toEqual([
      { epoch: 0, startOffset: 0n },
      { epoch: newEpoch, startOffset: 2n },
    ]);
    expect(served).toContain(ApiKey.Fetch);
    expect(served).not.toContain(ApiKey.OffsetForLeaderEpoch);
  }, 120_000);

  it('fails over to a follower with a new leader epoch: the idempotent producer goes on without duplicates, and the old leader truncates and follows', async () => {
    await startCluster();
    const topic = `failover-${randomUUID()}`;
    await createTopic(topic, { 'min.insync.replicas': '2' });
    // The partition whose leader does not hold __consumer_offsets, if it exists yet (a cluster creates it on
    // the first FindCoordinator): kafkajs reads every topic's metadata, and that broker is about to go.
    const offsetsHost = brokers[0]!.broker.metadata.topic('__consumer_offsets')?.partitions[0]?.leader;
    const p = [0, 1].find((i) => brokers[0]!.broker.metadata.topic(topic)!.partitions[i]!.leader !== offsetsHost)!;
    await produce(topic, ['a', 'b', 'c'], p);
    await expectIdenticalReplicas(topic, p);
    const before = brokers[0]!.broker.metadata.topic(topic)!;
    const oldLeaderId = before.partitions[p]!.leader;
    const oldLeader = brokerOf(oldLeaderId);
    // The old leader goes, keeping its data; its controlled shutdown has the controller elect an ISR follower.
    brokers.splice(brokers.indexOf(oldLeader), 1);
    await oldLeader.broker.close();
    await pollUntil(() => brokers.some((b) => b.broker.replicaManager.partition(topic, p)!.isLeader), 'a follower to lead');
    const newLeaderId = brokers.find((b) => b.broker.replicaManager.partition(topic, p)!.isLeader)!.broker.metadata.nodeId;
    expect(before.partitions[p]!.isr).toContain(newLeaderId);
    // Before its first write the new leader places both epochs (OffsetForLeaderEpoch): the old one ends
    // where the new one starts, at its log end.
    const newEpoch = brokerOf(newLeaderId).broker.replicaManager.partition(topic, p)!.leaderEpoch;
    const client = await RawClient.connect(brokerOf(newLeaderId).bootstrap);
    clients.push(client);
    const epochEnd = async (leaderEpoch: number) => {
      const response = await client.request(ApiKey.OffsetForLeaderEpoch, 4, {
        replicaId: -1,
        topics: [{ topic, partitions: [{ partition: p, currentLeaderEpoch: newEpoch, leaderEpoch }] }],
      });
      return response.topics[0].partitions[0];
    };
    expect(await epochEnd(0)).toMatchObject({ errorCode: ErrorCode.NONE, leaderEpoch: 0, endOffset: 3n });
    expect(await epochEnd(newEpoch)).toMatchObject({ errorCode: ErrorCode.NONE, leaderEpoch: newEpoch, endOffset: 3n });
    await produce(topic, ['d', 'e'], p);
    await expectIdenticalReplicas(topic, p);

    const restarted = await startBroker(settings(oldLeaderId), {}, oldLeader.dataDir);
    brokers.push(restarted);
    const replica = () => restarted.broker.replicaManager.partition(topic, p)!;
    await pollUntil(() => replica() !== undefined && !replica().isLeader, 'the old leader to open as follower');
    await produce(topic, ['f'], p);
    await expectIdenticalReplicas(topic, p);
    expect(replica().log.leaderEpochs()).toEqual([
      { epoch: 0, startOffset: 0n },
      { epoch: restarted.broker.metadata.topic(topic)!.partitions[p]!.leaderEpoch, startOffset: 3n },
    ]);
    const consumer = kafka(brokerOf(newLeaderId).bootstrap).consumer({ groupId: `g-${randomUUID()}` });
    const values: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message, partition }) => void (partition === p && values.push(message.value!.toString())) });
      await pollUntil(() => values.length >= 6, 'the consumer to read the partition', { timeoutMs: 30_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(values).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  }, 120_000);

  it('answers a waiting acks=all produce and a parked fetch NOT_LEADER_OR_FOLLOWER once the leader loses its metadata session', async () => {
    await startCluster(60_000, { proxied: true, etcdProxied: true });
    const topic = `session-${randomUUID()}`;
    await createTopic(topic, { 'min.insync.replicas': '2' });
    await produce(topic, ['before'], 0);
    await expectIdenticalReplicas(topic, 0);
    const leaderId = brokers[0]!.broker.metadata.topic(topic)!.partitions[0]!.leader;
    const leader = brokerOf(leaderId);
    // No follower fetch reaches the leader any more (they stay in the ISR: the lag time is a minute), so
    // an acks=all produce waits; a consumer's fetch at the end waits for records.
    proxies.get(leaderId)!.blackhole();
    const [producing, fetching] = [await RawClient.connect(leader.bootstrap), await RawClient.connect(leader.bootstrap)];
    clients.push(producing, fetching);
    const produced = producing.request(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batchOf(['waits']) }] }],
    });
    // Fetch v10: before v11 only leaders serve consumers (from v11 any replica may, KIP-392).
    const fetched = fetching.request(ApiKey.Fetch, 10, fetchRequest({ topic, fetchOffset: 1n }, { maxWaitMs: 30_000 }));
    const replica = leader.broker.replicaManager.partition(topic, 0)!;
    await pollUntil(() => replica.waitingProduces === 1 && leader.broker.replicaManager.delayedFetchCount === 1, 'the produce and the fetch to wait');
    etcdProxies.get(leaderId)!.blackhole();
    // Both would otherwise wait 30 s, and then answer REQUEST_TIMED_OUT and an empty NONE.
    const [produceResponse, fetchResponse] = await Promise.all([produced, fetched]);
    expect(produceResponse.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(fetchResponse.responses[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(leader.broker.replicaManager.delayedFetchCount).toBe(0);
  }, 90_000);

  it('restarts a follower at the high watermark it checkpointed, not at 0, while it cannot reach its leader', async () => {
    await startCluster(60_000, { proxied: true });
    const topic = `checkpoint-${randomUUID()}`;
    await createTopic(topic, { 'min.insync.replicas': '2' });
    await produce(topic, ['a', 'b', 'c'], 0);
    await expectIdenticalReplicas(topic, 0);
    const state = brokers[0]!.broker.metadata.topic(topic)!.partitions[0]!;
    const followerId = state.replicas.find((id) => id !== state.leader)!;
    const follower = brokerOf(followerId);
    brokers.splice(brokers.indexOf(follower), 1);
    await follower.broker.close();
    // The restarted follower learns nothing from its leader: what it serves as high watermark is its own.
    proxies.get(state.leader)!.blackhole();
    const restarted = await startBroker(startedWith.get(followerId)!, {}, follower.dataDir);
    brokers.push(restarted);
    await pollUntil(() => restarted.broker.replicaManager.partition(topic, 0) !== undefined, 'the follower to open its replica');
    const replica = restarted.broker.replicaManager.partition(topic, 0)!;
    expect([replica.isLeader, replica.logEndOffset, replica.highWatermark]).toEqual([false, 3n, 3n]);
  }, 90_000);

  it('fences a follower fetch from an earlier incarnation of its broker, refuses a non-replica, and answers a diverging log with its epoch', async () => {
    await startCluster();
    const topic = `fencing-${randomUUID()}`;
    await createTopic(topic);
    await produce(topic, ['a', 'b', 'c'], 0);
    await expectIdenticalReplicas(topic, 0);
    const state = brokers[0]!.broker.metadata.topic(topic)!.partitions[0]!;
    const leader = brokerOf(state.leader);
    const followerId = state.replicas.find((id) => id !== state.leader)!;
    const registered = leader.broker.metadata.brokerEpochOf(followerId)!;
    // The follower's own fetcher sends the epoch it registered with.
    expect(brokerOf(followerId).broker.metadata.brokerEpoch).toBe(registered);
    const client = await RawClient.connect(leader.bootstrap);
    clients.push(client);
    const topicId = leader.broker.metadata.topic(topic)!.topicId;
    const fetch = async (replicaId: number, replicaEpoch: number, fetchOffset: bigint, lastFetchedEpoch: number, currentLeaderEpoch = state.leaderEpoch) => {
      const partition = { topicId, currentLeaderEpoch, fetchOffset, lastFetchedEpoch, logStartOffset: 0n };
      const response = await client.request(ApiKey.Fetch, 15, fetchRequest(partition, { replicaState: { replicaId, replicaEpoch: BigInt(replicaEpoch) } }));
      return response.responses[0].partitions[0];
    };
    expect(await fetch(followerId, registered - 1, 3n, 0)).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    expect(await fetch(followerId, registered, 3n, 0)).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 3n });
    expect(await fetch(followerId, -1, 3n, 0)).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await fetch(42, -1, 3n, 0)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH });
    expect(await fetch(42, -1, 3n, 0, -1)).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    // A follower that wrote on in epoch 0 past where epoch 0 ends here: no records, the epoch and its end.
    const diverging = await fetch(followerId, registered, 5n, 0);
    expect(diverging).toMatchObject({ errorCode: ErrorCode.NONE, divergingEpoch: { epoch: 0, endOffset: 3n } });
    expect(diverging.records?.length ?? 0).toBe(0);
    // An epoch the leader never had cannot be placed.
    expect(await fetch(followerId, registered, 3n, state.leaderEpoch + 1)).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
  }, 90_000);

  it("serves a consumer on a follower within the follower's log only (KIP-392): out of range below its log start, which follows the leader's DeleteRecords, nothing above its high watermark", async () => {
    await startCluster();
    const topic = `follower-reads-${randomUUID()}`;
    await createTopic(topic);
    await produce(topic, ['a', 'b'], 0);
    await produce(topic, ['c', 'd'], 0);
    await expectIdenticalReplicas(topic, 0);
    const state = brokers[0]!.broker.metadata.topic(topic)!.partitions[0]!;
    const followerId = state.replicas.find((id) => id !== state.leader)!;
    const admin = kafka(brokerOf(state.leader).bootstrap).admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '2' }] });
    } finally {
      await admin.disconnect();
    }
    const followerReplica = brokerOf(followerId).broker.replicaManager.partition(topic, 0)!;
    await pollUntil(() => followerReplica.logStartOffset === 2n, "the follower's log start to follow the leader's");
    const client = await RawClient.connect(brokerOf(followerId).bootstrap);
    clients.push(client);
    const topicId = brokers[0]!.broker.metadata.topic(topic)!.topicId;
    const fetch = async (fetchOffset: bigint) => {
      const response = await client.request(ApiKey.Fetch, 11, fetchRequest({ topic, topicId, fetchOffset }, { rackId: 'anywhere' }));
      const data = response.responses[0].partitions[0];
      return { errorCode: data.errorCode, logStartOffset: data.logStartOffset, highWatermark: data.highWatermark, bytes: data.records?.length ?? 0 };
    };
    expect(await fetch(1n)).toEqual({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: 2n, highWatermark: 4n, bytes: 0 });
    expect(await fetch(2n)).toMatchObject({ errorCode: ErrorCode.NONE, logStartOffset: 2n, highWatermark: 4n });
    expect((await fetch(2n)).bytes).toBeGreaterThan(0);
    expect(await fetch(4n)).toEqual({ errorCode: ErrorCode.NONE, logStartOffset: 2n, highWatermark: 4n, bytes: 0 });
    // ListOffsets is the leader's to answer, as in Kafka.
    const listOffset = async (nodeId: number, timestamp: bigint) => {
      const raw = nodeId === followerId ? client : await RawClient.connect(brokerOf(nodeId).bootstrap);
      if (raw !== client) clients.push(raw);
      const response = await raw.request(ApiKey.ListOffsets, 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
      });
      const data = response.topics[0].partitions[0];
      return { errorCode: data.errorCode, offset: data.offset };
    };
    expect(await listOffset(followerId, -1n)).toEqual({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, offset: -1n });
    expect(await listOffset(state.leader, -1n)).toEqual({ errorCode: ErrorCode.NONE, offset: 4n });
    expect(await listOffset(state.leader, -2n)).toEqual({ errorCode: ErrorCode.NONE, offset: 2n });
  }, 90_000);

  it('sends a consumer to the in-sync follower in its rack, which serves it up to its high watermark (KIP-392)', async () => {
    const topic = `rack-${randomUUID()}`;
    /** Record bytes each broker sent for the topic (followers' fetches go to leaders only, and only partition 0 has records). */
    const sent = new Map<number, number>();
    const traffic = (nodeId: number): TrafficObserver => ({
      produced: () => undefined,
      fetched: (name, views) => {
        if (name === topic) sent.set(nodeId, (sent.get(nodeId) ?? 0) + views.reduce((sum, view) => sum + view.length, 0));
      },
    });
    await startCluster(LAG_TIME_MS, {
      extra: (nodeId) => ({ 'broker.rack': `rack-${nodeId}`, 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR, 'group.initial.rebalance.delay.ms': '0' }),
      traffic,
    });
    await createTopic(topic, { 'min.insync.replicas': '3' });
    await produce(topic, ['a', 'b', 'c'], 0);
    await expectIdenticalReplicas(topic, 0);
    const state = brokers[0]!.broker.metadata.topic(topic)!.partitions[0]!;
    const followerId = state.replicas.find((id) => id !== state.leader)!;
    const topicInfo = brokers[0]!.broker.metadata.topic(topic)!;
    const fetch = async (nodeId: number, version: number, rackId: string, fetchOffset = 0n) => {
      const client = await RawClient.connect(brokerOf(nodeId).bootstrap);
      clients.push(client);
      const response = await client.request(ApiKey.Fetch, version, fetchRequest({ topic, topicId: topicInfo.topicId, fetchOffset }, { rackId }));
      const data = response.responses[0].partitions[0];
      return {
        errorCode: data.errorCode,
        preferredReadReplica: data.preferredReadReplica,
        highWatermark: data.highWatermark,
        bytes: data.records?.length ?? 0,
      };
    };
    // The leader names the follower in the consumer's rack, and serves a consumer in its own rack or in none.
    expect(await fetch(state.leader, 11, `rack-${followerId}`)).toEqual({
      errorCode: ErrorCode.NONE,
      preferredReadReplica: followerId,
      highWatermark: 3n,
      bytes: 0,
    });
    expect(await fetch(state.leader, 11, `rack-${state.leader}`)).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: -1 });
    expect((await fetch(state.leader, 11, '')).bytes).toBeGreaterThan(0);
    // The follower serves Fetch v11+ up to its high watermark; past its log end is out of range; before v11 only leaders serve.
    expect(await fetch(followerId, 11, `rack-${followerId}`, 3n)).toEqual({ errorCode: ErrorCode.NONE, preferredReadReplica: -1, highWatermark: 3n, bytes: 0 });
    expect((await fetch(followerId, 11, `rack-${followerId}`, 4n)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await fetch(followerId, 10, '')).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    sent.clear();

    const consumer = new Kafka({ brokers: [brokerOf(state.leader).bootstrap], logLevel: logLevel.NOTHING }).consumer({
      groupId: `g-${randomUUID()}`,
      rackId: `rack-${followerId}`,
    });
    const values: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message, partition }) => void (partition === 0 && values.push(message.value!.toString())) });
      await pollUntil(() => values.length >= 3, 'the consumer to read the partition', { timeoutMs: 30_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(values).toEqual(['a', 'b', 'c']);
    expect(sent.get(followerId)).toBeGreaterThan(0);
    expect(sent.get(state.leader) ?? 0).toBe(0);
  }, 120_000);
});

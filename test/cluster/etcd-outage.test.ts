// Brokers whose metadata store goes away under them: etcd restarted within the session timeout (they keep
// serving what they lead, and metadata changes resume when it is back), etcd gone for longer than the
// session (they stop leading until they can prove their session again), and a session revoked under a
// broker (it registers again with a new broker epoch and leads again once the controller says so), or lost
// while its link to etcd forwarded nothing (a fault proxy) for longer than the session.
import { Etcd3 } from 'etcd3';
import { FaultProxy } from '../../bench/faults/fault-proxy.js';
import { Kafka, type Producer, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { KEYS } from '../../src/cluster/store/shared-metadata.js';
import { clusterPrefix } from '../../src/cluster/store/prefixed-store.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { type TestBroker, startBroker } from '../support/broker.js';
import { etcdBrokerSettings, etcdMissing, useEtcd } from '../support/etcd.js';
import { pollUntil } from '../support/poll.js';

describe.skipIf(etcdMissing !== undefined)('brokers when etcd or their session goes away', () => {
  const etcd = useEtcd();
  let clusterName: string;
  const brokers: TestBroker[] = [];
  const producers: Producer[] = [];
  let proxy: FaultProxy | undefined;

  afterEach(async () => {
    for (const producer of producers.splice(0)) await producer.disconnect();
    proxy?.heal();
    for (const broker of brokers.splice(0).reverse()) await broker.close();
    await proxy?.close();
    proxy = undefined;
  });

  /** Two brokers and a topic with one partition led by each; broker 2 reaches etcd through `proxy` when one is given. */
  async function startCluster(sessionTimeoutMs: number, topic: string, etcdProxyOfBroker2?: FaultProxy): Promise<void> {
    clusterName = `test-${randomUUID()}`;
    for (const nodeId of [1, 2]) {
      const reaching = nodeId === 2 && etcdProxyOfBroker2 ? { endpoint: etcdProxyOfBroker2.address } : etcd;
      brokers.push(await startBroker(etcdBrokerSettings(reaching, clusterName, nodeId, { 'broker.session.timeout.ms': sessionTimeoutMs })));
    }
    await pollUntil(
      () => brokers.every((b) => b.broker.metadata.brokers().length === 2 && b.broker.metadata.controllerId !== -1),
      'both brokers and a controller',
    );
    await brokers[0]!.broker.metadata.createTopic(topic, { assignment: [[1], [2]] });
    await pollUntil(() => brokers.every((b) => b.broker.replicaManager.partition(topic, b.broker.metadata.nodeId - 1) !== undefined), 'both partitions open');
  }

  async function producer(): Promise<Producer> {
    const kafka = new Kafka({ brokers: [brokers[0]!.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
    const connected = kafka.producer();
    await connected.connect();
    producers.push(connected);
    return connected;
  }

  async function produceToBoth(to: Producer, topic: string, value: string): Promise<void> {
    await to.send({ topic, acks: 1, messages: [0, 1].map((partition) => ({ partition, value })) });
  }

  function leadError(broker: TestBroker, topic: string, partition: number): ErrorCode {
    try {
      broker.broker.replicaManager.onlinePartition(topic, partition);
      return ErrorCode.NONE;
    } catch (error) {
      if (error instanceof KafkaError) return error.code;
      throw error;
    }
  }

  /** A change of the metadata, retried while the store client reconnects after etcd's restart. */
  async function createTopicOnceBack(broker: TestBroker, topic: string): Promise<void> {
    await pollUntil(
      async () => {
        try {
          await broker.broker.metadata.createTopic(topic, { numPartitions: 2 });
          return true;
        } catch (error) {
          if (error instanceof KafkaError && error.code === ErrorCode.TOPIC_ALREADY_EXISTS) return true;
          return false;
        }
      },
      'a topic creation after etcd is back',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    await pollUntil(() => brokers.every((b) => b.broker.metadata.topic(topic) !== undefined), 'every broker to see the new topic', { timeoutMs: 20_000 });
  }

  it('keeps serving what each broker leads while etcd restarts within the session timeout, and resumes metadata changes after', async () => {
    await startCluster(6_000, 'steady');
    const to = await producer();
    await produceToBoth(to, 'steady', 'before');

    await etcd.stop();
    await produceToBoth(to, 'steady', 'during');
    expect(brokers.map((b) => leadError(b, 'steady', b.broker.metadata.nodeId - 1))).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    await etcd.restart();

    await createTopicOnceBack(brokers[1]!, 'after-restart');
    await produceToBoth(to, 'steady', 'after');
    // No failover happened: the leaders and their epochs are those the topic was created with.
    expect(brokers[0]!.broker.metadata.topic('steady')!.partitions.map((p) => [p.leader, p.leaderEpoch])).toEqual([
      [1, 0],
      [2, 0],
    ]);
    for (const broker of brokers) {
      const log = broker.broker.replicaManager.partition('steady', broker.broker.metadata.nodeId - 1)!;
      expect(log.logEndOffset).toBe(3n);
    }
  }, 90_000);

  it('stops leading when its session can no longer be proven alive, and leads again once etcd is back', async () => {
    await startCluster(1_000, 'fenced');
    await etcd.stop();
    await pollUntil(
      () => brokers.every((b) => leadError(b, 'fenced', b.broker.metadata.nodeId - 1) === ErrorCode.NOT_LEADER_OR_FOLLOWER),
      'both brokers to stop leading',
      { timeoutMs: 5_000 },
    );
    await etcd.restart();
    await pollUntil(() => brokers.every((b) => leadError(b, 'fenced', b.broker.metadata.nodeId - 1) === ErrorCode.NONE), 'both brokers to lead again', {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    await produceToBoth(await producer(), 'fenced', 'back');
    await createTopicOnceBack(brokers[0]!, 'after-outage');
  }, 90_000);

  it('registers again with a new broker epoch when its session is revoked, and leads again once the controller gives its partitions back', async () => {
    await startCluster(2_000, 'revoked');
    const client = new Etcd3({ hosts: `http://${etcd.endpoint}` });
    try {
      const key = Buffer.from(`${clusterPrefix(clusterName)}${KEYS.broker(2)}`);
      const registration = (await client.kv.range({ key })).kvs[0]!;
      await client.leaseClient.leaseRevoke({ ID: registration.lease });
      await pollUntil(
        async () => {
          const again = (await client.kv.range({ key })).kvs[0];
          return again !== undefined && Number(again.create_revision) > Number(registration.create_revision);
        },
        'broker 2 to register again',
        { timeoutMs: 15_000, intervalMs: 50 },
      );
    } finally {
      client.close();
    }
    await pollUntil(() => leadError(brokers[1]!, 'revoked', 1) === ErrorCode.NONE, 'broker 2 to lead partition 1 again', { timeoutMs: 15_000 });
    // Taken offline when the registration went, given back when it returned: two new leader epochs.
    expect(brokers[1]!.broker.metadata.topic('revoked')!.partitions[1]).toMatchObject({ leader: 2, leaderEpoch: 2 });
    await produceToBoth(await producer(), 'revoked', 'back');
  }, 90_000);

  it('registers again after its link to etcd forwarded nothing for longer than its session, and leads again', async () => {
    const port = Number(etcd.endpoint.split(':')[1]);
    proxy = await FaultProxy.start({ port });
    await startCluster(2_000, 'cut-off', proxy);
    proxy.blackhole();
    await pollUntil(() => leadError(brokers[1]!, 'cut-off', 1) === ErrorCode.NOT_LEADER_OR_FOLLOWER, 'broker 2 to stop leading', { timeoutMs: 10_000 });
    await pollUntil(() => brokers[0]!.broker.metadata.brokers().length === 1, 'the registration of broker 2 to expire', { timeoutMs: 15_000 });
    proxy.heal();
    await pollUntil(() => brokers[0]!.broker.metadata.brokers().length === 2, 'broker 2 to register again', { timeoutMs: 20_000, intervalMs: 50 });
    await pollUntil(() => leadError(brokers[1]!, 'cut-off', 1) === ErrorCode.NONE, 'broker 2 to lead partition 1 again', { timeoutMs: 15_000 });
    await produceToBoth(await producer(), 'cut-off', 'back');
  }, 90_000);
});

// Partition reassignment (AlterPartitionReassignments / ListPartitionReassignments) on brokers sharing a
// real etcd: partitions with data move from broker 1 onto a fourth broker (RF 1 and RF 2) through kafkajs's
// admin and through Kafka's own kafka-reassign-partitions (where java and the jars are present); consumers
// then read everything from the new replica and the old replica's directory is gone. Errors as Kafka's.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { startBroker } from '../support/broker.js';
import { etcdBrokerSettings, etcdMissing, useClusterBrokers, useEtcd } from '../support/etcd.js';
import { consumeRecords, produceAcked } from '../support/kafkajs-records.js';
import { kafkaTool, kafkaToolsMissing } from '../support/kafka-tools.js';
import { pollUntil } from '../support/poll.js';

describe.skipIf(etcdMissing !== undefined)('partition reassignment onto a new broker', () => {
  const etcd = useEtcd();
  const clusterName = `reassignment-${randomUUID()}`;
  function settings(nodeId: number) {
    return etcdBrokerSettings(etcd, clusterName, nodeId, { 'replica.fetch.backoff.ms': 100, 'offsets.topic.num.partitions': 1 });
  }

  const { brokers, brokerOf } = useClusterBrokers(3, settings);

  function kafka() {
    return new Kafka({ brokers: [brokers[0]!.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
  }

  async function addFourthBroker(): Promise<void> {
    if (brokers.length === 4) return;
    brokers.push(await startBroker(settings(4)));
    await pollUntil(() => brokers.every((b) => b.broker.metadata.brokers().length === 4), 'every broker to see the fourth');
  }

  async function createTopic(topic: string, replicas: number[]): Promise<void> {
    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas }] }] });
    } finally {
      await admin.disconnect();
    }
    await pollUntil(() => replicas.every((id) => brokerOf(id).broker.replicaManager.partition(topic, 0) !== undefined), `the replicas of ${topic}`);
  }

  const produce = (topic: string, values: readonly string[]): Promise<void> =>
    produceAcked(
      kafka(),
      topic,
      values.map((value) => ({ value })),
    );
  const consume = (topic: string, count: number): Promise<string[]> => consumeRecords(kafka(), topic, count);

  /** Waits until every broker sees the partition on `replicas` alone, led by `leader`, with no reassignment left. */
  async function expectMoved(topic: string, replicas: number[], leader: number): Promise<void> {
    await pollUntil(
      () =>
        brokers.every((b) => {
          const p = b.broker.metadata.topic(topic)?.partitions[0];
          return p?.leader === leader && p.replicas.join() === replicas.join() && p.addingReplicas === undefined;
        }),
      `${topic}-0 to move to ${replicas}`,
      { timeoutMs: 30_000 },
    );
  }

  function controllerBootstrap(): string {
    return brokerOf(brokers[0]!.broker.metadata.controllerId).bootstrap;
  }

  it('moves RF 1 and RF 2 partitions with data from broker 1 to a fourth broker through kafkajs admin', async () => {
    const values = Array.from({ length: 100 }, (_, i) => `v${i}`);
    await createTopic('single', [1]);
    await createTopic('pair', [1, 2]);
    await produce('single', values);
    await produce('pair', values);
    await addFourthBroker();
    const oldDirs = ['single', 'pair'].map((topic) => brokerOf(1).broker.logManager.logDirOf(topic, 0)!);
    expect(oldDirs.every((dir) => existsSync(dir))).toBe(true);

    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.alterPartitionReassignments({
        topics: [
          { topic: 'single', partitionAssignment: [{ partition: 0, replicas: [4] }] },
          { topic: 'pair', partitionAssignment: [{ partition: 0, replicas: [4, 2] }] },
        ],
      });
      await expectMoved('single', [4], 4);
      await expectMoved('pair', [4, 2], 4);
      expect((await admin.listPartitionReassignments({})).topics).toEqual([]);
    } finally {
      await admin.disconnect();
    }
    await pollUntil(() => oldDirs.every((dir) => !existsSync(dir)), "broker 1's replicas to be deleted");
    for (const topic of ['single', 'pair']) {
      expect(brokerOf(1).broker.replicaManager.partition(topic, 0)).toBeUndefined();
      expect(brokerOf(4).broker.replicaManager.partition(topic, 0)!.isLeader).toBe(true);
      expect(await consume(topic, values.length)).toEqual(values);
    }
    await produce('pair', ['after']);
    await pollUntil(() => brokerOf(2).broker.replicaManager.partition('pair', 0)!.highWatermark === 101n, 'the write to reach the follower');
  }, 120_000);

  it('answers as Kafka: per-partition errors, NOT_CONTROLLER elsewhere, and the replication factor kept when v1 asks', async () => {
    await addFourthBroker();
    await createTopic('refused', [2]);
    const controller = await RawClient.connect(controllerBootstrap());
    const other = await RawClient.connect(brokers.find((b) => b.bootstrap !== controllerBootstrap())!.bootstrap);
    try {
      const partitions = (replicas: (number[] | null)[]) => replicas.map((r, partitionIndex) => ({ partitionIndex, replicas: r }));
      const altered = await controller.request(ApiKey.AlterPartitionReassignments, 0, {
        timeoutMs: 10_000,
        topics: [
          {
            name: 'refused',
            partitions: [
              { partitionIndex: 0, replicas: null },
              { partitionIndex: 3, replicas: [2] },
            ],
          },
          { name: 'absent', partitions: partitions([[1]]) },
        ],
      });
      expect(altered.errorCode).toBe(ErrorCode.NONE);
      expect(altered.responses.map((t: { name: string; partitions: { errorCode: number }[] }) => [t.name, t.partitions.map((p) => p.errorCode)])).toEqual([
        ['refused', [ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
        ['absent', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
      ]);
      const invalid = await controller.request(ApiKey.AlterPartitionReassignments, 1, {
        allowReplicationFactorChange: false,
        timeoutMs: 10_000,
        topics: [{ name: 'refused', partitions: [{ partitionIndex: 0, replicas: [3, 4] }] }],
      });
      expect(invalid.allowReplicationFactorChange).toBe(false);
      expect(invalid.responses[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
      const unregistered = await controller.request(ApiKey.AlterPartitionReassignments, 1, {
        allowReplicationFactorChange: true,
        timeoutMs: 10_000,
        topics: [{ name: 'refused', partitions: [{ partitionIndex: 0, replicas: [7] }] }],
      });
      expect(unregistered.responses[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);

      const elsewhere = await other.request(ApiKey.AlterPartitionReassignments, 0, {
        timeoutMs: 10_000,
        topics: [{ name: 'refused', partitions: partitions([[3]]) }],
      });
      expect(elsewhere.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
      expect((await other.request(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 10_000, topics: null })).errorCode).toBe(ErrorCode.NOT_CONTROLLER);
      expect(brokerOf(2).broker.metadata.topic('refused')!.partitions[0]!.replicas).toEqual([2]);
    } finally {
      controller.close();
      other.close();
    }
  }, 60_000);

  it.skipIf(kafkaToolsMissing !== '')(
    `moves a partition with Kafka's kafka-reassign-partitions ${kafkaToolsMissing}`,
    async () => {
      await addFourthBroker();
      await createTopic('tool', [1]);
      const values = Array.from({ length: 20 }, (_, i) => `t${i}`);
      await produce('tool', values);
      const oldDir = brokerOf(1).broker.logManager.logDirOf('tool', 0)!;
      const dir = mkdtempSync(join(tmpdir(), 'gregor-reassign-'));
      try {
        const plan = join(dir, 'plan.json');
        writeFileSync(plan, JSON.stringify({ version: 1, partitions: [{ topic: 'tool', partition: 0, replicas: [4] }] }));
        const executed = await kafkaTool(brokers[0]!.bootstrap, 'reassign.ReassignPartitionsCommand', '--execute', '--reassignment-json-file', plan);
        expect(executed).toContain('Successfully started partition reassignment for tool-0');
        await expectMoved('tool', [4], 4);
        const verified = await kafkaTool(
          brokers[0]!.bootstrap,
          'reassign.ReassignPartitionsCommand',
          '--verify',
          '--preserve-throttles',
          '--reassignment-json-file',
          plan,
        );
        expect(verified).toContain('Reassignment of partition tool-0 is completed.');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      await pollUntil(() => !existsSync(oldDir), "broker 1's replica to be deleted");
      expect(await consume('tool', values.length)).toEqual(values);
    },
    120_000,
  );
  it('deletes on restart the replica of a broker that was down when a reassignment removed it', async () => {
    await createTopic('stray', [1, 2]);
    await produce('stray', ['s0', 's1']);
    const first = brokerOf(1);
    const strayDir = first.broker.logManager.logDirOf('stray', 0)!;
    brokers.splice(brokers.indexOf(first), 1);
    await first.broker.close();
    await pollUntil(() => brokers.every((b) => b.broker.metadata.brokers().length === 3), 'every broker to see broker 1 gone');
    // Through the controller directly: kafkajs's admin refuses a cluster with a leaderless partition (broker 1
    // may hold __consumer_offsets' only replica).
    await pollUntil(() => ![-1, 1].includes(brokers[0]!.broker.metadata.controllerId), 'a controller other than broker 1');
    const controller = await RawClient.connect(controllerBootstrap());
    try {
      const altered = await controller.request(ApiKey.AlterPartitionReassignments, 0, {
        timeoutMs: 10_000,
        topics: [{ name: 'stray', partitions: [{ partitionIndex: 0, replicas: [2] }] }],
      });
      expect(altered.responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    } finally {
      controller.close();
    }
    await expectMoved('stray', [2], 2);
    expect(existsSync(strayDir)).toBe(true);
    brokers.push(await startBroker(settings(1), {}, first.dataDir));
    expect(existsSync(strayDir)).toBe(false);
    expect(brokerOf(1).broker.replicaManager.partition('stray', 0)).toBeUndefined();
  }, 120_000);
});

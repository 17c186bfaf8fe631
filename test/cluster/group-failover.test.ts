// Consumer groups on a cluster (issues 14 and 15): three broker processes over a real etcd, __consumer_offsets
// with Kafka's 50 partitions at RF 3. A kafkajs group consumes and commits; the broker coordinating it is
// SIGKILLed; another replica of the group's offsets partition is elected and loads it, brokers that do not
// coordinate the group answer NOT_COORDINATOR, the committed offsets are there, and the members resume from
// them: every record is consumed and none committed before the kill is consumed again.
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { offsetsPartitionFor } from '../../src/group/offsets-partition.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type BrokerProcess, ensureBuilt, spawnBroker, tempDataDir } from '../support/broker.js';
import { SESSION_TIMEOUT_MS, etcdBrokerSettings, etcdMissing, useEtcd } from '../support/etcd.js';
import { coordinatorOf } from '../support/group-coordinator.js';
import { pollUntil } from '../support/poll.js';

const TOPIC = 'orders';
const PARTITIONS = 3;
const OFFSETS_PARTITIONS = 50;

interface Node {
  readonly nodeId: number;
  readonly dataDir: string;
  process: BrokerProcess;
  alive: boolean;
}

describe.skipIf(etcdMissing !== undefined)('a consumer group whose coordinator’s broker is killed', () => {
  const etcd = useEtcd();
  const nodes: Node[] = [];
  const clusterName = `test-${randomUUID()}`;

  beforeAll(async () => {
    ensureBuilt();
    for (const nodeId of [1, 2, 3]) {
      const dataDir = tempDataDir();
      const process = await spawnBroker(dataDir, etcdBrokerSettings(etcd, clusterName, nodeId));
      nodes.push({ nodeId, dataDir, process, alive: true });
    }
  }, 180_000);
  afterAll(async () => {
    for (const node of nodes) {
      await node.process.stop('SIGKILL');
      rmSync(node.dataDir, { recursive: true, force: true });
    }
  }, 30_000);

  const live = (): Node[] => nodes.filter((n) => n.alive);

  function kafka(): Kafka {
    return new Kafka({
      brokers: live().map((n) => n.process.bootstrap),
      logLevel: logLevel.NOTHING,
      retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
  }

  async function raw<T>(node: Node, action: (client: RawClient) => Promise<T>): Promise<T> {
    const client = await RawClient.connect(node.process.bootstrap);
    try {
      return await action(client);
    } finally {
      client.close();
    }
  }

  /** The group's committed offsets by partition, asked of `node`, or the error it answered. */
  async function committed(node: Node, groupId: string): Promise<bigint[] | ErrorCode> {
    const answer = await raw(node, (client) =>
      client.request(ApiKey.OffsetFetch, 5, { groupId, topics: [{ name: TOPIC, partitionIndexes: [...Array(PARTITIONS).keys()] }], requireStable: false }),
    );
    if (answer.errorCode !== ErrorCode.NONE) return answer.errorCode;
    const partitions: { partitionIndex: number; committedOffset: bigint }[] = answer.topics[0].partitions;
    return [...partitions].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => p.committedOffset);
  }

  function sameOffsets(found: bigint[] | ErrorCode, expected: readonly bigint[]): boolean {
    return Array.isArray(found) && found.length === expected.length && found.every((offset, i) => offset === expected[i]);
  }

  /** Each partition's leader through `node`'s Metadata (-1 while it has none). */
  async function leaders(node: Node, topic: string): Promise<number[]> {
    const answer = await raw(node, (client) =>
      client.request(ApiKey.Metadata, 12, {
        topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: topic }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      }),
    );
    const partitions: { partitionIndex: number; leaderId: number }[] = answer.topics[0].partitions;
    return [...partitions].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => p.leaderId);
  }

  async function produce(prefix: string, count: number): Promise<string[]> {
    const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    const producer = kafka().producer({ idempotent: true });
    await producer.connect();
    try {
      await producer.send({ topic: TOPIC, acks: -1, messages: values.map((value, i) => ({ partition: i % PARTITIONS, value })) });
    } finally {
      await producer.disconnect();
    }
    return values;
  }

  it('moves the coordinator to another replica of its offsets partition, with the committed offsets, and the members resume from them', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
      });
    } finally {
      await admin.disconnect();
    }
    const groupId = `group-${randomUUID()}`;
    const coordinatorId = await coordinatorOf(nodes[0]!.process.bootstrap, groupId);
    // The first FindCoordinator created the topic: Kafka's partition count, a replica on every broker.
    const offsetsLeaders = await leaders(nodes[0]!, '__consumer_offsets');
    expect(offsetsLeaders).toHaveLength(OFFSETS_PARTITIONS);
    expect(offsetsLeaders[offsetsPartitionFor(groupId, OFFSETS_PARTITIONS)]).toBe(coordinatorId);
    expect(new Set(offsetsLeaders)).toEqual(new Set([1, 2, 3]));

    const first = await produce('first', 60);
    const consumed: string[] = [];
    const consumers = [
      kafka().consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 }),
      kafka().consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 }),
    ];
    try {
      for (const consumer of consumers) {
        await consumer.connect();
        await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void consumed.push(message.value!.toString()) });
      }
      const coordinator = nodes.find((n) => n.nodeId === coordinatorId)!;
      const highWatermarks = [...Array(PARTITIONS).keys()].map((p) => BigInt(first.filter((_, i) => i % PARTITIONS === p).length));
      await pollUntil(async () => sameOffsets(await committed(coordinator, groupId), highWatermarks), 'the group to commit everything it consumed', {
        timeoutMs: 60_000,
      });
      expect([...new Set(consumed)].sort()).toEqual([...first].sort());
      const consumedBeforeKill = consumed.length;

      // The coordinator's broker dies: a surviving replica of the group's offsets partition is elected and loads it.
      await coordinator.process.stop('SIGKILL');
      coordinator.alive = false;
      const survivor = live()[0]!;
      let newCoordinatorId = -1;
      await pollUntil(
        async () => {
          newCoordinatorId = await coordinatorOf(survivor.process.bootstrap, groupId).catch(() => -1);
          return newCoordinatorId !== -1 && newCoordinatorId !== coordinatorId;
        },
        'a new coordinator',
        { timeoutMs: SESSION_TIMEOUT_MS + 20_000 },
      );
      const newCoordinator = nodes.find((n) => n.nodeId === newCoordinatorId)!;
      const other = live().find((n) => n !== newCoordinator)!;
      expect(await committed(other, groupId)).toBe(ErrorCode.NOT_COORDINATOR);
      let intact: bigint[] | ErrorCode = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      await pollUntil(
        async () => (intact = await committed(newCoordinator, groupId)) !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        'the new coordinator to load the group',
      );
      expect(intact).toEqual(highWatermarks);

      // kafkajs refuses to produce while any partition of the topic is leaderless.
      await pollUntil(async () => (await leaders(survivor, TOPIC)).every((l) => l !== -1 && l !== coordinatorId), 'the topic led by the survivors');
      const second = await produce('second', 60);
      await pollUntil(() => second.every((v) => consumed.includes(v)), 'the members to consume what came after the kill', { timeoutMs: 90_000 });
      // Resumed from the committed offsets: nothing committed before the kill came again.
      expect(consumed.slice(consumedBeforeKill).filter((v) => v.startsWith('first-'))).toEqual([]);
      // And the members commit through the new coordinator.
      const doubled = highWatermarks.map((hw) => hw * 2n);
      await pollUntil(async () => sameOffsets(await committed(newCoordinator, groupId), doubled), 'the group to commit through the new coordinator');
    } finally {
      await Promise.all(consumers.map((c) => c.disconnect()));
    }
  }, 240_000);
});

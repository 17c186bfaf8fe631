// Three brokers as child processes over a real etcd: the controller SIGKILLed (another takes over within the
// session timeout; its RF 1 partitions go offline with LEADER_NOT_AVAILABLE and come back with their records
// when it restarts), and a broker stopped with SIGTERM (a controlled shutdown with nowhere to move RF 1
// partitions: it exits cleanly, its partitions go offline and come back when it restarts).
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ZERO_UUID } from '../../src/server/handlers/03-metadata.js';
import { type BrokerProcess, ensureBuilt, spawnBroker, tempDataDir } from '../support/broker.js';
import { SESSION_TIMEOUT_MS, etcdBrokerSettings, etcdMissing, useEtcd } from '../support/etcd.js';
import { consumeAll, hasKcat } from '../support/kcat.js';
import { pollUntil } from '../support/poll.js';

const PARTITIONS = 6;
const TOPIC = 'failover';

interface Node {
  readonly nodeId: number;
  readonly dataDir: string;
  process: BrokerProcess;
}

describe.skipIf(etcdMissing !== undefined || !hasKcat())('a cluster of three broker processes when brokers die', () => {
  const etcd = useEtcd();
  const nodes: Node[] = [];
  const clusterName = `test-${randomUUID()}`;

  beforeAll(async () => {
    ensureBuilt();
    for (const nodeId of [1, 2, 3]) {
      const dataDir = tempDataDir();
      nodes.push({ nodeId, dataDir, process: await spawnBroker(dataDir, etcdBrokerSettings(etcd, clusterName, nodeId)) });
    }
  }, 180_000);
  afterAll(async () => {
    for (const node of nodes) {
      await node.process.stop('SIGKILL');
      rmSync(node.dataDir, { recursive: true, force: true });
    }
  }, 30_000);

  function node(nodeId: number): Node {
    return nodes.find((n) => n.nodeId === nodeId)!;
  }

  function kafka(bootstrap: string): Kafka {
    return new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  }

  interface ClusterView {
    readonly controller: number;
    readonly brokers: number[];
    /** Per partition: its leader, or the error Metadata gave it. */
    readonly leaders: (number | string)[];
  }

  /** Metadata v12 through one broker (kafkajs's admin refuses a topic with a leaderless partition). */
  async function view(through: Node): Promise<ClusterView> {
    const client = await RawClient.connect(through.process.bootstrap);
    try {
      const response = await client.request(ApiKey.Metadata, 12, {
        topics: [{ topicId: ZERO_UUID, name: TOPIC }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      const partitions: { partitionIndex: number; errorCode: number; leaderId: number }[] = response.topics[0].partitions;
      const leaders = [...partitions]
        .sort((a, b) => a.partitionIndex - b.partitionIndex)
        .map((p) => (p.errorCode === ErrorCode.LEADER_NOT_AVAILABLE && p.leaderId === -1 ? 'offline' : p.leaderId));
      return { controller: response.controllerId, brokers: response.brokers.map((b: { nodeId: number }) => b.nodeId).sort(), leaders };
    } finally {
      client.close();
    }
  }

  /** The view through `through`, or undefined while it cannot be had (a broker restarting, a leader moving). */
  async function viewOrNone(through: Node): Promise<ClusterView | undefined> {
    try {
      return await view(through);
    } catch {
      return undefined;
    }
  }

  async function produce(through: Node, round: string): Promise<void> {
    const producer = new Kafka({ brokers: [through.process.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } }).producer();
    await producer.connect();
    try {
      await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `${round}-${partition}` })),
      });
    } finally {
      await producer.disconnect();
    }
  }

  async function restart(target: Node): Promise<void> {
    target.process = await spawnBroker(target.dataDir, etcdBrokerSettings(etcd, clusterName, target.nodeId), target.process.port);
  }

  it('survives the controller’s SIGKILL and a broker’s SIGTERM, with every partition back with its records', async () => {
    const admin = kafka(node(1).process.bootstrap).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
    } finally {
      await admin.disconnect();
    }
    await pollUntil(async () => (await viewOrNone(node(1)))?.leaders.every((l) => typeof l === 'number' && l > 0) === true, 'every partition led');
    const initial = await view(node(1));
    for (const nodeId of [1, 2, 3]) expect(initial.leaders.filter((l) => l === nodeId)).toHaveLength(2);
    await produce(node(1), 'first');

    // The controller dies: another takes over within the session timeout, and its partitions go offline.
    const controller = node(initial.controller);
    const survivor = nodes.find((n) => n !== controller)!;
    await controller.process.stop('SIGKILL');
    await pollUntil(
      async () => {
        const now = await viewOrNone(survivor);
        return now !== undefined && now.controller !== -1 && now.controller !== controller.nodeId && !now.brokers.includes(controller.nodeId);
      },
      'a new controller',
      { timeoutMs: SESSION_TIMEOUT_MS + 2_000, intervalMs: 50 },
    );
    await pollUntil(async () => {
      const now = await viewOrNone(survivor);
      return now !== undefined && initial.leaders.every((leader, p) => (now.leaders[p] === 'offline') === (leader === controller.nodeId));
    }, 'the dead controller’s partitions offline, the others led as before');
    await restart(controller);
    await pollUntil(async () => (await viewOrNone(survivor))?.leaders.join() === initial.leaders.join(), 'the partitions back on their broker');
    await produce(survivor, 'second');

    // A broker that is not the controller is stopped with SIGTERM: with RF 1 nothing moves, it exits at once and cleanly.
    const now = await view(survivor);
    const stopped = nodes.find((n) => n.nodeId !== now.controller)!;
    const checker = nodes.find((n) => n !== stopped)!;
    expect(await stopped.process.stop('SIGTERM')).toBe(0);
    await pollUntil(async () => (await viewOrNone(checker))?.leaders.filter((l) => l === 'offline').length === 2, 'the stopped broker’s partitions offline', {
      timeoutMs: SESSION_TIMEOUT_MS + 2_000,
    });
    await restart(stopped);
    await pollUntil(async () => (await viewOrNone(checker))?.leaders.join() === initial.leaders.join(), 'the partitions back after the restart');

    const records = await consumeAll(checker.process.bootstrap, TOPIC);
    expect(records.map((r) => `${r.partition}:${r.payload}`).sort()).toEqual(
      Array.from({ length: PARTITIONS }, (_, p) => [`${p}:first-${p}`, `${p}:second-${p}`])
        .flat()
        .sort(),
    );
  }, 180_000);
});

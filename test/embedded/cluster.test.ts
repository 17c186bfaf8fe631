// An embedded Gregor as one broker of a cluster: two brokers in their own processes (the built broker, as
// `gregor serve` runs it) and one `Gregor.start()` in this process share a test etcd. The embedded broker
// registers, leads what is placed on it and serves Kafka clients; its producer writes the partitions it
// leads and refuses at once, with NOT_LEADER_OR_FOLLOWER naming the leader, those led elsewhere.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gregor } from '../../src/index.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { type BrokerProcess, spawnBroker, tempDataDir } from '../support/broker.js';
import { etcdBrokerSettings, etcdMissing, useEtcd } from '../support/etcd.js';
import { pollUntil } from '../support/poll.js';
import { startGregor, stopGregor, take } from './support.js';

describe.skipIf(etcdMissing !== undefined)('an embedded broker in a cluster', () => {
  const etcd = useEtcd();
  let gregor: Gregor;
  const processes: BrokerProcess[] = [];
  const dirs: string[] = [];

  function cluster(nodeId: number, clusterName: string) {
    return etcdBrokerSettings(etcd, clusterName, nodeId, { 'offsets.topic.num.partitions': 1 });
  }

  beforeAll(async () => {
    const clusterName = `embedded-${randomUUID()}`;
    for (const nodeId of [1, 2]) {
      const dir = tempDataDir();
      dirs.push(dir);
      processes.push(await spawnBroker(dir, cluster(nodeId, clusterName)));
    }
    gregor = await startGregor({ config: cluster(3, clusterName) });
    await pollUntil(() => gregor.broker.metadata.brokers().length === 3, 'the embedded broker to see the cluster');
  }, 90_000);
  afterAll(async () => {
    if (gregor) await stopGregor(gregor);
    for (const child of processes) await child.stop('SIGTERM');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('registers with the others, writes what it leads, and refuses at once what another broker leads', async () => {
    const kafka = new Kafka({ brokers: [processes[0]!.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { brokers } = await admin.describeCluster();
      expect(brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
    } finally {
      await admin.disconnect();
    }
    await gregor.broker.metadata.createTopic('mixed', { assignment: [[3], [1]] });
    const producer = gregor.producer({ acks: 'all' });
    expect(await producer.send('mixed', { value: 'here', partition: 0 })).toMatchObject({ partition: 0, offset: 0n });
    const refused = await producer.send('mixed', { value: 'elsewhere', partition: 1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KafkaError);
    expect(refused).toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER, message: expect.stringContaining('led by broker 1') });

    // Network clients bootstrapping from broker 1 are sent to the embedded broker for what it leads.
    await gregor.broker.metadata.createTopic('local', { assignment: [[3]] });
    const networkProducer = kafka.producer();
    await networkProducer.connect();
    try {
      await networkProducer.send({ topic: 'local', acks: -1, messages: [{ value: 'by-client' }] });
      await networkProducer.send({ topic: 'mixed', acks: -1, messages: [{ value: 'by-client-1', partition: 1 }] });
    } finally {
      await networkProducer.disconnect();
    }
    const consumer = await gregor.consumer({ topics: ['local'], from: 'earliest' });
    try {
      expect(await take(consumer, 1, (r) => (r as { value: Buffer }).value.toString())).toEqual(['by-client']);
    } finally {
      await consumer.close();
    }
  }, 90_000);

  it('refuses to start as a cluster broker without a listener', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    await expect(startGregor({ dataDir, listen: false, config: cluster(4, 'unlistened') })).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG });
  });
});

// Brokers sharing their metadata in a real etcd: registration under a lease, node ids and cluster ids
// checked, every live broker and the elected controller in Metadata, and the controller's succession.
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { writeMetaProperties } from '../../src/cluster/meta-properties.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { type TestBroker, startBroker, tempDataDir } from '../support/broker.js';
import { SESSION_TIMEOUT_MS, etcdBrokerSettings, etcdMissing, useEtcd } from '../support/etcd.js';
import { pollUntil } from '../support/poll.js';

describe.skipIf(etcdMissing !== undefined)('a cluster of brokers over etcd', () => {
  const etcd = useEtcd();
  let clusterName: string;
  const brokers: TestBroker[] = [];

  afterEach(async () => {
    for (const broker of brokers.splice(0).reverse()) await broker.close();
  });

  function settings(nodeId: number) {
    return etcdBrokerSettings(etcd, clusterName, nodeId);
  }

  async function startCluster(size: number): Promise<void> {
    clusterName = `test-${randomUUID()}`;
    for (let nodeId = 1; nodeId <= size; nodeId++) brokers.push(await startBroker(settings(nodeId)));
  }

  /**
   * DescribeCluster through one broker. Not through kafkajs's admin: it asks Metadata for every topic first and
   * fails on a partition without a leader (as against Kafka), and a closed broker's RF 1 partitions stay offline.
   */
  async function describeCluster(bootstrap: string): Promise<{ brokers: number[]; controller: number | null; clusterId: string }> {
    const client = await RawClient.connect(bootstrap);
    try {
      const cluster = await client.request(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
      expect(cluster.errorCode).toBe(ErrorCode.NONE);
      return { brokers: cluster.brokers.map((b: { brokerId: number }) => b.brokerId).sort(), controller: cluster.controllerId, clusterId: cluster.clusterId };
    } finally {
      client.close();
    }
  }

  it('answers Metadata from every broker with all live brokers, one cluster id and the elected controller', async () => {
    await startCluster(3);
    await pollUntil(async () => (await describeCluster(brokers[0]!.bootstrap)).controller !== -1, 'a controller to be elected');
    const views = await Promise.all(brokers.map((b) => describeCluster(b.bootstrap)));
    expect(views[0]!.brokers).toEqual([1, 2, 3]);
    expect([1, 2, 3]).toContain(views[0]!.controller);
    for (const view of views) expect(view).toEqual(views[0]);
    expect(new Set(brokers.map((b) => b.broker.metadata.clusterId)).size).toBe(1);
  }, 60_000);

  it('elects another controller within the session timeout when the controller goes, and drops it from the brokers', async () => {
    await startCluster(3);
    await pollUntil(async () => (await describeCluster(brokers[0]!.bootstrap)).controller !== -1, 'a controller to be elected');
    const controller = (await describeCluster(brokers[0]!.bootstrap)).controller!;
    const index = brokers.findIndex((b) => b.broker.metadata.nodeId === controller);
    const [stopped] = brokers.splice(index, 1);
    await stopped!.close();
    const survivor = brokers[0]!.bootstrap;
    await pollUntil(
      async () => {
        const view = await describeCluster(survivor);
        return view.controller !== -1 && view.controller !== controller && view.brokers.length === 2;
      },
      'a new controller',
      { timeoutMs: SESSION_TIMEOUT_MS + 2_000, intervalMs: 50 },
    );
    const views = await Promise.all(brokers.map((b) => describeCluster(b.bootstrap)));
    expect(views[1]).toEqual(views[0]);
    expect(views[0]!.brokers).not.toContain(controller);
  }, 60_000);

  it('registers every listener, answers each client with the brokers’ endpoints on its own listener, and names the inter-broker endpoint', async () => {
    clusterName = `test-${randomUUID()}`;
    for (let nodeId = 1; nodeId <= 2; nodeId++) {
      brokers.push(
        await startBroker({
          ...settings(nodeId),
          listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
          'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
          'inter.broker.listener.name': 'INTERNAL',
        }),
      );
    }
    await pollUntil(() => brokers.every((b) => b.broker.metadata.brokers().length === 2), 'both brokers registered');
    const port = (nodeId: number, listener: string): number => brokers[nodeId - 1]!.broker.listeners.find((l) => l.name === listener)!.port;
    for (const listener of ['PLAINTEXT', 'INTERNAL']) {
      const admin = new Kafka({ brokers: [`127.0.0.1:${port(1, listener)}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      await admin.connect();
      try {
        const { brokers: described } = await admin.describeCluster();
        expect(described.map((b) => [b.nodeId, b.port]).sort()).toEqual([
          [1, port(1, listener)],
          [2, port(2, listener)],
        ]);
      } finally {
        await admin.disconnect();
      }
    }
    expect(brokers[0]!.broker.metadata.brokerEndpoint(2)).toMatchObject({ nodeId: 2, host: '127.0.0.1', port: port(2, 'INTERNAL') });
    expect(brokers[0]!.broker.metadata.brokerEndpoint(2, 'PLAINTEXT')?.port).toBe(port(2, 'PLAINTEXT'));
    expect(brokers[0]!.broker.metadata.brokers('SSL')).toEqual([]);
  }, 60_000);

  it('refuses a second broker with a node id already registered, with a clear error', async () => {
    await startCluster(1);
    const dataDir = tempDataDir();
    const refused = startBroker(settings(1), {}, dataDir);
    await expect(refused).rejects.toSatisfy(
      (error) =>
        error instanceof KafkaError &&
        error.code === ErrorCode.DUPLICATE_BROKER_REGISTRATION &&
        /node\.id 1 is registered by another live broker/.test(error.message),
    );
    expect((await describeCluster(brokers[0]!.bootstrap)).brokers).toEqual([1]);
  }, 60_000);

  it('refuses a broker whose data dir belongs to another cluster', async () => {
    await startCluster(1);
    const dataDir = tempDataDir();
    await writeMetaProperties(dataDir, { clusterId: 'another-cluster-id-0000', nodeId: 2, directoryId: 'dir' });
    await expect(startBroker(settings(2), {}, dataDir)).rejects.toSatisfy(
      (error) =>
        error instanceof KafkaError && error.code === ErrorCode.INCONSISTENT_CLUSTER_ID && /belongs to cluster another-cluster-id-0000/.test(error.message),
    );
  }, 60_000);
});

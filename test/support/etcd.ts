/**
 * The etcd tests start (bench/lib/etcd.ts, shared with the cluster benchmarks), `useEtcd`: one etcd for
 * the tests of a describe block, started before them and destroyed with its data after them, and the settings
 * of the brokers that keep their metadata in it.
 */
import { afterAll, beforeAll } from 'vitest';
import { EtcdProcess } from '../../bench/lib/etcd.js';
import type { BrokerSettings } from '../../src/config/broker-config.js';
import { type TestBroker, startBroker } from './broker.js';
import { pollUntil } from './poll.js';

export { EtcdProcess as TestEtcd, etcdMissing } from '../../bench/lib/etcd.js';

/** The describe block's etcd, as its tests and hooks use it. */
export type SharedEtcd = Pick<EtcdProcess, 'endpoint' | 'stop' | 'restart'>;

/**
 * Starts an etcd in a beforeAll of the describe block it is called in (before the block's own, registered
 * after it) and destroys it in an afterAll (after the block's own: vitest runs them in reverse order).
 */
export function useEtcd(): SharedEtcd {
  let etcd: EtcdProcess | undefined;
  beforeAll(async () => {
    etcd = await EtcdProcess.start();
  });
  afterAll(async () => {
    await etcd?.destroy();
  });
  const started = (): EtcdProcess => {
    if (!etcd) throw new Error('the etcd of useEtcd starts in beforeAll: use it in tests and hooks');
    return etcd;
  };
  return {
    get endpoint() {
      return started().endpoint;
    },
    stop: (signal) => started().stop(signal),
    restart: () => started().restart(),
  };
}

/** Where a broker reaches etcd: the etcd itself, or a proxy in front of it. */
export interface EtcdEndpoint {
  readonly endpoint: string;
}

/** The settings that keep a broker's metadata in `etcd`. */
export function etcdStoreSettings(etcd: EtcdEndpoint): BrokerSettings {
  return { 'gregor.metadata.store': 'etcd', 'gregor.etcd.endpoints': etcd.endpoint };
}

/**
 * The broker session of the tests' clusters (broker.session.timeout.ms): short (Kafka's default is 9 s) so that
 * a broker the test stops leaves the cluster within the test.
 */
export const SESSION_TIMEOUT_MS = 2_000;

/** The settings of broker `nodeId` of the cluster `clusterName` over `etcd`, then the `overrides`. */
export function etcdBrokerSettings(etcd: EtcdEndpoint, clusterName: string, nodeId: number, overrides: BrokerSettings = {}): BrokerSettings {
  return {
    'node.id': nodeId,
    ...etcdStoreSettings(etcd),
    'gregor.cluster.name': clusterName,
    'broker.session.timeout.ms': SESSION_TIMEOUT_MS,
    ...overrides,
  };
}

/** The brokers `useClusterBrokers` keeps for a describe block. */
export interface ClusterBrokers {
  /** The running brokers: tests may close some and start others in their place. */
  readonly brokers: TestBroker[];
  brokerOf(nodeId: number): TestBroker;
}

/**
 * Starts brokers 1..`count` of one etcd cluster (each with `settings(nodeId)`) in a beforeAll of the describe
 * block, done once every one lists them all, and closes those still running after the block's tests.
 */
export function useClusterBrokers(count: number, settings: (nodeId: number) => BrokerSettings): ClusterBrokers {
  const brokers: TestBroker[] = [];
  beforeAll(async () => {
    for (let nodeId = 1; nodeId <= count; nodeId++) brokers.push(await startBroker(settings(nodeId)));
    await pollUntil(() => brokers.every((b) => b.broker.metadata.brokers().length === count), `every broker to see the ${count}`);
  }, 60_000);
  afterAll(async () => {
    for (const broker of brokers.splice(0).reverse()) await broker.close();
  });
  return { brokers, brokerOf: (nodeId) => brokers.find((b) => b.broker.metadata.nodeId === nodeId)! };
}

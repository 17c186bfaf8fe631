/**
 * A local cluster the harness can break: the launcher's etcd and brokers, each broker's etcd traffic
 * through its own fault proxy and, with `interBrokerProxies`, its inter-broker listener advertised at a
 * proxy (so every connection to it from the other brokers crosses one); faults are injected and healed
 * here, and each is recorded as a window on the run's clock.
 */
import { type BrokerSettingValue, LocalCluster, type BrokerPlacement } from '../../src/cli/cluster/local-cluster.js';
import { freeLoopbackPort } from '../../src/cli/cluster/free-port.js';
import { FaultProxy, type LinkFault } from './fault-proxy.js';
import type { FaultWindow } from './history.js';
import type { RunClock } from './workload.js';

export type Fault =
  /** SIGKILL; healed by starting the broker again on its data dir and port. */
  | { readonly kind: 'sigkill'; readonly nodeId: number }
  /** SIGSTOP (a paused "zombie"); healed by SIGCONT. */
  | { readonly kind: 'sigstop'; readonly nodeId: number }
  /** The broker cut off from etcd and from the other brokers' connections to it; clients still reach it. */
  | { readonly kind: 'partition'; readonly nodeId: number }
  /** etcd stopped; healed by starting it again on its data. */
  | { readonly kind: 'etcd-restart' }
  /** One of the broker's links (to etcd, or the other brokers' to it) dropping one way, delayed, slowed or reset. */
  | { readonly kind: 'link'; readonly nodeId: number; readonly link: 'etcd' | 'inter-broker'; readonly fault: LinkFault };

export interface FaultClusterOptions {
  readonly brokers: number;
  readonly sessionTimeoutMs?: number;
  /** The `gregor` entry point (default: the built one beside the launcher). */
  readonly cli?: string;
  /** Advertise an inter-broker listener (REPLICATION) whose address is a proxy in front of the broker. */
  readonly interBrokerProxies?: boolean;
  /** More broker settings, over the harness's. */
  readonly settings?: (broker: BrokerPlacement) => Record<string, BrokerSettingValue>;
}

const INTER_BROKER_LISTENER = 'REPLICATION';

export class FaultCluster {
  readonly cluster: LocalCluster;
  readonly faults: FaultWindow[] = [];
  readonly #etcdProxies: Map<number, FaultProxy>;
  readonly #interBrokerProxies: Map<number, FaultProxy>;
  readonly #clock: RunClock;

  private constructor(cluster: LocalCluster, etcdProxies: Map<number, FaultProxy>, interBrokerProxies: Map<number, FaultProxy>, clock: RunClock) {
    this.cluster = cluster;
    this.#etcdProxies = etcdProxies;
    this.#interBrokerProxies = interBrokerProxies;
    this.#clock = clock;
  }

  static async start(options: FaultClusterOptions, clock: RunClock): Promise<FaultCluster> {
    const etcdProxies = new Map<number, FaultProxy>();
    const interBrokerProxies = new Map<number, FaultProxy>();
    const settings = async (broker: BrokerPlacement): Promise<Record<string, BrokerSettingValue>> => {
      const etcdProxy = await FaultProxy.start({ port: Number(broker.etcdEndpoint.split(':')[1]) });
      etcdProxies.set(broker.nodeId, etcdProxy);
      const harness: Record<string, BrokerSettingValue> = { 'gregor.etcd.endpoints': etcdProxy.address };
      if (options.interBrokerProxies) {
        const port = await freeLoopbackPort();
        const proxy = await FaultProxy.start({ port });
        interBrokerProxies.set(broker.nodeId, proxy);
        Object.assign(harness, {
          listeners: `PLAINTEXT://127.0.0.1:${broker.port},${INTER_BROKER_LISTENER}://127.0.0.1:${port}`,
          'advertised.listeners': `PLAINTEXT://127.0.0.1:${broker.port},${INTER_BROKER_LISTENER}://${proxy.address}`,
          'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,${INTER_BROKER_LISTENER}:PLAINTEXT`,
          'inter.broker.listener.name': INTER_BROKER_LISTENER,
        });
      }
      return { ...harness, ...options.settings?.(broker) };
    };
    try {
      const cluster = await LocalCluster.start({
        brokers: options.brokers,
        sessionTimeoutMs: options.sessionTimeoutMs,
        cli: options.cli,
        fastEtcd: true,
        clusterName: `faults-${process.pid}`,
        settings,
      });
      return new FaultCluster(cluster, etcdProxies, interBrokerProxies, clock);
    } catch (error) {
      for (const proxy of [...etcdProxies.values(), ...interBrokerProxies.values()]) await proxy.close();
      throw error;
    }
  }

  get bootstrapServers(): string {
    return this.cluster.bootstrapServers;
  }

  /** Injects the fault and resolves with its heal, which records the fault's window once healed. */
  async inject(fault: Fault): Promise<() => Promise<void>> {
    const startedAt = this.#clock.now();
    const heal = await this.#apply(fault);
    let healed = false;
    return async () => {
      if (healed) return;
      healed = true;
      await heal();
      const kind = fault.kind === 'link' ? `${fault.link}-${fault.fault.kind}` : fault.kind;
      this.faults.push({ kind, target: 'nodeId' in fault ? `broker ${fault.nodeId}` : 'etcd', startedAt, healedAt: this.#clock.now() });
    };
  }

  async #apply(fault: Fault): Promise<() => Promise<void>> {
    switch (fault.kind) {
      case 'sigkill': {
        const broker = this.cluster.broker(fault.nodeId);
        await broker.stop('SIGKILL');
        return () => broker.start();
      }
      case 'sigstop': {
        const broker = this.cluster.broker(fault.nodeId);
        broker.signal('SIGSTOP');
        return async () => broker.signal('SIGCONT');
      }
      case 'partition': {
        const links = [this.#etcdProxies.get(fault.nodeId), this.#interBrokerProxies.get(fault.nodeId)].filter((p) => p !== undefined);
        for (const link of links) link.blackhole();
        return async () => {
          for (const link of links) link.heal();
        };
      }
      case 'link': {
        const proxy = (fault.link === 'etcd' ? this.#etcdProxies : this.#interBrokerProxies).get(fault.nodeId);
        if (!proxy) throw new Error(`broker ${fault.nodeId} has no ${fault.link} proxy`);
        proxy.set(fault.fault);
        return async () => proxy.heal();
      }
      case 'etcd-restart': {
        await this.cluster.etcd.stop();
        return () => this.cluster.etcd.restart();
      }
    }
  }

  /** Stops the brokers and etcd, then the proxies. */
  async close(): Promise<void> {
    await this.cluster.close();
    for (const proxy of [...this.#etcdProxies.values(), ...this.#interBrokerProxies.values()]) await proxy.close();
  }
}

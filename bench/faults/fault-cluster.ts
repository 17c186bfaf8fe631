/**
 * A local cluster the harness can break: the launcher's etcd and brokers, each broker's etcd traffic
 * through its own fault proxy and, with `interBrokerProxies`, its inter-broker listener advertised at a
 * proxy (so every connection to it from the other brokers crosses one), and with `diskBytes` each broker's
 * log dir on its own small tmpfs; faults are injected and healed here, and each is recorded as a window on
 * the run's clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerSettingValue, LocalCluster, type BrokerPlacement } from '../../src/cli/cluster/local-cluster.js';
import { freeLoopbackPort } from '../../src/cli/cluster/free-port.js';
import { FaultProxy, type LinkFault } from './fault-proxy.js';
import type { FaultWindow } from './history.js';
import { SmallDisk } from './small-disk.js';
import type { RunClock } from './workload.js';

export type Fault =
  /** SIGKILL; healed by starting the broker again on its data dir and port. */
  | { readonly kind: 'sigkill'; readonly nodeId: number }
  /** SIGTERM (controlled shutdown), its exit timed; healed by starting the broker again. */
  | { readonly kind: 'sigterm'; readonly nodeId: number }
  /** SIGSTOP (a paused "zombie"); healed by SIGCONT. */
  | { readonly kind: 'sigstop'; readonly nodeId: number }
  /** The broker cut off from etcd and from the other brokers' connections to it; clients still reach it. */
  | { readonly kind: 'partition'; readonly nodeId: number }
  /** etcd stopped; healed by starting it again on its data. */
  | { readonly kind: 'etcd-restart' }
  /** Every free byte of the broker's log dir taken (needs `diskBytes`); healed by freeing them. */
  | { readonly kind: 'disk-full'; readonly nodeId: number }
  /** One of the broker's links (to etcd, or the other brokers' to it) dropping one way, delayed, slowed or reset. */
  | { readonly kind: 'link'; readonly nodeId: number; readonly link: 'etcd' | 'inter-broker'; readonly fault: LinkFault };

export interface FaultClusterOptions {
  readonly brokers: number;
  readonly sessionTimeoutMs?: number;
  /** The `gregor` entry point (default: the built one beside the launcher). */
  readonly cli?: string;
  /** Advertise an inter-broker listener (REPLICATION) whose address is a proxy in front of the broker. */
  readonly interBrokerProxies?: boolean;
  /** Each broker's log dir on its own tmpfs of this many bytes, for the disk-full fault (mounting needs root). */
  readonly diskBytes?: number;
  /** More broker settings, over the harness's. */
  readonly settings?: (broker: BrokerPlacement) => Record<string, BrokerSettingValue>;
}

const INTER_BROKER_LISTENER = 'REPLICATION';
/** A SIGTERMed broker exits within 10 s by its own budget; past this the harness kills it and says so. */
const SIGTERM_GRACE_MS = 60_000;

export class FaultCluster {
  readonly cluster: LocalCluster;
  readonly faults: FaultWindow[] = [];
  readonly #etcdProxies: Map<number, FaultProxy>;
  readonly #interBrokerProxies: Map<number, FaultProxy>;
  readonly #disks: Map<number, SmallDisk>;
  readonly #dataDir: string;
  readonly #clock: RunClock;

  private constructor(cluster: LocalCluster, links: Links, dataDir: string, clock: RunClock) {
    this.cluster = cluster;
    this.#etcdProxies = links.etcdProxies;
    this.#interBrokerProxies = links.interBrokerProxies;
    this.#disks = links.disks;
    this.#dataDir = dataDir;
    this.#clock = clock;
  }

  static async start(options: FaultClusterOptions, clock: RunClock): Promise<FaultCluster> {
    const links: Links = { etcdProxies: new Map(), interBrokerProxies: new Map(), disks: new Map() };
    const { etcdProxies, interBrokerProxies } = links;
    // The cluster's data dir is the harness's, so the brokers' dirs can be mounted over before they start.
    const dataDir = mkdtempSync(join(tmpdir(), 'gregor-faults-'));
    const settings = async (broker: BrokerPlacement): Promise<Record<string, BrokerSettingValue>> => {
      const etcdProxy = await FaultProxy.start({ port: Number(broker.etcdEndpoint.split(':')[1]) });
      etcdProxies.set(broker.nodeId, etcdProxy);
      const harness: Record<string, BrokerSettingValue> = { 'gregor.etcd.endpoints': etcdProxy.address };
      if (options.diskBytes !== undefined) {
        links.disks.set(broker.nodeId, SmallDisk.mount(broker.dataDir, options.diskBytes));
        // No free-space floor (its 1 GiB default exceeds a small disk): a full disk is met as it comes, ENOSPC.
        harness['gregor.log.dir.min.free.bytes'] = 0;
      }
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
        dataDir,
        fastEtcd: true,
        clusterName: `faults-${process.pid}`,
        settings,
      });
      return new FaultCluster(cluster, links, dataDir, clock);
    } catch (error) {
      await releaseLinks(links, dataDir);
      throw error;
    }
  }

  get bootstrapServers(): string {
    return this.cluster.bootstrapServers;
  }

  /** Injects the fault and resolves with its heal, which records the fault's window once healed. */
  async inject(fault: Fault): Promise<() => Promise<void>> {
    const startedAt = this.#clock.now();
    const { heal, exit } = await this.#apply(fault);
    let healed = false;
    return async () => {
      if (healed) return;
      healed = true;
      await heal();
      const kind = fault.kind === 'link' ? `${fault.link}-${fault.fault.kind}` : fault.kind;
      const target = 'nodeId' in fault ? `broker ${fault.nodeId}` : 'etcd';
      this.faults.push({ kind, target, startedAt, healedAt: this.#clock.now(), ...(exit && { exit }) });
    };
  }

  async #apply(fault: Fault): Promise<{ heal: () => Promise<void>; exit?: FaultWindow['exit'] }> {
    switch (fault.kind) {
      case 'sigkill': {
        const broker = this.cluster.broker(fault.nodeId);
        await broker.stop('SIGKILL');
        return { heal: () => broker.start() };
      }
      case 'sigterm': {
        const broker = this.cluster.broker(fault.nodeId);
        const signalledAt = this.#clock.now();
        const status = await broker.stop('SIGTERM', SIGTERM_GRACE_MS);
        return { heal: () => broker.start(), exit: { status, afterMs: Math.round(this.#clock.now() - signalledAt) } };
      }
      case 'sigstop': {
        const broker = this.cluster.broker(fault.nodeId);
        broker.signal('SIGSTOP');
        return { heal: async () => broker.signal('SIGCONT') };
      }
      case 'partition': {
        const links = [this.#etcdProxies.get(fault.nodeId), this.#interBrokerProxies.get(fault.nodeId)].filter((p) => p !== undefined);
        for (const link of links) link.blackhole();
        return {
          heal: async () => {
            for (const link of links) link.heal();
          },
        };
      }
      case 'link': {
        const proxy = (fault.link === 'etcd' ? this.#etcdProxies : this.#interBrokerProxies).get(fault.nodeId);
        if (!proxy) throw new Error(`broker ${fault.nodeId} has no ${fault.link} proxy`);
        proxy.set(fault.fault);
        return { heal: async () => proxy.heal() };
      }
      case 'etcd-restart': {
        await this.cluster.etcd.stop();
        return { heal: () => this.cluster.etcd.restart() };
      }
      case 'disk-full': {
        const disk = this.#disks.get(fault.nodeId);
        if (!disk) throw new Error(`broker ${fault.nodeId} has no small disk to fill (diskBytes)`);
        disk.fill();
        return { heal: async () => disk.free() };
      }
    }
  }

  /** Stops the brokers and etcd, then the proxies; unmounts the disks and removes the data. */
  async close(): Promise<void> {
    await this.cluster.close();
    await releaseLinks({ etcdProxies: this.#etcdProxies, interBrokerProxies: this.#interBrokerProxies, disks: this.#disks }, this.#dataDir);
  }
}

interface Links {
  readonly etcdProxies: Map<number, FaultProxy>;
  readonly interBrokerProxies: Map<number, FaultProxy>;
  readonly disks: Map<number, SmallDisk>;
}

async function releaseLinks(links: Links, dataDir: string): Promise<void> {
  for (const proxy of [...links.etcdProxies.values(), ...links.interBrokerProxies.values()]) await proxy.close();
  for (const disk of links.disks.values()) disk.unmount();
  rmSync(dataDir, { recursive: true, force: true });
}

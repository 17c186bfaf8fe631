/**
 * A cluster on one machine: a local etcd and N `gregor serve` child processes on loopback, each with its
 * own node id, port and data dir, started, waited for until every broker is registered, signalled one by
 * one (SIGKILL, SIGSTOP/SIGCONT, restart on the same dir and port), and stopped (brokers SIGTERM, then etcd).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { freeLoopbackPort } from './free-port.js';
import { LocalEtcd } from './local-etcd.js';

export type BrokerSettingValue = string | number | boolean;

/** Where a broker of the cluster listens and which etcd it is given, for settings that depend on them. */
export interface BrokerPlacement {
  readonly nodeId: number;
  readonly port: number;
  readonly etcdEndpoint: string;
  /** The broker's log dir, created before its settings are asked for. */
  readonly dataDir: string;
}

export interface LocalClusterOptions {
  readonly brokers: number;
  /** Kept after close (a later start reuses it); by default a temp dir removed on close. */
  readonly dataDir?: string;
  /** Brokers on basePort.., etcd's client and peer ports right after them; by default free ports. */
  readonly basePort?: number;
  readonly clusterName?: string;
  /** `broker.session.timeout.ms` of every broker (default: the broker's, 9 s). */
  readonly sessionTimeoutMs?: number;
  /** More broker settings (over the launcher's: listeners, advertised.listeners, gregor.etcd.endpoints...). */
  readonly settings?: (broker: BrokerPlacement) => Record<string, BrokerSettingValue> | Promise<Record<string, BrokerSettingValue>>;
  /** The `gregor` entry point the brokers run (default: the one beside this module). */
  readonly cli?: string;
  /** The command that runs the entry point (default: this Node, without flags), e.g. with Node flags, or under `taskset`. */
  readonly node?: readonly string[];
  /** Short etcd raft ticks, so sessions under a second can expire (tests). */
  readonly fastEtcd?: boolean;
  /** How long a broker may take to start and all of them to register (default 60 s). */
  readonly startTimeoutMs?: number;
  /**
   * Children in their own process groups, so a Ctrl-C at the terminal reaches only the launcher, which stops
   * them in order (`gregor cluster up`); they then outlive a launcher that is killed outright.
   */
  readonly ownProcessGroups?: boolean;
}

const DEFAULT_CLUSTER_NAME = 'local';
/** A broker's SIGTERM exit is budgeted at 10 s by `gregor serve`; past this it is killed. */
const STOP_GRACE_MS = 15_000;
const READY_LINE = 'gregor is ready';

export class LocalBroker {
  readonly nodeId: number;
  readonly port: number;
  readonly dataDir: string;
  /** The broker's stdout and stderr (its log), appended over restarts. */
  readonly logFile: string;
  readonly bootstrap: string;
  readonly #command: readonly string[];
  readonly #startTimeoutMs: number;
  #child: ChildProcess | undefined;
  #exited: Promise<number | string> | undefined;

  readonly #ownProcessGroup: boolean;

  constructor(nodeId: number, port: number, dataDir: string, logFile: string, command: readonly string[], startTimeoutMs: number, ownProcessGroup: boolean) {
    this.nodeId = nodeId;
    this.port = port;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.bootstrap = `127.0.0.1:${port}`;
    this.#command = command;
    this.#startTimeoutMs = startTimeoutMs;
    this.#ownProcessGroup = ownProcessGroup;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the broker process and resolves once it has printed its ready banner (it has registered). */
  async start(): Promise<void> {
    if (this.#child) throw new Error(`broker ${this.nodeId} is already running`);
    const log = openSync(this.logFile, 'a');
    const child = spawn(this.#command[0]!, this.#command.slice(1), { stdio: ['ignore', 'pipe', log], detached: this.#ownProcessGroup });
    this.#child = child;
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        closeSync(log);
        if (this.#child === child) this.#child = undefined;
        resolve(code ?? signal ?? -1);
      }),
    );
    let stdout = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        writeSync(log, chunk);
        stdout += chunk.toString();
        if (stdout.includes(READY_LINE)) resolve();
      });
      this.#exited!.then((exit) => reject(new Error(`broker ${this.nodeId} exited with ${exit} before it was ready:\n${this.logTail()}`)));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), this.#startTimeoutMs);
    try {
      await ready;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal to the running broker (SIGKILL, SIGSTOP, SIGCONT...) without waiting for its effect. */
  signal(signal: NodeJS.Signals): void {
    this.#child?.kill(signal);
  }

  /** Sends the signal and resolves with the exit code (or signal name) once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = STOP_GRACE_MS): Promise<number | string> {
    const child = this.#child;
    const exited = this.#exited;
    if (!child || !exited) return 'not running';
    child.kill('SIGCONT');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The end of the broker's log, for error messages. */
  logTail(bytes = 4000): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-bytes);
    } catch {
      return '';
    }
  }
}

export class LocalCluster {
  readonly etcd: LocalEtcd;
  readonly brokers: readonly LocalBroker[];
  readonly dataDir: string;
  readonly clusterName: string;
  readonly #ownsDataDir: boolean;
  readonly #startTimeoutMs: number;
  /** A launcher that dies of an error takes its children with it (the 'exit' event runs synchronous code only). */
  readonly #killOnExit = (): void => {
    for (const broker of this.brokers) broker.signal('SIGKILL');
    void this.etcd.stop('SIGKILL');
  };

  private constructor(etcd: LocalEtcd, brokers: LocalBroker[], dataDir: string, clusterName: string, ownsDataDir: boolean, startTimeoutMs: number) {
    this.etcd = etcd;
    this.brokers = brokers;
    this.dataDir = dataDir;
    this.clusterName = clusterName;
    this.#ownsDataDir = ownsDataDir;
    this.#startTimeoutMs = startTimeoutMs;
  }

  /** Starts etcd and the brokers and resolves once every broker's Metadata lists all of them. */
  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    if (!Number.isSafeInteger(options.brokers) || options.brokers < 1) throw new RangeError(`brokers must be at least 1, got ${options.brokers}`);
    const ownsDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gregor-cluster-'));
    const startTimeoutMs = options.startTimeoutMs ?? 60_000;
    const clusterName = options.clusterName ?? DEFAULT_CLUSTER_NAME;
    const ports = await clusterPorts(options.brokers, options.basePort);
    let etcd: LocalEtcd | undefined;
    const brokers: LocalBroker[] = [];
    let cluster: LocalCluster | undefined;
    try {
      mkdirSync(join(dataDir, 'etcd'), { recursive: true });
      etcd = await LocalEtcd.start({
        dataDir: join(dataDir, 'etcd'),
        clientPort: ports.etcdClient,
        peerPort: ports.etcdPeer,
        fastTicks: options.fastEtcd,
        ownProcessGroup: options.ownProcessGroups,
      });
      const cli = options.cli ?? fileURLToPath(new URL('../main.js', import.meta.url));
      for (let nodeId = 1; nodeId <= options.brokers; nodeId++) {
        const port = ports.brokers[nodeId - 1]!;
        const brokerDir = join(dataDir, `broker-${nodeId}`);
        mkdirSync(brokerDir, { recursive: true });
        const settings: Record<string, BrokerSettingValue> = {
          'node.id': nodeId,
          'log.dirs': brokerDir,
          listeners: `PLAINTEXT://127.0.0.1:${port}`,
          'gregor.metadata.store': 'etcd',
          'gregor.etcd.endpoints': etcd.endpoint,
          'gregor.cluster.name': clusterName,
          ...(options.sessionTimeoutMs === undefined ? {} : { 'broker.session.timeout.ms': options.sessionTimeoutMs }),
          ...(await options.settings?.({ nodeId, port, etcdEndpoint: etcd.endpoint, dataDir: brokerDir })),
        };
        const overrides = Object.entries(settings).flatMap(([key, value]) => ['--override', `${key}=${value}`]);
        const command = [...(options.node ?? [process.execPath]), cli, 'serve', ...overrides];
        brokers.push(
          new LocalBroker(nodeId, port, brokerDir, join(dataDir, `broker-${nodeId}.log`), command, startTimeoutMs, options.ownProcessGroups ?? false),
        );
      }
      cluster = new LocalCluster(etcd, brokers, dataDir, clusterName, ownsDataDir, startTimeoutMs);
      process.once('exit', cluster.#killOnExit);
      // One after the other: each registration is a few etcd round trips, and two cores are common.
      for (const broker of brokers) await broker.start();
      await cluster.waitUntilRegistered();
      return cluster;
    } catch (error) {
      if (cluster) process.off('exit', cluster.#killOnExit);
      await Promise.all(brokers.map((b) => b.stop('SIGKILL')));
      await etcd?.stop('SIGKILL');
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The bootstrap servers of every broker, comma separated. */
  get bootstrapServers(): string {
    return this.brokers.map((b) => b.bootstrap).join(',');
  }

  broker(nodeId: number): LocalBroker {
    const broker = this.brokers.find((b) => b.nodeId === nodeId);
    if (!broker) throw new RangeError(`no broker ${nodeId} in this cluster`);
    return broker;
  }

  /** Resolves once every running broker's Metadata lists exactly the running brokers. */
  async waitUntilRegistered(timeoutMs = this.#startTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = await this.registrations();
      const expected = [...views.keys()].join(',');
      if ([...views.values()].every((view) => view.join(',') === expected)) return;
      if (Date.now() > deadline) {
        const seen = [...views].map(([nodeId, view]) => `${nodeId}: [${view.join(',')}]`).join(', ');
        throw new Error(`brokers ${expected} not all registered within ${timeoutMs} ms; the brokers each lists: ${seen}`);
      }
      await sleep(100);
    }
  }

  /** For each running broker, the node ids its Metadata lists (none when it does not answer). */
  async registrations(): Promise<Map<number, number[]>> {
    const running = this.brokers.filter((b) => b.running);
    const views = await Promise.all(running.map((b) => registeredBrokers(b.bootstrap)));
    return new Map(running.map((b, i) => [b.nodeId, views[i]!]));
  }

  /** Stops every broker (SIGTERM, SIGKILL after the grace), then etcd; removes the data unless it was given. */
  async close(): Promise<void> {
    process.off('exit', this.#killOnExit);
    await Promise.all(this.brokers.map((b) => b.stop('SIGTERM')));
    await this.etcd.stop();
    if (this.#ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** The node ids a broker's Metadata lists, sorted (none when it does not answer). */
async function registeredBrokers(bootstrap: string): Promise<number[]> {
  const admin = new Admin({ clientId: 'gregor-cluster', bootstrapBrokers: [bootstrap], connectTimeout: 1_000, timeout: 2_000, retries: 0 });
  try {
    const metadata = await admin.metadata({ topics: [] });
    return [...metadata.brokers.keys()].sort((a, b) => a - b);
  } catch {
    return [];
  } finally {
    await admin.close().catch(() => undefined);
  }
}

interface ClusterPorts {
  readonly brokers: number[];
  readonly etcdClient: number;
  readonly etcdPeer: number;
}

async function clusterPorts(count: number, basePort: number | undefined): Promise<ClusterPorts> {
  if (basePort !== undefined) {
    return { brokers: Array.from({ length: count }, (_, i) => basePort + i), etcdClient: basePort + count, etcdPeer: basePort + count + 1 };
  }
  const brokers: number[] = [];
  for (let i = 0; i < count; i++) brokers.push(await freeLoopbackPort());
  return { brokers, etcdClient: await freeLoopbackPort(), etcdPeer: await freeLoopbackPort() };
}

/**
 * gregor as a three-broker benchmark target: the `gregor cluster up` launcher (src/cli/cluster) starts a local
 * etcd and three `gregor serve` processes, each with the Node flags of the build's `npm start` and the gregor
 * target's settings (acks=all answered once every in-sync replica has the batch, without an fsync, as Kafka
 * does), pinned with etcd to the broker cores; ready once every broker lists all three. The baseline variant
 * runs another build's `dist` the same way (a change and its base in one run), as gregor-baseline does for one node.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LocalCluster } from '../../src/cli/cluster/local-cluster.js';
import { etcdMissing } from '../../src/cli/cluster/local-etcd.js';
import { REPO_ROOT } from '../lib/paths.js';
import { pinProcess } from '../lib/process.js';
import { DISK_BUDGET_BROKER_SETTINGS } from './disk-budget.js';
import { GREGOR_CLI, startNodeFlags } from './gregor.js';
import type { RunningBroker, StartOptions, Target } from './target.js';

const BROKERS = 3;

const BROKER_SETTINGS = {
  'gregor.flush.before.acks.all.enable': false,
  ...DISK_BUDGET_BROKER_SETTINGS,
  // Kafka runs with WARN logging in the harness too.
  'gregor.log.level': 'warn',
};

export class GregorClusterTarget implements Target {
  readonly name: string;
  readonly #cli: string;
  readonly #root: string;

  /** `baselineDist`: the `dist` directory of the build to run as `gregor-cluster-baseline` instead of this one's. */
  constructor(private readonly baselineDist?: string) {
    this.name = baselineDist ? 'gregor-cluster-baseline' : 'gregor-cluster';
    this.#cli = baselineDist ? join(baselineDist, 'src', 'cli', 'main.js') : GREGOR_CLI;
    this.#root = baselineDist ? dirname(baselineDist) : REPO_ROOT;
  }

  describe(): Record<string, string> {
    return {
      broker: `gregor (node ${process.version})${this.baselineDist ? ` of the baseline build ${this.baselineDist}` : ''}, ${BROKERS} \`gregor serve\` brokers and a single-member etcd (the \`gregor cluster up\` launcher)`,
      durability: 'gregor.flush.before.acks.all.enable=false: acks=all answered once every ISR member has the batch, as Kafka does; no fsync per write',
    };
  }

  async unavailable(): Promise<string | null> {
    if (!existsSync(this.#cli)) return `gregor's CLI is not built (${this.#cli}); run npm run build`;
    return etcdMissing() ?? null;
  }

  async start(options: StartOptions): Promise<RunningBroker> {
    mkdirSync(options.dataRoot, { recursive: true });
    const dataDir = mkdtempSync(join(options.dataRoot, `${this.name}-`));
    const pin = options.cpus === undefined ? [] : ['taskset', '-c', options.cpus];
    const cluster = await LocalCluster.start({
      brokers: BROKERS,
      dataDir,
      cli: this.#cli,
      node: [...pin, process.execPath, ...startNodeFlags(this.#root)],
      clusterName: 'bench',
      settings: () => BROKER_SETTINGS,
    });
    const stop = async () => {
      await cluster.close();
      rmSync(dataDir, { recursive: true, force: true });
    };
    try {
      pinProcess(cluster.etcd.pid!, options.cpus);
    } catch (e) {
      await stop();
      throw e;
    }
    const nodes = {
      stop: async (nodeId: number) => {
        await cluster.broker(nodeId).stop();
      },
      start: (nodeId: number) => cluster.broker(nodeId).start(),
    };
    return {
      target: this.name,
      bootstrap: cluster.brokers[0]!.bootstrap,
      get pids() {
        return [...cluster.brokers, cluster.etcd].flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
      },
      brokers: BROKERS,
      nodes,
      stop,
    };
  }
}

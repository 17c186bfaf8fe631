/**
 * Failover benchmark of a three-broker cluster (`gregor serve` processes over a local etcd, loopback):
 * how long after a broker's SIGKILL the controller has given its partitions their new state (RF 1: offline,
 * leader -1, as a survivor's Metadata shows it), how long after the controller's SIGKILL another broker is
 * controller, and for a SIGTERM (controlled shutdown) how long until leadership of the broker's RF 2
 * partitions has moved while it is still registered, and until it exits. Each trial restarts the broker it
 * stopped. Prints a JSON summary.
 *
 *   node dist/bench/cluster/failover.js [--trials 20] [--session-ms 2000]
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EtcdMetadataStore } from '../../src/cluster/store/etcd-store.js';
import type { MetadataStore } from '../../src/cluster/store/metadata-store.js';
import { PrefixedStore, clusterPrefix } from '../../src/cluster/store/prefixed-store.js';
import { KEYS, type PartitionState } from '../../src/cluster/store/shared-metadata.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { EtcdProcess, etcdMissing } from '../lib/etcd.js';
import { REPO_ROOT } from '../lib/paths.js';
import { ephemeralPort } from '../lib/ports.js';
import { answersApiVersions } from '../lib/probe.js';
import { startProcess, stopProcess, waitFor } from '../lib/process.js';
import { RawClient } from '../lib/raw-client.js';
import { spread } from '../lib/stats.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const PARTITIONS = 6;
const SINGLE = 'failover-rf1';
/** Metadata is polled this often while waiting for a change (the figures' resolution). */
const POLL_MS = 5;

interface Node {
  readonly nodeId: number;
  readonly dataDir: string;
  readonly port: number;
  child: ChildProcess;
}

interface PartitionView {
  readonly leader: number;
  readonly offline: boolean;
}

interface ClusterView {
  readonly controller: number;
  readonly brokers: readonly number[];
  readonly topics: ReadonlyMap<string, readonly PartitionView[]>;
}

const { values } = parseArgs({ options: { trials: { type: 'string', default: '20' }, 'session-ms': { type: 'string', default: '2000' } } });
const trials = Number(values.trials);
const sessionMs = Number(values['session-ms']);

function environment(nodeId: number, node: Pick<Node, 'dataDir' | 'port'>, etcd: EtcdProcess, cluster: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GREGOR_NODE_ID: String(nodeId),
    GREGOR_LISTENERS: `PLAINTEXT://127.0.0.1:${node.port}`,
    GREGOR_LOG_DIRS: node.dataDir,
    GREGOR_METADATA_STORE: 'etcd',
    GREGOR_ETCD_ENDPOINTS: etcd.endpoint,
    GREGOR_CLUSTER_NAME: cluster,
    GREGOR_BROKER_SESSION_TIMEOUT_MS: String(sessionMs),
    GREGOR_LOG_LEVEL: 'warn',
  };
}

async function spawnNode(node: Pick<Node, 'nodeId' | 'dataDir' | 'port'>, etcd: EtcdProcess, cluster: string): Promise<ChildProcess> {
  const child = startProcess(process.execPath, [CLI, 'serve'], {}, environment(node.nodeId, node, etcd, cluster));
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
  child.stdout!.resume();
  await waitFor(`broker ${node.nodeId} to answer`, 60_000, async () => {
    if (child.exitCode !== null) throw new Error(`broker ${node.nodeId} exited with ${child.exitCode}: ${output}`);
    return answersApiVersions('127.0.0.1', node.port);
  });
  return child;
}

async function view(port: number, names: readonly string[] = [SINGLE]): Promise<ClusterView | undefined> {
  let client: RawClient | undefined;
  try {
    client = await RawClient.connect(`127.0.0.1:${port}`);
    const response = await client.request(ApiKey.Metadata, 12, {
      topics: names.map((name) => ({ topicId: ZERO_UUID, name })),
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const topics = new Map<string, PartitionView[]>();
    for (const topic of response.topics as { name: string; partitions: { partitionIndex: number; errorCode: number; leaderId: number }[] }[]) {
      const partitions = [...topic.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex);
      topics.set(
        topic.name,
        partitions.map((p) => ({ leader: p.leaderId, offline: p.errorCode === ErrorCode.LEADER_NOT_AVAILABLE })),
      );
    }
    return { controller: response.controllerId, brokers: (response.brokers as { nodeId: number }[]).map((b) => b.nodeId).sort(), topics };
  } catch {
    return undefined;
  } finally {
    client?.close();
  }
}

/** Polls a survivor's Metadata (of the topics named) until `done` holds; returns the milliseconds since `since`. */
async function timeUntil(port: number, since: number, what: string, done: (view: ClusterView) => boolean, names?: readonly string[]): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const now = await view(port, names);
    if (now && done(now)) return performance.now() - since;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function ledBy(view: ClusterView, topic: string, nodeId: number): number[] {
  return (view.topics.get(topic) ?? []).flatMap((p, index) => (p.leader === nodeId ? [index] : []));
}

function allLed(view: ClusterView, nodes: readonly Node[]): boolean {
  return view.brokers.length === nodes.length && [...view.topics.values()].every((ps) => ps.length === PARTITIONS && ps.every((p) => p.leader > 0));
}

async function createTopic(port: number, name: string, replicationFactor: number): Promise<void> {
  const client = await RawClient.connect(`127.0.0.1:${port}`);
  try {
    const response = await client.request(ApiKey.CreateTopics, 7, {
      topics: [{ name, numPartitions: PARTITIONS, replicationFactor, assignments: [], configs: [] }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    if (response.topics[0].errorCode !== ErrorCode.NONE) throw new Error(`creating ${name}: error ${response.topics[0].errorCode}`);
  } finally {
    client.close();
  }
}

/**
 * Follows the cluster's keys in etcd, in revision order, while a broker stops; resolves, once its registration
 * has gone, with when (performance.now()) the last partition of `topic` it led got another leader if that came
 * before (a controlled shutdown that moved leadership first), else undefined.
 */
async function recordShutdown(store: MetadataStore, topic: string, nodeId: number): Promise<() => Promise<number | undefined>> {
  const { topicId } = JSON.parse((await store.get(KEYS.topic(topic)))!.value) as { topicId: string };
  const { kvs, revision } = await store.range(`${KEYS.partitions}${topicId}/`);
  const led = new Set(kvs.filter((kv) => (JSON.parse(kv.value) as PartitionState).leader === nodeId).map((kv) => kv.key));
  let movedAt: number | undefined;
  let unregistered = false;
  const watch = await store.watch('', {
    fromRevision: revision + 1,
    onEvents: (events) => {
      for (const event of events) {
        if (event.type === 'delete' && event.kv.key === KEYS.broker(nodeId)) unregistered = true;
        else if (!unregistered && event.type === 'put' && led.has(event.kv.key) && (JSON.parse(event.kv.value) as PartitionState).leader !== nodeId) {
          led.delete(event.kv.key);
          if (led.size === 0) movedAt = performance.now();
        }
      }
    },
  });
  return async () => {
    await waitFor('the stopped broker’s registration to go', 30_000, () => unregistered);
    await watch.cancel();
    return movedAt;
  };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function main(): Promise<void> {
  if (etcdMissing) throw new Error(etcdMissing);
  const etcd = await EtcdProcess.start();
  const cluster = `bench-${Date.now()}`;
  const store = new PrefixedStore(new EtcdMetadataStore([etcd.endpoint]), clusterPrefix(cluster));
  const nodes: Node[] = [];
  try {
    for (const nodeId of [1, 2, 3]) {
      const node = { nodeId, dataDir: mkdtempSync(join(tmpdir(), `gregor-failover-${nodeId}-`)), port: await ephemeralPort() };
      nodes.push({ ...node, child: await spawnNode(node, etcd, cluster) });
    }
    await createTopic(nodes[0]!.port, SINGLE, 1);
    await timeUntil(nodes[0]!.port, performance.now(), 'every partition led', (v) => allLed(v, nodes));

    const restart = async (node: Node): Promise<void> => {
      node.child = await spawnNode(node, etcd, cluster);
      const other = nodes.find((n) => n !== node)!;
      await timeUntil(other.port, performance.now(), 'every partition led again', (v) => allLed(v, nodes));
    };

    const brokerKill: number[] = [];
    const controllerKill: number[] = [];
    const termExit: number[] = [];
    const termMoved: number[] = [];
    let movedBeforeExit = 0;
    for (let trial = 0; trial < trials; trial++) {
      let current = (await view(nodes[0]!.port))!;
      // A broker that is not the controller, SIGKILLed: its RF 1 partitions offline.
      const victim = nodes.filter((n) => n.nodeId !== current.controller)[trial % 2]!;
      const survivor = nodes.find((n) => n !== victim)!;
      let since = performance.now();
      victim.child.kill('SIGKILL');
      brokerKill.push(
        await timeUntil(survivor.port, since, 'the killed broker’s partitions to get their new state', (v) => ledBy(v, SINGLE, victim.nodeId).length === 0),
      );
      await exited(victim.child);
      await restart(victim);

      // The controller SIGKILLed: another broker is elected.
      current = (await view(survivor.port))!;
      const controller = nodes.find((n) => n.nodeId === current.controller)!;
      const witness = nodes.find((n) => n !== controller)!;
      since = performance.now();
      controller.child.kill('SIGKILL');
      controllerKill.push(await timeUntil(witness.port, since, 'a new controller', (v) => v.controller !== -1 && v.controller !== controller.nodeId));
      await exited(controller.child);
      await restart(controller);

      // SIGTERM: leadership of RF 2 partitions moves before the broker exits. A new topic each time: nothing
      // brings a restarted replica back into the ISR yet (replication's job), so an old one has nowhere to move.
      const replicated = `failover-rf2-${trial}`;
      await createTopic(witness.port, replicated, 2);
      await timeUntil(witness.port, performance.now(), 'the RF 2 topic led', (v) => allLed(v, nodes), [replicated]);
      const stopped = nodes[trial % nodes.length]!;
      const moved = await recordShutdown(store, replicated, stopped.nodeId);
      since = performance.now();
      await stopProcess(stopped.child, 15_000);
      termExit.push(performance.now() - since);
      const movedAt = await moved();
      if (movedAt !== undefined) {
        movedBeforeExit++;
        termMoved.push(movedAt - since);
      }
      await restart(stopped);
      process.stderr.write(
        `trial ${trial + 1}/${trials}: kill ${brokerKill.at(-1)!.toFixed(0)} ms, controller ${controllerKill.at(-1)!.toFixed(0)} ms, SIGTERM exit ${termExit.at(-1)!.toFixed(0)} ms\n`,
      );
    }
    const summary = (values: number[]) => {
      const s = spread(values);
      return { medianMs: Math.round(s.median), minMs: Math.round(s.min), maxMs: Math.round(s.max), n: s.n };
    };
    process.stdout.write(
      `${JSON.stringify(
        {
          sessionTimeoutMs: sessionMs,
          partitions: `${PARTITIONS} RF 1 over 3 brokers, and a new ${PARTITIONS}-partition RF 2 topic before each SIGTERM`,
          brokerSigkillToNewPartitionState: summary(brokerKill),
          controllerSigkillToNewController: summary(controllerKill),
          sigtermToRf2LeadershipMoved: summary(termMoved),
          sigtermToExit: summary(termExit),
          sigtermExitsWithRf2LeadershipMovedFirst: `${movedBeforeExit}/${trials}`,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    for (const node of nodes) {
      node.child.kill('SIGKILL');
      await exited(node.child);
      rmSync(node.dataDir, { recursive: true, force: true });
    }
    await store.close();
    await etcd.destroy();
  }
}

await main();

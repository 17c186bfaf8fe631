/**
 * Failover benchmark of a three-broker cluster (the `gregor cluster up` launcher: `gregor serve` processes
 * over a local etcd, loopback) with one 6-partition RF 2 topic: how long after a broker's SIGKILL every
 * partition it led has a new leader (as a survivor's Metadata shows it), how long after the controller's
 * SIGKILL another broker is controller, and for a SIGTERM (controlled shutdown) how long until leadership of
 * the broker's partitions has moved while it is still registered (read from etcd's watch, in revision
 * order), and until it exits. Each trial restarts the broker it stopped and waits until every partition's
 * ISR is whole again. Prints a JSON summary.
 *
 *   node dist/bench/cluster/failover.js [--trials 20] [--session-ms 2000]
 */
import { parseArgs } from 'node:util';
import { LocalCluster, type LocalBroker } from '../../src/cli/cluster/local-cluster.js';
import type { MetadataStore } from '../../src/cluster/store/metadata-store.js';
import { KEYS, type PartitionState } from '../../src/cluster/store/shared-metadata.js';
import { waitFor } from '../lib/process.js';
import { durationSummary } from '../lib/stats.js';
import { type ClusterView, allLed, clusterStore, clusterView, createTopic, ledBy, partitionStates } from './cluster-probe.js';

const BROKERS = 3;
const PARTITIONS = 6;
const REPLICATION_FACTOR = 2;
const TOPIC = 'failover';
/** Metadata is polled this often while waiting for a change (the figures' resolution). */
const POLL_MS = 5;

const { values } = parseArgs({ options: { trials: { type: 'string', default: '20' }, 'session-ms': { type: 'string', default: '2000' } } });
const trials = Number(values.trials);
const sessionMs = Number(values['session-ms']);

/** Polls a broker's Metadata of the topic until `done` holds; returns the milliseconds since `since`. */
async function timeUntil(broker: LocalBroker, since: number, what: string, done: (view: ClusterView) => boolean): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const now = await clusterView(broker.bootstrap, [TOPIC]);
    if (now && done(now)) return performance.now() - since;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Every partition of the topic is led by a registered broker and has its whole ISR, as stored. */
async function whole(store: MetadataStore): Promise<boolean> {
  const { states } = await partitionStates(store, TOPIC);
  return states.size === PARTITIONS && [...states.values()].every((s) => s.leader > 0 && s.isr.length === REPLICATION_FACTOR);
}

async function busiestLeader(cluster: LocalCluster, store: MetadataStore): Promise<LocalBroker> {
  const { states } = await partitionStates(store, TOPIC);
  const led = (broker: LocalBroker) => [...states.values()].filter((s) => s.leader === broker.nodeId).length;
  return cluster.brokers.reduce((busiest, broker) => (led(broker) > led(busiest) ? broker : busiest));
}

/**
 * Follows the cluster's keys in etcd, in revision order, while a broker stops; resolves, once its registration
 * has gone, with when (performance.now()) the last partition of the topic it led got another leader if that
 * came before (a controlled shutdown that moved leadership first), else undefined.
 */
async function recordShutdown(store: MetadataStore, nodeId: number): Promise<() => Promise<number | undefined>> {
  const { states, revision } = await partitionStates(store, TOPIC);
  const led = new Set([...states].filter(([, state]) => state.leader === nodeId).map(([key]) => key));
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

async function main(): Promise<void> {
  const cluster = await LocalCluster.start({
    brokers: BROKERS,
    sessionTimeoutMs: sessionMs,
    fastEtcd: true,
    settings: () => ({ 'gregor.log.level': 'warn' }),
  });
  const store = clusterStore(cluster);
  const restart = async (broker: LocalBroker): Promise<void> => {
    await broker.start();
    await waitFor('every partition led with its whole ISR again', 60_000, () => whole(store));
  };
  try {
    await createTopic(cluster.brokers[0]!.bootstrap, TOPIC, PARTITIONS, REPLICATION_FACTOR);
    await waitFor('every partition led with its whole ISR', 60_000, () => whole(store));

    const brokerKill: number[] = [];
    const controllerKill: number[] = [];
    const termExit: number[] = [];
    const termMoved: number[] = [];
    let movedBeforeExit = 0;
    for (let trial = 0; trial < trials; trial++) {
      let current = (await clusterView(cluster.brokers[0]!.bootstrap, [TOPIC]))!;
      // A broker that is not the controller, SIGKILLed: the partitions it led get new leaders.
      const victim = cluster.brokers.filter((b) => b.nodeId !== current.controller)[trial % 2]!;
      const survivor = cluster.brokers.find((b) => b !== victim)!;
      let since = performance.now();
      victim.signal('SIGKILL');
      brokerKill.push(
        await timeUntil(
          survivor,
          since,
          'the killed broker’s partitions to get new leaders',
          (v) => ledBy(v, TOPIC, victim.nodeId).length === 0 && allLed(v, BROKERS - 1, PARTITIONS),
        ),
      );
      await victim.stop('SIGKILL');
      await restart(victim);

      // The controller SIGKILLed: another broker is elected.
      current = (await clusterView(survivor.bootstrap, [TOPIC]))!;
      const controller = cluster.broker(current.controller);
      const witness = cluster.brokers.find((b) => b !== controller)!;
      since = performance.now();
      controller.signal('SIGKILL');
      controllerKill.push(await timeUntil(witness, since, 'a new controller', (v) => v.controller !== -1 && v.controller !== controller.nodeId));
      await controller.stop('SIGKILL');
      await restart(controller);

      // SIGTERM to the broker leading most partitions (without preferred-leader balancing, restarts leave it uneven):
      // leadership moves before it exits.
      const stopped = await busiestLeader(cluster, store);
      const moved = await recordShutdown(store, stopped.nodeId);
      since = performance.now();
      await stopped.stop('SIGTERM');
      termExit.push(performance.now() - since);
      const movedAt = await moved();
      if (movedAt !== undefined) {
        movedBeforeExit++;
        termMoved.push(movedAt - since);
      }
      await restart(stopped);
      process.stderr.write(
        `trial ${trial + 1}/${trials}: kill ${brokerKill.at(-1)!.toFixed(0)} ms, controller ${controllerKill.at(-1)!.toFixed(0)} ms, SIGTERM moved ${movedAt === undefined ? '-' : (movedAt - since).toFixed(0)} ms, exit ${termExit.at(-1)!.toFixed(0)} ms\n`,
      );
    }
    process.stdout.write(
      `${JSON.stringify(
        {
          sessionTimeoutMs: sessionMs,
          partitions: `${PARTITIONS} RF ${REPLICATION_FACTOR} over ${BROKERS} brokers`,
          brokerSigkillToNewLeaders: durationSummary(brokerKill),
          controllerSigkillToNewController: durationSummary(controllerKill),
          sigtermToLeadershipMoved: durationSummary(termMoved),
          sigtermToExit: durationSummary(termExit),
          sigtermExitsWithLeadershipMovedFirst: `${movedBeforeExit}/${trials}`,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await store.close();
    await cluster.close();
  }
}

await main();

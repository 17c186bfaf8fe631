/**
 * A three-broker cluster (the `gregor cluster up` launcher, loopback) holding many partitions: each broker's
 * resident memory once they are created and led, and the controller's failover: from the controller's
 * SIGKILL until another broker is controller, and until it has re-elected every partition the dead broker
 * led (as written to etcd, followed by a watch here), with the CPU the new controller spent meanwhile. Each
 * trial restarts the killed broker and waits until every partition's ISR is whole again. Prints JSON.
 *
 *   node dist/bench/cluster/scale.js [--partitions 1000] [--topics 10] [--replication-factor 2] [--trials 5] [--session-ms 2000]
 */
import { parseArgs } from 'node:util';
import { LocalCluster, type LocalBroker } from '../../src/cli/cluster/local-cluster.js';
import type { MetadataStore, RangeResult } from '../../src/cluster/store/metadata-store.js';
import { KEYS, type PartitionState, type TopicRecord } from '../../src/cluster/store/shared-metadata.js';
import { CLOCK_TICKS, cpuTicks, rss, waitFor, waitForIdle } from '../lib/process.js';
import { durationSummary } from '../lib/stats.js';
import { clusterStore, createTopic } from './cluster-probe.js';

const { values } = parseArgs({
  options: {
    partitions: { type: 'string', default: '1000' },
    topics: { type: 'string', default: '10' },
    'replication-factor': { type: 'string', default: '2' },
    trials: { type: 'string', default: '5' },
    'session-ms': { type: 'string', default: '2000' },
  },
});
const partitions = Number(values.partitions);
const topicCount = Number(values.topics);
const replicationFactor = Number(values['replication-factor']);
const trials = Number(values.trials);
const sessionMs = Number(values['session-ms']);
const BROKERS = 3;
const TOPIC_PREFIX = 'scale-';

interface Failover {
  readonly newControllerMs: number;
  readonly reelectedMs: number;
  readonly reelected: number;
  readonly newControllerCpuMs: number;
}

/** The partition states of the bench's topics (not __consumer_offsets'), with the revision read. */
async function benchPartitions(store: MetadataStore): Promise<RangeResult> {
  const { kvs, revision } = await store.range(KEYS.partitions);
  const topicIds = new Set<string>();
  for (const kv of (await store.range(KEYS.topics)).kvs) {
    const topic = JSON.parse(kv.value) as TopicRecord;
    if (topic.name.startsWith(TOPIC_PREFIX)) topicIds.add(topic.topicId);
  }
  return { kvs: kvs.filter((kv) => topicIds.has(kv.key.split('/')[1]!)), revision };
}

/** Every partition of the bench's topics has a leader and a whole ISR. */
async function settled(store: MetadataStore): Promise<boolean> {
  const { kvs } = await benchPartitions(store);
  return (
    kvs.length === partitions &&
    kvs.every((kv) => {
      const state = JSON.parse(kv.value) as PartitionState;
      return state.leader > 0 && state.isr.length === replicationFactor;
    })
  );
}

async function controllerOf(store: MetadataStore): Promise<number> {
  let controller: number | undefined;
  await waitFor('a controller', 60_000, async () => {
    const kv = await store.get(KEYS.controller);
    controller = kv && Number(kv.value);
    return controller !== undefined;
  });
  return controller!;
}

/** SIGKILLs the controller and follows etcd until another is elected and has re-elected what the dead one led. */
async function killController(cluster: LocalCluster, store: MetadataStore): Promise<Failover> {
  const dead = await controllerOf(store);
  const { kvs, revision } = await benchPartitions(store);
  const led = new Set(kvs.filter((kv) => (JSON.parse(kv.value) as PartitionState).leader === dead).map((kv) => kv.key));
  const reelected = led.size;
  let newController: { at: number; nodeId: number } | undefined;
  let reelectedAt: number | undefined;
  const watch = await store.watch('', {
    fromRevision: revision + 1,
    onEvents: (events) => {
      const now = performance.now();
      for (const { type, kv } of events) {
        if (type !== 'put') continue;
        if (kv.key === KEYS.controller && Number(kv.value) !== dead) newController ??= { at: now, nodeId: Number(kv.value) };
        else if (led.has(kv.key)) {
          const { leader } = JSON.parse(kv.value) as PartitionState;
          if (leader > 0 && leader !== dead) led.delete(kv.key);
          if (led.size === 0) reelectedAt ??= now;
        }
      }
    },
  });
  const survivors = cluster.brokers.filter((b) => b.nodeId !== dead);
  const ticksBefore = new Map(survivors.map((b) => [b.nodeId, cpuTicks([b.pid!])]));
  const since = performance.now();
  await cluster.broker(dead).stop('SIGKILL');
  try {
    await waitFor('the dead controller’s partitions re-elected', 120_000, () => reelectedAt !== undefined && newController !== undefined);
  } finally {
    await watch.cancel();
  }
  const successor = cluster.broker(newController!.nodeId);
  return {
    newControllerMs: newController!.at - since,
    reelectedMs: reelectedAt! - since,
    reelected,
    newControllerCpuMs: ((cpuTicks([successor.pid!]) - ticksBefore.get(successor.nodeId)!) / CLOCK_TICKS) * 1000,
  };
}

async function idle(brokers: readonly LocalBroker[]): Promise<void> {
  for (const broker of brokers) await waitForIdle([broker.pid!], 10, 60_000);
}

function memory(brokers: readonly LocalBroker[]): Record<string, { rssMiB: number; rssAnonMiB: number }> {
  return Object.fromEntries(
    brokers.map((b) => {
      const { total, anon } = rss([b.pid!]);
      return [`broker${b.nodeId}`, { rssMiB: Math.round(total / 1048576), rssAnonMiB: Math.round(anon / 1048576) }];
    }),
  );
}

async function main(): Promise<void> {
  const cluster = await LocalCluster.start({
    brokers: BROKERS,
    sessionTimeoutMs: sessionMs,
    fastEtcd: true,
    settings: () => ({ 'gregor.log.level': 'warn' }),
  });
  const store = clusterStore(cluster);
  try {
    await idle(cluster.brokers);
    const empty = memory(cluster.brokers);
    const perTopic = Math.ceil(partitions / topicCount);
    const createdSince = performance.now();
    for (let t = 0, left = partitions; left > 0; t++, left -= perTopic) {
      await createTopic(cluster.brokers[t % BROKERS]!.bootstrap, `${TOPIC_PREFIX}${t}`, Math.min(perTopic, left), replicationFactor);
    }
    await waitFor('every partition led with a whole ISR', 300_000, () => settled(store));
    const createdMs = performance.now() - createdSince;
    await idle(cluster.brokers);
    const loaded = memory(cluster.brokers);

    const failovers: Failover[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const failover = await killController(cluster, store);
      failovers.push(failover);
      const restarted = performance.now();
      const dead = cluster.brokers.find((b) => !b.running)!;
      await dead.start();
      await waitFor('every ISR whole again', 300_000, () => settled(store));
      process.stderr.write(
        `trial ${trial + 1}/${trials}: new controller ${failover.newControllerMs.toFixed(0)} ms, ${failover.reelected} re-elected at ${failover.reelectedMs.toFixed(0)} ms (${failover.newControllerCpuMs.toFixed(0)} ms CPU), ISR whole ${(performance.now() - restarted).toFixed(0)} ms after restart\n`,
      );
      await idle(cluster.brokers);
    }
    process.stdout.write(
      `${JSON.stringify(
        {
          sessionTimeoutMs: sessionMs,
          partitions: `${partitions} in ${topicCount} topics, RF ${replicationFactor}, over ${BROKERS} brokers`,
          createdAndLedMs: Math.round(createdMs),
          memoryEmpty: empty,
          memoryWithPartitions: loaded,
          controllerSigkillToNewController: durationSummary(failovers.map((f) => f.newControllerMs)),
          controllerSigkillToPartitionsReelected: durationSummary(failovers.map((f) => f.reelectedMs)),
          partitionsReelectedPerTrial: failovers.map((f) => f.reelected),
          newControllerCpuDuringFailover: durationSummary(failovers.map((f) => f.newControllerCpuMs)),
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

/**
 * Metadata propagation in a three-broker cluster (the `gregor cluster up` launcher, loopback): for each of N
 * topics created one after the other (through each broker in turn), the time from sending CreateTopics until
 * every broker serves it: each broker's Metadata lists a leader for every partition, and each partition's
 * leader accepts a one-record Produce. Reports the CreateTopics answer, the slowest broker's Metadata and
 * the whole, as p50/p99/max over the topics. Prints JSON.
 *
 *   node dist/bench/cluster/propagation.js [--topics 100] [--partitions 3] [--replication-factor 2]
 */
import { parseArgs } from 'node:util';
import { LocalCluster, type LocalBroker } from '../../src/cli/cluster/local-cluster.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { quantile } from '../lib/stats.js';
import { clusterView, createTopic, produceOne } from './cluster-probe.js';

const BROKERS = 3;
/** How often a broker is asked again while it does not serve the topic yet (the figures' resolution). */
const POLL_MS = 5;
const TIMEOUT_MS = 60_000;

const { values } = parseArgs({
  options: {
    topics: { type: 'string', default: '100' },
    partitions: { type: 'string', default: '3' },
    'replication-factor': { type: 'string', default: '2' },
  },
});
const topicCount = Number(values.topics);
const partitions = Number(values.partitions);
const replicationFactor = Number(values['replication-factor']);

async function poll<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** When (performance.now()) the broker's Metadata first lists a leader for every partition of the topic, and the leaders it lists. */
async function listed(broker: LocalBroker, topic: string): Promise<{ at: number; leaders: number[] }> {
  return poll(`broker ${broker.nodeId} to list ${topic}'s leaders`, async () => {
    const view = await clusterView(broker.bootstrap, [topic]);
    const leaders = view?.topics.get(topic)?.map((p) => p.leader);
    return leaders?.length === partitions && leaders.every((id) => id > 0) ? { at: performance.now(), leaders } : undefined;
  });
}

/** When (performance.now()) the partition's leader first accepts a record. */
async function accepted(leader: LocalBroker, topic: string, partition: number): Promise<number> {
  return poll(`broker ${leader.nodeId} to accept a record for ${topic}-${partition}`, async () =>
    (await produceOne(leader.bootstrap, topic, partition)) === ErrorCode.NONE ? performance.now() : undefined,
  );
}

async function main(): Promise<void> {
  const cluster = await LocalCluster.start({ brokers: BROKERS, settings: () => ({ 'gregor.log.level': 'warn' }) });
  try {
    const created: number[] = [];
    const allListed: number[] = [];
    const serving: number[] = [];
    for (let t = 0; t < topicCount; t++) {
      const topic = `propagation-${t}`;
      const since = performance.now();
      const creation = createTopic(cluster.brokers[t % BROKERS]!.bootstrap, topic, partitions, replicationFactor).then(() => performance.now());
      const views = await Promise.all(cluster.brokers.map((broker) => listed(broker, topic)));
      const leaders = views[0]!.leaders;
      const produced = await Promise.all(leaders.map((leader, partition) => accepted(cluster.broker(leader), topic, partition)));
      created.push((await creation) - since);
      allListed.push(Math.max(...views.map((v) => v.at)) - since);
      serving.push(Math.max(...views.map((v) => v.at), ...produced) - since);
    }
    const summary = (values: number[]) => ({
      p50Ms: Math.round(quantile(values, 0.5)),
      p99Ms: Math.round(quantile(values, 0.99)),
      maxMs: Math.round(Math.max(...values)),
      n: values.length,
    });
    process.stdout.write(
      `${JSON.stringify(
        {
          topics: `${topicCount} created one after the other, ${partitions} partitions RF ${replicationFactor} each, over ${BROKERS} brokers`,
          createTopicsAnswered: summary(created),
          everyBrokerListsTheLeaders: summary(allListed),
          everyBrokerListsAndEveryLeaderAcceptsProduce: summary(serving),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await cluster.close();
  }
}

await main();

// Which partitions a controller pass looks at: every one at takeover, then only those a change touched and
// those with a replica whose liveness changed; the elections it writes are the rule's (partition-election.ts).
// And its sweep of the keys interrupted changes left unread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PartitionInfo, TopicInfo } from '../../src/cluster/cluster-metadata.js';
import { Controller, touchedPartitions } from '../../src/cluster/controller/controller.js';
import type { Leadership } from '../../src/cluster/store/election.js';
import { LocalMetadataStore } from '../../src/cluster/store/local-store.js';
import { KEYS, type PartitionState, SharedMetadata, type Versioned } from '../../src/cluster/store/shared-metadata.js';
import { pollUntil } from '../support/poll.js';

/** Partition p of each topic: replicas [p % 3 + 1, (p + 1) % 3 + 1], the first leading. */
const PARTITIONS = 6;

let dir: string;
let store: LocalMetadataStore;
let states: Map<string, Versioned<PartitionState>>;
let topics: TopicInfo[];
let live: Set<number>;
/** Each live broker's registration revision: 0 stands for registered before any state was written. */
let epochs: Map<number, number>;
let reads: string[];
let controller: Controller;
let leadership: Leadership;

function info(topic: TopicInfo, partition: number): PartitionInfo {
  const { value } = states.get(KEYS.partition(topic.topicId, partition))!;
  return { partition, leader: value.leader, leaderEpoch: value.leaderEpoch, partitionEpoch: value.partitionEpoch, replicas: value.replicas, isr: value.isr };
}

/** Reads the store back into the view the controller sees, as a broker applying the changes would. */
async function refresh(): Promise<void> {
  for (const kv of (await store.range(KEYS.partitions)).kvs) states.set(kv.key, { value: JSON.parse(kv.value) as PartitionState, modRevision: kv.modRevision });
  topics = topics.map((t) => ({ ...t, partitions: Array.from({ length: PARTITIONS }, (_, p) => info(t, p)) }));
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gregor-controller-pass-'));
  store = await LocalMetadataStore.open(join(dir, 'store.json'));
  const shared = new SharedMetadata(store);
  topics = [];
  for (const name of ['a', 'b']) {
    const record = { name, topicId: `${name}-id`, internal: false };
    const partitions = Array.from({ length: PARTITIONS }, (_, p): PartitionState => {
      const replicas = [(p % 3) + 1, ((p + 1) % 3) + 1];
      return { leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0, replicas, isr: replicas };
    });
    await shared.createTopic(record, {}, partitions);
    topics.push({ ...record, configs: {}, partitions: [] });
  }
  states = new Map();
  await refresh();
  const elected = await store.txn({ compare: [], success: [{ type: 'put', key: KEYS.controller, value: '1' }] });
  leadership = {
    key: KEYS.controller,
    revision: elected.revision,
    guard: { key: KEYS.controller, target: 'createRevision', result: '=', value: elected.revision },
    resign: async () => undefined,
  };
  live = new Set([1, 2, 3]);
  epochs = new Map([...live].map((id) => [id, 0]));
  reads = [];
  controller = controllerOver();
});

/** A controller over the test's store and view (sweeping orphan keys every `orphanSweepIntervalMs`, if given). */
function controllerOver(orphanSweepIntervalMs?: number): Controller {
  return new Controller({
    store,
    leadership,
    orphanSweepIntervalMs,
    view: {
      topics: () => topics,
      partitionState: (topicId, partition) => {
        reads.push(`${topicId[0]}${partition}`);
        return states.get(KEYS.partition(topicId, partition));
      },
      liveBrokers: () => live,
      brokerEpochs: () => epochs,
      shuttingDown: () => new Set(),
      uncleanElectionAllowed: () => false,
    },
    onUncleanElection: () => undefined,
  });
}

afterEach(async () => {
  controller.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function pass(touched?: Map<string, Set<number>>): Promise<string[]> {
  reads = [];
  controller.reconcile(touched);
  await controller.settled();
  await refresh();
  return reads.sort();
}

/** Broker 3's partitions once its place is taken: partitions 2 and 5 led by 1 under epoch 1, 3 out of every ISR. */
function expectBroker3Out(): void {
  for (const topic of topics) {
    expect(topic.partitions.map((p) => [p.leader, p.leaderEpoch, p.isr])).toEqual([
      [1, 0, [1, 2]],
      [2, 0, [2]],
      [1, 1, [1]],
      [1, 0, [1, 2]],
      [2, 0, [2]],
      [1, 1, [1]],
    ]);
  }
}

describe('a controller pass', () => {
  it('looks at every partition at takeover, then only at the partitions a change touched', async () => {
    expect(await pass()).toHaveLength(2 * PARTITIONS);
    expect(await pass(new Map([['b-id', new Set([4])]]))).toEqual(['b4']);
    expect(await pass(new Map())).toEqual([]);
  });

  it('looks at the partitions of a broker that died and elects for them as the rule says', async () => {
    await pass();
    live = new Set([1, 2]);
    // Broker 3 is a replica of partitions 1, 2, 4 and 5 of each topic: leader of 2 and 5, follower of 1 and 4.
    expect(await pass(new Map())).toEqual(['a1', 'a2', 'a4', 'a5', 'b1', 'b2', 'b4', 'b5']);
    expectBroker3Out();
    // Nothing changed since: nothing to look at.
    expect(await pass(new Map())).toEqual([]);
    live = new Set([1, 2, 3]);
    expect(await pass(new Map())).toEqual(['a1', 'a2', 'a4', 'a5', 'b1', 'b2', 'b4', 'b5']);
  });

  it('takes back what a broker registered again (restarted) held: the lead under a new epoch, its ISR places', async () => {
    await pass();
    // Broker 3 restarted within the session timeout: it is live throughout, with a registration newer than every state.
    epochs = new Map([...epochs, [3, (await store.txn({ compare: [], success: [] })).revision]]);
    expect(await pass(new Map())).toEqual(['a1', 'a2', 'a4', 'a5', 'b1', 'b2', 'b4', 'b5']);
    expectBroker3Out();
    // The states written since are its new incarnation's: nothing more to take.
    expect(await pass(new Map())).toEqual([]);
  });

  it('takes the partitions whose state changed from a change, and every partition of a topic created or reconfigured', () => {
    const [a, b] = topics as [TopicInfo, TopicInfo];
    const moved = { ...a, partitions: a.partitions.map((p) => (p.partition === 3 ? { ...p, isr: [p.leader], partitionEpoch: 1 } : p)) };
    const reconfigured = { ...b, configs: { 'unclean.leader.election.enable': 'true' } };
    const touched = touchedPartitions([
      { before: a, after: moved },
      { before: b, after: reconfigured },
      { before: undefined, after: { ...a, name: 'c', topicId: 'c-id' } },
      { before: a, after: undefined },
    ]);
    expect([...touched].map(([id, partitions]) => [id, [...partitions]])).toEqual([
      ['a-id', [3]],
      ['b-id', [0, 1, 2, 3, 4, 5]],
      ['c-id', [0, 1, 2, 3, 4, 5]],
    ]);
  });
});

describe('the orphan key sweep', () => {
  it('deletes the keys an interrupted change left unread once they are a sweep interval old, and keeps every topic', async () => {
    const topicKeys = (await store.range('')).kvs.map((kv) => kv.key).sort();
    await store.txn({
      compare: [],
      success: ['partitions/crashed-id/0', 'configs/topics/crashed'].map((key) => ({ type: 'put' as const, key, value: '{}' })),
    });
    const sweeping = controllerOver(20);
    try {
      await pollUntil(async () => (await store.range('')).kvs.length === topicKeys.length, 'the sweep to delete the orphan keys');
      expect((await store.range('')).kvs.map((kv) => kv.key).sort()).toEqual(topicKeys);
    } finally {
      sweeping.stop();
    }
  });
});

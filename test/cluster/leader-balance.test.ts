// Automatic preferred-leader balance (`auto.leader.rebalance.enable`): the controller's rule, as Kafka's
// checkAndTriggerAutoLeaderRebalance, and three brokers over a real etcd where a restarted broker gets the
// leadership of its preferred partitions back once it is in sync again.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { imbalancedPartitions } from '../../src/cluster/controller/leader-balance.js';
import type { PartitionState } from '../../src/cluster/store/shared-metadata.js';
import { type TestBroker, startBroker } from '../support/broker.js';
import { etcdBrokerSettings, etcdMissing, useEtcd } from '../support/etcd.js';
import { pollUntil } from '../support/poll.js';

function state(leader: number, replicas: number[], isr = replicas, reassigning = false): PartitionState {
  return { leader, leaderEpoch: 1, partitionEpoch: 1, replicas, isr, ...(reassigning ? { addingReplicas: [replicas[0]!], removingReplicas: [] } : {}) };
}

function imbalanced(states: PartitionState[], percentage = 10, live = [1, 2, 3], shuttingDown: number[] = []): number[] {
  const partitions = states.map((s, index) => ({ partition: index, state: s }));
  return imbalancedPartitions(partitions, { live: new Set(live), shuttingDown: new Set(shuttingDown) }, percentage);
}

describe('the leader imbalance rule', () => {
  it('moves back the partitions of a broker above the imbalance ratio whose preferred replica can lead', () => {
    // Broker 1 prefers four partitions and leads two of them (50% > 10%); broker 2 leads its only one.
    const states = [state(1, [1, 2]), state(2, [1, 2]), state(3, [1, 3]), state(1, [1, 3]), state(2, [2, 1])];
    expect(imbalanced(states)).toEqual([1, 2]);
    expect(imbalanced(states, 50)).toEqual([]);
  });

  it('leaves out preferred replicas that are out of sync, gone or shutting down, and partitions being reassigned', () => {
    expect(imbalanced([state(2, [1, 2], [2])])).toEqual([]);
    expect(imbalanced([state(2, [1, 2])], 10, [2, 3])).toEqual([]);
    expect(imbalanced([state(2, [1, 2])], 10, [1, 2, 3], [1])).toEqual([]);
    expect(imbalanced([state(2, [1, 2], [1, 2], true)])).toEqual([]);
  });
});

describe.skipIf(etcdMissing !== undefined)('automatic leader balance between three brokers', () => {
  const etcd = useEtcd();
  const clusterName = `leader-balance-${randomUUID()}`;
  const brokers: TestBroker[] = [];

  function settings(nodeId: number) {
    return etcdBrokerSettings(etcd, clusterName, nodeId, {
      'replica.fetch.backoff.ms': 100,
      'offsets.topic.num.partitions': 1,
      'leader.imbalance.check.interval.seconds': 1,
    });
  }

  afterAll(async () => {
    for (const broker of brokers.splice(0).reverse()) await broker.close();
  });

  it('gives a restarted broker back the leadership of the partitions it is the preferred replica of', async () => {
    for (let nodeId = 1; nodeId <= 3; nodeId++) brokers.push(await startBroker(settings(nodeId)));
    await pollUntil(() => brokers.every((b) => b.broker.metadata.brokers().length === 3), 'every broker to see the three');
    const metadata = () => brokers[0]!.broker.metadata;
    await metadata().createTopic('balanced', {
      assignment: [
        [1, 2],
        [2, 3],
        [3, 1],
      ],
    });
    const leaders = () =>
      metadata()
        .topic('balanced')!
        .partitions.map((p) => p.leader);
    expect(leaders()).toEqual([1, 2, 3]);

    // Broker 2 stops (its partition moves to broker 3 in the controlled shutdown) and comes back on its data.
    const second = brokers.splice(1, 1)[0]!;
    await second.broker.close();
    await pollUntil(() => leaders()[1] === 3, 'partition 1 to move to broker 3');
    const epochWhileAway = metadata().topic('balanced')!.partitions[1]!.leaderEpoch;
    brokers.push(await startBroker(settings(2), {}, second.dataDir));
    // Once its replica is back in the ISR, the controller's next check moves leadership back to it.
    await pollUntil(() => leaders()[1] === 2, 'partition 1 back on broker 2', { timeoutMs: 30_000 });
    expect(metadata().topic('balanced')!.partitions[1]).toMatchObject({ leader: 2, isr: [2, 3] });
    expect(metadata().topic('balanced')!.partitions[1]!.leaderEpoch).toBeGreaterThan(epochWhileAway);
    expect(leaders()).toEqual([1, 2, 3]);
  }, 90_000);
});

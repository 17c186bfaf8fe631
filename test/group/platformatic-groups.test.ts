// @platformatic/kafka 1.35 consumer groups (flexible versions only: FindCoordinator ≥4, JoinGroup ≥6,
// SyncGroup ≥4, Heartbeat 4, OffsetCommit/OffsetFetch ≥8, LeaveGroup ≥4): two members join, split a topic's
// partitions, commit and read back offsets, and leave.
import { Consumer } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../support/poll.js';
import { startBroker, type TestBroker } from '../support/broker.js';

let broker: TestBroker;

beforeAll(async () => {
  broker = await startBroker({ 'group.initial.rebalance.delay.ms': 0 });
  await broker.broker.metadata.createTopic('plt-group', { numPartitions: 4 });
});

afterAll(async () => {
  await broker?.close();
});

const owned = (c: Consumer) => (c.assignments ?? []).flatMap((a) => a.partitions);

describe('@platformatic/kafka consumer group', () => {
  it('joins with the flexible group APIs, splits partitions, commits and leaves', async () => {
    const consumers = [0, 1].map(
      (i) => new Consumer({ clientId: `plt-${i}`, groupId: 'plt-group', bootstrapBrokers: [broker.bootstrap], sessionTimeout: 10_000, heartbeatInterval: 500 }),
    );
    try {
      for (const c of consumers) c.topics.trackAll('plt-group');
      await Promise.all(consumers.map((c) => c.joinGroup({})));
      // The first to join rejoins when it learns of the second by heartbeat.
      await pollUntil(
        () => {
          const d = broker.broker.services.groupCoordinator.describeGroup('plt-group').description;
          return d.state === 'Stable' && d.members.length === 2 && consumers.every((c) => owned(c).length === 2 && c.generationId === d.generationId);
        },
        'both members assigned in one generation',
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      expect(consumers.flatMap(owned).sort()).toEqual([0, 1, 2, 3]);

      const [first] = consumers as [Consumer, Consumer];
      await first.commit({ offsets: owned(first).map((partition) => ({ topic: 'plt-group', partition, offset: BigInt(10 + partition), leaderEpoch: 0 })) });
      const committed = await first.listCommittedOffsets({ topics: [{ topic: 'plt-group', partitions: [0, 1, 2, 3] }] });
      const expected = [0, 1, 2, 3].map((p) => (owned(first).includes(p) ? BigInt(10 + p) : -1n));
      expect(committed.get('plt-group')).toEqual(expected);

      await consumers[1]!.leaveGroup();
      await pollUntil(() => owned(first).length === 4, 'the remaining member takes every partition', { timeoutMs: 30_000, intervalMs: 50 });
    } finally {
      for (const c of consumers) await c.close(true);
    }
  });
});

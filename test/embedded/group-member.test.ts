// In-process group members (what the embedded consumer uses) on a fake clock, and the assignors they lead with.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { range, roundRobin, type TopicPartitions } from '../../src/embedded/assignors.js';
import { GroupCoordinator } from '../../src/group/group-coordinator.js';
import { GroupMember, type GroupMemberOptions } from '../../src/embedded/group-member.js';
import { GroupState } from '../../src/group/group.js';
import { decodeData } from '../../src/protocol/codec.js';
import { consumerProtocolAssignment } from '../../src/protocol/definitions/consumer-protocol.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { FakeScheduler, MemoryCoordinatorLog, settle } from '../group/fakes.js';

const flat = (tps: readonly TopicPartitions[]) => tps.flatMap((tp) => tp.partitions.map((p) => `${tp.topic}-${p}`));

describe('assignors', () => {
  const members = [
    { memberId: 'b', topics: ['t', 'u'] },
    { memberId: 'a', topics: ['t'] },
    { memberId: 'c', topics: ['t', 'u'] },
  ];
  const counts = (topic: string) => (topic === 't' ? 7 : 2);

  for (const [name, assignor] of [
    ['range', range],
    ['roundrobin', roundRobin],
  ] as const) {
    it(`${name} gives every partition to exactly one subscribed member`, () => {
      const out = assignor(members, counts);
      const all = [...out.values()].flatMap(flat).sort();
      expect(all).toEqual([...Array.from({ length: 7 }, (_, p) => `t-${p}`), 'u-0', 'u-1'].sort());
      expect(flat(out.get('a')!).every((tp) => tp.startsWith('t-'))).toBe(true);
      const sizes = [...out.values()].map((tps) => flat(tps).length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(2);
    });
  }

  it('range hands contiguous ranges in member id order, extras first', () => {
    const out = range(members, counts);
    expect(out.get('a')).toEqual([{ topic: 't', partitions: [0, 1, 2] }]);
    expect(out.get('b')).toEqual([
      { topic: 't', partitions: [3, 4] },
      { topic: 'u', partitions: [0] },
    ]);
  });
});

describe('GroupMember', () => {
  let clock: FakeScheduler;
  let coordinator: GroupCoordinator;
  const members: GroupMember[] = [];

  beforeEach(async () => {
    clock = new FakeScheduler();
    coordinator = new GroupCoordinator({
      config: {
        initialRebalanceDelayMs: 0,
        minSessionTimeoutMs: 6000,
        maxSessionTimeoutMs: 60_000,
        maxGroupSize: 10,
        offsetsRetentionMs: 1e9,
        offsetsRetentionCheckIntervalMs: 1e9,
      },
      log: new MemoryCoordinatorLog(),
      topics: { partitionExists: () => true, logEndOffset: () => 0n },
      scheduler: clock,
    });
    await coordinator.start();
  });

  afterEach(async () => {
    for (const m of members.splice(0)) await m.leave();
    coordinator.shutdown();
  });

  const options = (extra: Partial<GroupMemberOptions> = {}): GroupMemberOptions => ({
    groupId: 'g',
    topics: ['t'],
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    heartbeatIntervalMs: 1000,
    partitionCount: () => 6,
    scheduler: clock,
    ...extra,
  });

  async function join(extra: Partial<GroupMemberOptions> = {}): Promise<GroupMember> {
    const member = await GroupMember.join(coordinator, options(extra));
    members.push(member);
    return member;
  }

  it('a lone member gets every partition, encoded in Kafka’s consumer protocol', async () => {
    const a = await join();
    expect(flat(a.assignment)).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4', 't-5']);
    const described = coordinator.describeGroup('g').description;
    expect(described.state).toBe(GroupState.Stable);
    expect(described.protocolName).toBe('range');
    const decoded = decodeData(consumerProtocolAssignment, described.members[0]!.assignment).body;
    expect(decoded.assignedPartitions).toEqual([{ topic: 't', partitions: [0, 1, 2, 3, 4, 5] }]);
  });

  it('members split the partitions, learn of rebalances by heartbeat, and take over when one leaves', async () => {
    const revoked: string[][] = [];
    const a = await join({ onRevoked: (tps) => void revoked.push(flat(tps)) });
    const bJoined = join();
    // a learns of the rebalance at its next heartbeat and rejoins; then both are assigned.
    await clock.advance(1000);
    const b = await bJoined;
    await settle();
    expect(revoked).toEqual([['t-0', 't-1', 't-2', 't-3', 't-4', 't-5']]);
    expect([...flat(a.assignment), ...flat(b.assignment)].sort()).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4', 't-5']);
    expect(flat(a.assignment)).toHaveLength(3);
    expect(a.generationId).toBe(b.generationId);
    expect(await a.commit([{ topic: 't', partition: 0, offset: 5n, metadata: 'm' }])).toEqual([ErrorCode.NONE]);
    expect(b.committed([{ topic: 't', partitions: [0] }])[0]).toMatchObject({ offset: 5n, metadata: 'm' });
    await b.leave();
    await clock.advance(1000);
    await settle();
    expect(flat(a.assignment)).toHaveLength(6);
  });
});

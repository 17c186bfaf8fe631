// Committed offsets through the coordinator (validation, round trips, replay from __consumer_offsets,
// retention, deletion) and the records' byte format, which must be Kafka's.
import { beforeEach, describe, expect, it } from 'vitest';
import { type GroupCoordinatorConfig, GroupCoordinator, OFFSET_METADATA_MAX_BYTES } from '../../src/group/group-coordinator.js';
import { GroupState, type JoinGroupParams } from '../../src/group/group.js';
import {
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  groupMetadataKey,
  groupMetadataValue,
  offsetCommitKey,
  offsetCommitValue,
} from '../../src/group/offset-records.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { FakeScheduler, MemoryCoordinatorLog } from './fakes.js';

const RETENTION = 24 * 3600_000;
const config: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  maxGroupSize: 100,
  offsetsRetentionMs: RETENTION,
  offsetsRetentionCheckIntervalMs: 600_000,
};
const topics = {
  partitionExists: (topic: string, partition: number) => topic === 't' && partition >= 0 && partition < 4,
  logEndOffset: (topic: string, partition: number) => (topic === 't' && partition < 4 ? 100n : undefined),
};

let clock: FakeScheduler;
let log: MemoryCoordinatorLog;
let coordinator: GroupCoordinator;

async function restart(): Promise<void> {
  coordinator?.shutdown();
  coordinator = new GroupCoordinator({ config, log, topics, scheduler: clock });
  await coordinator.start();
}

const member: JoinGroupParams = {
  memberId: '',
  groupInstanceId: null,
  clientId: 'c',
  clientHost: '/127.0.0.1',
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from([0, 1]) }],
  requireKnownMemberId: false,
};

/** A one-member Stable group; returns its member id and generation. */
async function stableGroup(group: string, sessionTimeoutMs = member.sessionTimeoutMs): Promise<{ memberId: string; generationId: number }> {
  const joined = await coordinator.joinGroup(group, { ...member, sessionTimeoutMs });
  await coordinator.syncGroup(group, {
    memberId: joined.memberId,
    groupInstanceId: null,
    generationId: joined.generationId,
    protocolType: null,
    protocolName: null,
    assignments: new Map([[joined.memberId, Buffer.from('A')]]),
  });
  return { memberId: joined.memberId, generationId: joined.generationId };
}

const commit = (
  group: string,
  o: { memberId?: string; generationId?: number; partition?: number; offset?: bigint; metadata?: string | null; topic?: string },
) =>
  coordinator.commitOffsets(group, {
    memberId: o.memberId ?? '',
    groupInstanceId: null,
    generationId: o.generationId ?? -1,
    offsets: [{ topic: o.topic ?? 't', partition: o.partition ?? 0, offset: o.offset ?? 42n, leaderEpoch: 3, metadata: o.metadata ?? 'meta' }],
  });

beforeEach(async () => {
  clock = new FakeScheduler();
  log = new MemoryCoordinatorLog();
  await restart();
});

describe('OffsetCommit and OffsetFetch', () => {
  it('round-trips offset, leader epoch and metadata; unknown groups and partitions answer -1', async () => {
    const m = await stableGroup('g');
    expect(await commit('g', { ...m, metadata: 'ünïcode metadata' })).toEqual([ErrorCode.NONE]);
    const fetched = coordinator.fetchOffsets('g', [{ topic: 't', partitions: [0, 1] }]);
    expect(fetched.errorCode).toBe(ErrorCode.NONE);
    expect(fetched.offsets).toEqual([
      { topic: 't', partition: 0, offset: 42n, leaderEpoch: 3, metadata: 'ünïcode metadata', errorCode: ErrorCode.NONE },
      { topic: 't', partition: 1, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE },
    ]);
    expect(coordinator.fetchOffsets('nobody', [{ topic: 't', partitions: [0] }]).offsets[0]).toMatchObject({ offset: -1n, errorCode: ErrorCode.NONE });
    expect(coordinator.fetchOffsets('g', null).offsets.map((o) => o.partition)).toEqual([0]);
  });

  it('validates the member like Kafka: generation, member id, rebalance state, simple commits', async () => {
    const m = await stableGroup('g');
    expect(await commit('g', { ...m, generationId: m.generationId + 1 })).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await commit('g', { memberId: 'ghost', generationId: m.generationId })).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    // Generation -1 without a member: only for a group that is Empty.
    expect(await commit('g', {})).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('simple', {})).toEqual([ErrorCode.NONE]);
    // A group this broker does not know, with a generation: an old member of a deleted group.
    expect(await commit('unknown', { memberId: 'x', generationId: 4 })).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    // During PreparingRebalance members may still commit (they do before rejoining).
    const other = coordinator.joinGroup('g', member);
    expect(coordinator.describeGroup('g').description.state).toBe(GroupState.PreparingRebalance);
    expect(await commit('g', m)).toEqual([ErrorCode.NONE]);
    coordinator.leaveGroup('g', [{ memberId: m.memberId, groupInstanceId: null }]);
    const joined = await other;
    // CompletingRebalance: REBALANCE_IN_PROGRESS.
    expect(await commit('g', { memberId: joined.memberId, generationId: joined.generationId })).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
  });

  it('answers per partition: unknown partitions and oversized metadata fail alone', async () => {
    const errors = await coordinator.commitOffsets('g', {
      memberId: '',
      groupInstanceId: null,
      generationId: -1,
      offsets: [
        { topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null },
        { topic: 'missing', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' },
        { topic: 't', partition: 1, offset: 1n, leaderEpoch: -1, metadata: 'x'.repeat(OFFSET_METADATA_MAX_BYTES + 1) },
      ],
    });
    expect(errors).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    expect(coordinator.fetchOffsets('g', [{ topic: 't', partitions: [0] }]).offsets[0]!.metadata).toBe('');
  });

  it('a failed append is not visible and maps to Kafka’s coordinator errors', async () => {
    log.failWith = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(await commit('g', {})).toEqual([ErrorCode.NOT_COORDINATOR]);
    log.failWith = new KafkaError(ErrorCode.MESSAGE_TOO_LARGE);
    expect(await commit('g', {})).toEqual([ErrorCode.INVALID_COMMIT_OFFSET_SIZE]);
    log.failWith = null;
    expect(coordinator.fetchOffsets('g', [{ topic: 't', partitions: [0] }]).offsets[0]!.offset).toBe(-1n);
  });
});

describe('replay from __consumer_offsets', () => {
  it('restores offsets, deletions and groups (generation, members, assignments) after a restart', async () => {
    const m = await stableGroup('g');
    await commit('g', { ...m, partition: 0, offset: 10n });
    await commit('g', { ...m, partition: 0, offset: 11n });
    await commit('g', { ...m, partition: 1, offset: 5n });
    await commit('gone', { offset: 1n });
    expect(await coordinator.deleteGroups(['gone'])).toEqual([ErrorCode.NONE]);
    await restart();
    expect(coordinator.fetchOffsets('g', null).offsets.map((o) => [o.partition, o.offset])).toEqual([
      [0, 11n],
      [1, 5n],
    ]);
    expect(coordinator.fetchOffsets('gone', null).offsets).toEqual([]);
    const d = coordinator.describeGroup('g').description;
    expect(d).toMatchObject({ state: GroupState.Stable, generationId: m.generationId, protocolName: 'range' });
    expect(d.members.map((x) => [x.memberId, x.assignment.toString()])).toEqual([[m.memberId, 'A']]);
    // The restored member keeps its session by heartbeating; one that does not is expired and the group empties.
    expect(coordinator.heartbeat('g', m.memberId, null, m.generationId)).toBe(ErrorCode.NONE);
    await clock.advance(10_000);
    expect(coordinator.describeGroup('g').description.state).not.toBe(GroupState.Stable);
    expect(coordinator.listGroups().map((g) => g.groupId)).toEqual(['g']);
  });
});

describe('retention and deletion', () => {
  it('expires offsets only once the group is Empty, counting from when it emptied', async () => {
    const session = config.maxSessionTimeoutMs;
    const m = await stableGroup('g', session);
    await commit('g', m);
    await commit('simple', {});
    for (let t = 0; t < RETENTION; t += session / 2) {
      await clock.advance(session / 2);
      expect(coordinator.heartbeat('g', m.memberId, null, m.generationId)).toBe(ErrorCode.NONE);
    }
    await coordinator.expireOffsets();
    // The simple group's offset is older than the retention; the Stable group keeps its offsets.
    expect(coordinator.fetchOffsets('simple', null).offsets).toEqual([]);
    expect(coordinator.listGroups().map((g) => g.groupId)).toEqual(['g']);
    expect(coordinator.fetchOffsets('g', null).offsets).toHaveLength(1);
    coordinator.leaveGroup('g', [{ memberId: m.memberId, groupInstanceId: null }]);
    await clock.advance(RETENTION - 1);
    await coordinator.expireOffsets();
    expect(coordinator.fetchOffsets('g', null).offsets).toHaveLength(1);
    await clock.advance(1);
    await coordinator.expireOffsets();
    expect(coordinator.fetchOffsets('g', null).offsets).toEqual([]);
    expect(coordinator.listGroups()).toEqual([]);
    // Tombstones were written, so a restart agrees.
    await restart();
    expect(coordinator.listGroups()).toEqual([]);
  });

  it('DeleteGroups: NON_EMPTY_GROUP for a live group, GROUP_ID_NOT_FOUND for an unknown one', async () => {
    await stableGroup('live');
    await commit('idle', {});
    expect(await coordinator.deleteGroups(['live', 'idle', 'nope', ''])).toEqual([
      ErrorCode.NON_EMPTY_GROUP,
      ErrorCode.NONE,
      ErrorCode.GROUP_ID_NOT_FOUND,
      ErrorCode.INVALID_GROUP_ID,
    ]);
    expect(coordinator.describeGroup('idle').description.state).toBe(GroupState.Dead);
  });

  it('OffsetDelete refuses topics a live consumer group subscribes to', async () => {
    const m = await stableGroup('g');
    await commit('g', { ...m, partition: 0 });
    await commit('g', { ...m, partition: 1, topic: 't' });
    const subscribed = () => ['t'];
    const live = await coordinator.deleteOffsets('g', [{ topic: 't', partition: 0 }], subscribed);
    expect(live).toEqual({ errorCode: ErrorCode.NONE, partitionErrors: [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC] });
    coordinator.leaveGroup('g', [{ memberId: m.memberId, groupInstanceId: null }]);
    expect(await coordinator.deleteOffsets('g', [{ topic: 't', partition: 0 }], subscribed)).toEqual({
      errorCode: ErrorCode.NONE,
      partitionErrors: [ErrorCode.NONE],
    });
    expect(coordinator.fetchOffsets('g', null).offsets.map((o) => o.partition)).toEqual([1]);
    expect((await coordinator.deleteOffsets('nope', [], subscribed)).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it('reports lag per partition as log end minus committed', async () => {
    await commit('g', { partition: 0, offset: 40n });
    await commit('g', { partition: 1, offset: 100n });
    expect(coordinator.lag('g')).toEqual([
      { topic: 't', partition: 0, committedOffset: 40n, logEndOffset: 100n, lag: 60n },
      { topic: 't', partition: 1, committedOffset: 100n, logEndOffset: 100n, lag: 0n },
    ]);
  });
});

describe('__consumer_offsets record format (Kafka’s schemas)', () => {
  it('writes OffsetCommitKey v1 and OffsetCommitValue v3 byte for byte', () => {
    expect(offsetCommitKey('g', 't', 2).toString('hex')).toBe('0001' + '000167' + '000174' + '00000002');
    const value = offsetCommitValue({ offset: 5n, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1000n, expireTimestamp: -1n });
    expect(value.toString('hex')).toBe('0003' + '0000000000000005' + '00000007' + '00016d' + '00000000000003e8');
    expect(decodeKey(offsetCommitKey('g', 't', 2))).toEqual({ type: 'offset', group: 'g', topic: 't', partition: 2 });
    expect(decodeOffsetCommitValue(value)).toEqual({ offset: 5n, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1000n, expireTimestamp: -1n });
  });

  it('reads the older offset value versions Kafka wrote (v1 with an expire timestamp)', () => {
    const v1 = Buffer.from('0001' + '0000000000000009' + '0000' + '0000000000000001' + '0000000000000002', 'hex');
    expect(decodeOffsetCommitValue(v1)).toEqual({ offset: 9n, leaderEpoch: -1, metadata: '', commitTimestamp: 1n, expireTimestamp: 2n });
  });

  it('round-trips GroupMetadataKey v2 and GroupMetadataValue v3', () => {
    expect(groupMetadataKey('grp').toString('hex')).toBe('0002' + '0003677270');
    const snapshot = {
      protocolType: 'consumer',
      generationId: 3,
      protocolName: 'range',
      leaderId: 'm1',
      currentStateTimestamp: 1234,
      members: [
        {
          memberId: 'm1',
          groupInstanceId: 'i1',
          clientId: 'c',
          clientHost: '/h',
          rebalanceTimeoutMs: 60_000,
          sessionTimeoutMs: 30_000,
          subscription: Buffer.from([1, 2]),
          assignment: Buffer.from([3]),
        },
        {
          memberId: 'm2',
          groupInstanceId: null,
          clientId: 'c',
          clientHost: '/h',
          rebalanceTimeoutMs: 60_000,
          sessionTimeoutMs: 30_000,
          subscription: Buffer.alloc(0),
          assignment: Buffer.alloc(0),
        },
      ],
    };
    const bytes = groupMetadataValue(snapshot);
    expect(bytes.readInt16BE(0)).toBe(3);
    expect(decodeGroupMetadataValue(bytes)).toEqual(snapshot);
    const empty = { ...snapshot, protocolName: null, leaderId: null, members: [] };
    expect(decodeGroupMetadataValue(groupMetadataValue(empty))).toEqual(empty);
  });
});

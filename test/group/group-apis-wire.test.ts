// The group APIs on the wire, version by version, with requests no single client sends all of: the advertised
// ranges, FindCoordinator v0 and batched v4 (and its refusal of transaction keys), JoinGroup v0 (no rebalance
// timeout) and v4+ (MEMBER_ID_REQUIRED), LeaveGroup before and after batching, OffsetFetch v1/v8,
// ListGroups filters, DescribeGroups of an unknown group, DeleteGroups, OffsetDelete.
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { useBrokerWithClient } from '../support/broker-with-client.js';

const server = useBrokerWithClient({ 'group.initial.rebalance.delay.ms': 0 });

beforeAll(async () => {
  await server.broker.broker.metadata.createTopic('wire', { numPartitions: 2 });
});

const join = (version: number, groupId: string, memberId = '') =>
  server.client.request(11, version, {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]) }],
    reason: null,
  });

const commit = (groupId: string, partition: number, offset: bigint) =>
  server.client.request(8, 9, {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1n,
    topics: [
      {
        name: 'wire',
        partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: 'm' }],
      },
    ],
  });

describe('group APIs on the wire', () => {
  it('advertises the group APIs with the version ranges clients need', async () => {
    const versions = await server.client.request(18, 3, { clientSoftwareName: 'wire-test', clientSoftwareVersion: '1' });
    const range = (key: number) => versions.apiKeys.find((k: { apiKey: number }) => k.apiKey === key);
    expect([8, 9, 10, 11, 12, 13, 14, 15, 16, 42, 47].map((key) => [key, range(key)?.minVersion, range(key)?.maxVersion])).toEqual([
      [8, 0, 9],
      [9, 1, 9],
      [10, 0, 4],
      [11, 0, 9],
      [12, 0, 4],
      [13, 0, 5],
      [14, 0, 5],
      [15, 0, 5],
      [16, 0, 5],
      [42, 0, 2],
      [47, 0, 0],
    ]);
  });

  it('FindCoordinator names this broker (v0 and batched v4) and refuses transaction keys', async () => {
    const { port } = server.broker.broker.metadata.endpoint;
    const v0 = await server.client.request(10, 0, { key: 'g', keyType: 0, coordinatorKeys: [] });
    expect(v0).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: server.broker.broker.metadata.nodeId, port });
    const v4 = await server.client.request(10, 4, { key: '', keyType: 0, coordinatorKeys: ['a', 'b'] });
    expect(v4.coordinators.map((c: { key: string; errorCode: number; port: number }) => [c.key, c.errorCode, c.port])).toEqual([
      ['a', ErrorCode.NONE, port],
      ['b', ErrorCode.NONE, port],
    ]);
    const txn = await server.client.request(10, 4, { key: '', keyType: 1, coordinatorKeys: ['tx'] });
    expect(txn.coordinators[0].errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('JoinGroup v0 assigns the member id at once; v4+ asks for the handshake first', async () => {
    const v0 = await join(0, 'wire-v0');
    expect(v0.errorCode).toBe(ErrorCode.NONE);
    expect(v0.memberId).not.toBe('');
    expect(v0.generationId).toBe(1);
    const v4 = await join(4, 'wire-v4');
    expect(v4.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const again = await join(7, 'wire-v4', v4.memberId);
    expect(again).toMatchObject({ errorCode: ErrorCode.NONE, protocolType: 'consumer', protocolName: 'range', leader: v4.memberId });
  });

  it('LeaveGroup v0 reports the member error at the top; v3+ per member', async () => {
    const joined = await join(5, 'wire-leave');
    expect((await server.client.request(13, 0, { groupId: 'wire-leave', memberId: 'ghost', members: [] })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const v3 = await server.client.request(13, 3, {
      groupId: 'wire-leave',
      memberId: '',
      members: [
        { memberId: joined.memberId, groupInstanceId: null, reason: null },
        { memberId: 'ghost', groupInstanceId: null, reason: null },
      ],
    });
    expect(v3.errorCode).toBe(ErrorCode.NONE);
    expect(v3.members.map((m: { errorCode: number }) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
  });

  it('OffsetFetch v1 and v8 (several groups) return commits and -1 where there are none', async () => {
    expect((await commit('wire-offsets', 1, 7n)).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    const v1 = await server.client.request(9, 1, {
      groupId: 'wire-offsets',
      topics: [{ name: 'wire', partitionIndexes: [0, 1] }],
      groups: [],
      requireStable: false,
    });
    expect(v1.topics[0].partitions.map((p: { committedOffset: bigint; metadata: string }) => [p.committedOffset, p.metadata])).toEqual([
      [-1n, ''],
      [7n, 'm'],
    ]);
    const v8 = await server.client.request(9, 8, {
      groupId: '',
      topics: [],
      groups: [
        { groupId: 'wire-offsets', memberId: null, memberEpoch: -1, topics: null },
        { groupId: 'nobody', memberId: null, memberEpoch: -1, topics: [{ name: 'wire', partitionIndexes: [0] }] },
      ],
      requireStable: false,
    });
    expect(
      v8.groups.map((g: { groupId: string; topics: { partitions: { partitionIndex: number; committedOffset: bigint }[] }[] }) => [
        g.groupId,
        g.topics.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.committedOffset])),
      ]),
    ).toEqual([
      ['wire-offsets', [[1, 7n]]],
      ['nobody', [[0, -1n]]],
    ]);
  });

  it('ListGroups filters by state (v4) and type (v5); DescribeGroups shows an unknown group as Dead', async () => {
    await commit('wire-listed', 0, 1n);
    const all = await server.client.request(16, 5, { statesFilter: [], typesFilter: [] });
    expect(all.groups.find((g: { groupId: string }) => g.groupId === 'wire-listed')).toEqual({
      groupId: 'wire-listed',
      protocolType: '',
      groupState: 'Empty',
      groupType: 'classic',
    });
    const stable = await server.client.request(16, 4, { statesFilter: ['stable'], typesFilter: [] });
    expect(stable.groups.some((g: { groupId: string }) => g.groupId === 'wire-listed')).toBe(false);
    expect((await server.client.request(16, 5, { statesFilter: [], typesFilter: ['consumer'] })).groups).toEqual([]);
    const described = await server.client.request(15, 5, { groups: ['no-such-group'], includeAuthorizedOperations: false });
    expect(described.groups[0]).toMatchObject({ errorCode: ErrorCode.NONE, groupState: 'Dead', members: [] });
  });

  it('DeleteGroups and OffsetDelete remove what an idle group committed', async () => {
    await commit('wire-delete', 0, 3n);
    await commit('wire-delete', 1, 4n);
    const deleted = await server.client.request(47, 0, { groupId: 'wire-delete', topics: [{ name: 'wire', partitions: [{ partitionIndex: 0 }] }] });
    expect(deleted).toMatchObject({ errorCode: ErrorCode.NONE, topics: [{ name: 'wire', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NONE }] }] });
    const live = await join(9, 'wire-live');
    await join(9, 'wire-live', live.memberId);
    const result = await server.client.request(42, 2, { groupsNames: ['wire-delete', 'wire-live', 'wire-missing'] });
    expect(result.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND]);
    expect(server.broker.broker.services.groupCoordinator.fetchOffsets('wire-delete', null).offsets).toEqual([]);
  });
});

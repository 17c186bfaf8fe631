// The coordinator over a partitioned __consumer_offsets (Kafka's onElection/onResignation): it serves only the
// groups of the partitions it leads, answers COORDINATOR_LOAD_IN_PROGRESS while one replays and NOT_COORDINATOR
// for every group API once it stops leading one, held requests included; a new election replays what the
// partition holds, whoever wrote it.
import { beforeEach, describe, expect, it } from 'vitest';
import { GroupCoordinator } from '../../src/group/group-coordinator.js';
import type { JoinGroupParams } from '../../src/group/group.js';
import { offsetsPartitionFor } from '../../src/group/offsets-partition.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { COORDINATOR_CONFIG, FakeScheduler, MemoryCoordinatorLog, TOPICS_OF_100, settle } from './fakes.js';

const PARTITIONS = 4;

/** A group id that hashes to `partition` of PARTITIONS. */
function groupOn(partition: number, tag = ''): string {
  for (let i = 0; ; i++) if (offsetsPartitionFor(`g${tag}-${i}`, PARTITIONS) === partition) return `g${tag}-${i}`;
}

function joinParams(overrides: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    requireKnownMemberId: false,
    ...overrides,
  };
}

function commit(coordinator: GroupCoordinator, groupId: string, offset: bigint): Promise<ErrorCode[]> {
  return coordinator.commitOffsets(groupId, {
    memberId: '',
    groupInstanceId: null,
    generationId: -1,
    offsets: [{ topic: 't', partition: 0, offset, leaderEpoch: -1, metadata: null }],
  });
}

let clock: FakeScheduler;
let log: MemoryCoordinatorLog;

function coordinatorOver(partitionCount = PARTITIONS): GroupCoordinator {
  return new GroupCoordinator({ config: COORDINATOR_CONFIG, log, topics: TOPICS_OF_100, scheduler: clock, partitionCount: () => partitionCount });
}

beforeEach(() => {
  clock = new FakeScheduler();
  log = new MemoryCoordinatorLog();
});

describe('a coordinator leading some __consumer_offsets partitions', () => {
  it('serves the groups of the partitions it leads, writes each to its own partition, and sends the rest elsewhere', async () => {
    const coordinator = coordinatorOver();
    await coordinator.start([
      { partition: 1, leaderEpoch: 0 },
      { partition: 3, leaderEpoch: 0 },
    ]);
    const [mine1, mine3, other] = [groupOn(1), groupOn(3), groupOn(2)];
    expect(coordinator.partitionFor(mine1)).toBe(1);
    expect(await commit(coordinator, mine1, 5n)).toEqual([ErrorCode.NONE]);
    expect(await commit(coordinator, mine3, 7n)).toEqual([ErrorCode.NONE]);
    expect(log.records.map((r) => r.partition)).toEqual([1, 3]);

    expect(await commit(coordinator, other, 1n)).toEqual([ErrorCode.NOT_COORDINATOR]);
    expect(coordinator.fetchOffsets(other, null).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await coordinator.joinGroup(other, joinParams())).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(coordinator.heartbeat(other, 'm', null, 1)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(coordinator.describeGroup(other).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await coordinator.deleteGroups([other])).toEqual([ErrorCode.NOT_COORDINATOR]);
    expect(
      coordinator
        .listGroups()
        .map((g) => g.groupId)
        .sort(),
    ).toEqual([mine1, mine3].sort());
    // Kafka's order: an invalid group id is refused before asking who coordinates it.
    expect(coordinator.heartbeat('', 'm', null, 1)).toBe(ErrorCode.INVALID_GROUP_ID);
    coordinator.shutdown();
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while a partition it now leads replays, then serves what the replay found', async () => {
    const writer = coordinatorOver();
    await writer.start([{ partition: 2, leaderEpoch: 0 }]);
    const group = groupOn(2);
    expect(await commit(writer, group, 42n)).toEqual([ErrorCode.NONE]);
    writer.onResignation(2);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const replay = log.replay.bind(log);
    log.replay = async (partition, visit) => {
      await gate;
      return replay(partition, visit);
    };
    const reader = coordinatorOver();
    await reader.start([]);
    const loading = reader.onElection(2, 1);
    expect(reader.fetchOffsets(group, null).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(await commit(reader, group, 43n)).toEqual([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
    expect(reader.loaded).toBe(false);
    release();
    await loading;
    expect(reader.loaded).toBe(true);
    expect(reader.fetchOffsets(group, [{ topic: 't', partitions: [0] }]).offsets[0]).toMatchObject({ offset: 42n, errorCode: ErrorCode.NONE });
    expect(reader.describeGroup(group).errorCode).toBe(ErrorCode.NONE);
    reader.shutdown();
    writer.shutdown();
  });

  it('on resignation answers held joins and every later group request for the partition with NOT_COORDINATOR, other partitions unaffected', async () => {
    const coordinator = coordinatorOver();
    await coordinator.start([
      { partition: 0, leaderEpoch: 0 },
      { partition: 1, leaderEpoch: 0 },
    ]);
    const [moving, staying] = [groupOn(0), groupOn(1)];
    // A join held through the initial rebalance delay.
    const held = coordinator.joinGroup(moving, joinParams());
    await settle();
    expect(await commit(coordinator, staying, 3n)).toEqual([ErrorCode.NONE]);

    coordinator.onResignation(0);
    expect((await held).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await coordinator.joinGroup(moving, joinParams())).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(
      (
        await coordinator.syncGroup(moving, {
          memberId: 'm',
          groupInstanceId: null,
          generationId: 1,
          protocolType: null,
          protocolName: null,
          assignments: new Map(),
        })
      ).errorCode,
    ).toBe(ErrorCode.NOT_COORDINATOR);
    expect(coordinator.leaveGroup(moving, [{ memberId: 'm', groupInstanceId: null }]).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await commit(coordinator, moving, 1n)).toEqual([ErrorCode.NOT_COORDINATOR]);
    expect((await coordinator.deleteOffsets(moving, [{ topic: 't', partition: 0 }], () => [])).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(coordinator.listGroups().map((g) => g.groupId)).toEqual([staying]);
    expect(coordinator.fetchOffsets(staying, null).offsets).toHaveLength(1);
    expect(coordinator.lag(moving)).toEqual([]);
    coordinator.shutdown();
  });

  it('a commit whose append fails because leadership moved answers NOT_COORDINATOR, as Kafka maps NOT_LEADER_OR_FOLLOWER', async () => {
    const coordinator = coordinatorOver();
    await coordinator.start([{ partition: 0, leaderEpoch: 0 }]);
    log.failWith = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'moved');
    expect(await commit(coordinator, groupOn(0), 1n)).toEqual([ErrorCode.NOT_COORDINATOR]);
    log.failWith = null;
    expect(coordinator.fetchOffsets(groupOn(0), null).offsets).toEqual([]);
    coordinator.shutdown();
  });

  it('reloads a partition elected again in a new epoch: what another leader wrote in between is there', async () => {
    const first = coordinatorOver();
    const second = coordinatorOver();
    await first.start([{ partition: 3, leaderEpoch: 0 }]);
    await second.start([]);
    const group = groupOn(3);
    expect(await commit(first, group, 10n)).toEqual([ErrorCode.NONE]);
    // Leadership moves to the second and comes back in epoch 2 without the first hearing of epoch 1 alone.
    await second.onElection(3, 1);
    expect(await commit(second, group, 20n)).toEqual([ErrorCode.NONE]);
    second.onResignation(3);
    await first.onElection(3, 2);
    expect(first.fetchOffsets(group, [{ topic: 't', partitions: [0] }]).offsets[0]!.offset).toBe(20n);
    // The same epoch again is the load already done.
    await first.onElection(3, 2);
    expect(first.fetchOffsets(group, [{ topic: 't', partitions: [0] }]).offsets[0]!.offset).toBe(20n);
    first.shutdown();
    second.shutdown();
  });

  it('coordinates nothing while __consumer_offsets does not exist', async () => {
    const coordinator = coordinatorOver(0);
    await coordinator.start([]);
    expect(coordinator.partitionFor('g')).toBeUndefined();
    expect(coordinator.heartbeat('g', 'm', null, 1)).toBe(ErrorCode.NOT_COORDINATOR);
    coordinator.shutdown();
  });
});

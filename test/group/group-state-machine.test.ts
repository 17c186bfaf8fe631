// The classic group state machine driven through the coordinator with a fake clock: every transition and
// error code clients depend on, after Kafka's GroupCoordinator.
import { beforeEach, describe, expect, it } from 'vitest';
import { type GroupCoordinatorConfig, GroupCoordinator } from '../../src/group/group-coordinator.js';
import { GroupState, type JoinGroupParams } from '../../src/group/group.js';
import type { JoinGroupResult } from '../../src/group/results.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { COORDINATOR_CONFIG, FakeScheduler, MemoryCoordinatorLog, TOPICS_OF_100, settle } from './fakes.js';

const SESSION = 10_000;
const REBALANCE = 30_000;
/** Members joining together: the first delay is extended once because members arrived during it. */
const INITIAL_DELAYS = 2 * 3000;

let clock: FakeScheduler;
let log: MemoryCoordinatorLog;
let coordinator: GroupCoordinator;

async function startCoordinator(overrides: Partial<GroupCoordinatorConfig> = {}): Promise<void> {
  coordinator?.shutdown();
  clock = new FakeScheduler();
  log = new MemoryCoordinatorLog();
  coordinator = new GroupCoordinator({ config: { ...COORDINATOR_CONFIG, ...overrides }, log, topics: TOPICS_OF_100, scheduler: clock });
  await coordinator.start();
}

function params(overrides: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: REBALANCE,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    requireKnownMemberId: false,
    ...overrides,
  };
}

/** A JoinGroup whose answer may come later: lets a test check it is still held. */
function join(group: string, p: JoinGroupParams): { result: Promise<JoinGroupResult>; done: () => boolean } {
  let settled = false;
  const result = coordinator.joinGroup(group, p).then((r) => {
    settled = true;
    return r;
  });
  return { result, done: () => settled };
}

/** Joins members one after another and waits out the initial delay: a Stable-ready generation. */
async function formGroup(group: string, n: number): Promise<JoinGroupResult[]> {
  const joins = Array.from({ length: n }, (_, i) => join(group, params({ clientId: `c${i}` })));
  await clock.advance(INITIAL_DELAYS);
  return Promise.all(joins.map((j) => j.result));
}

async function syncAll(group: string, results: readonly JoinGroupResult[], assign = (id: string) => Buffer.from(`a-${id}`)) {
  const leader = results.find((r) => r.memberId === r.leader)!;
  const followers = results.filter((r) => r !== leader);
  const followerSyncs = followers.map((r) =>
    coordinator.syncGroup(group, {
      memberId: r.memberId,
      groupInstanceId: null,
      generationId: r.generationId,
      protocolType: null,
      protocolName: null,
      assignments: new Map(),
    }),
  );
  const assignments = new Map(leader.members.map((m) => [m.memberId, assign(m.memberId)]));
  const leaderSync = coordinator.syncGroup(group, {
    memberId: leader.memberId,
    groupInstanceId: null,
    generationId: leader.generationId,
    protocolType: 'consumer',
    protocolName: leader.protocolName,
    assignments,
  });
  return Promise.all([leaderSync, ...followerSyncs]);
}

beforeEach(async () => {
  await startCoordinator();
});

describe('JoinGroup', () => {
  it('v4+ hands out a member id with MEMBER_ID_REQUIRED, and the rejoin with it forms the group', async () => {
    const first = await coordinator.joinGroup('g', params({ requireKnownMemberId: true, clientId: 'kafkajs' }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^kafkajs-[0-9a-f-]{36}$/);
    const second = join('g', params({ memberId: first.memberId, requireKnownMemberId: true }));
    await clock.advance(COORDINATOR_CONFIG.initialRebalanceDelayMs);
    const r = await second.result;
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, leader: first.memberId, protocolName: 'range', protocolType: 'consumer' });
    expect(r.members.map((m) => m.memberId)).toEqual([first.memberId]);
    expect(coordinator.describeGroup('g').description.state).toBe(GroupState.CompletingRebalance);
  });

  it('a pending member id expires after the session timeout', async () => {
    const first = await coordinator.joinGroup('g', params({ requireKnownMemberId: true }));
    await clock.advance(SESSION);
    const late = await coordinator.joinGroup('g', params({ memberId: first.memberId, requireKnownMemberId: true }));
    expect(late.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a pending member id holds the join phase of a running group until it is used or expires', async () => {
    const [a] = await formGroup('g', 1);
    await syncAll('g', [a!]);
    const pending = await coordinator.joinGroup('g', params({ requireKnownMemberId: true }));
    // The existing member rejoins (as after a heartbeat answered REBALANCE_IN_PROGRESS): held while the id is pending.
    const rejoin = join('g', params({ memberId: a!.memberId }));
    await settle();
    expect(rejoin.done()).toBe(false);
    const b = join('g', params({ memberId: pending.memberId, requireKnownMemberId: true }));
    await settle();
    const [ra, rb] = await Promise.all([rejoin.result, b.result]);
    expect(ra.generationId).toBe(2);
    expect(rb.generationId).toBe(2);
  });

  it('rejects session timeouts outside group.min/max.session.timeout.ms', async () => {
    expect((await coordinator.joinGroup('g', params({ sessionTimeoutMs: 5999 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await coordinator.joinGroup('g', params({ sessionTimeoutMs: 1_800_001 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    const ok = join('g', params({ sessionTimeoutMs: 6000 }));
    await clock.advance(COORDINATOR_CONFIG.initialRebalanceDelayMs);
    expect((await ok.result).errorCode).toBe(ErrorCode.NONE);
  });

  it('rejects an empty group id and an unknown member id of an unknown group', async () => {
    expect((await coordinator.joinGroup('', params())).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await coordinator.joinGroup('nope', params({ memberId: 'ghost' }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('waits group.initial.rebalance.delay.ms for an empty group and extends it while members keep coming', async () => {
    const a = join('g', params({ clientId: 'a' }));
    await clock.advance(2000);
    const b = join('g', params({ clientId: 'b' }));
    await clock.advance(1000);
    // The first delay ran out with a new member added: it is extended by another delay.
    expect(a.done()).toBe(false);
    await clock.advance(3000);
    const [ra, rb] = await Promise.all([a.result, b.result]);
    expect(ra.generationId).toBe(1);
    expect(rb.generationId).toBe(1);
    expect(ra.leader).toBe(ra.memberId);
    expect(ra.members).toHaveLength(2);
    expect(rb.members).toHaveLength(0);
  });

  it('with group.initial.rebalance.delay.ms=0 completes as soon as everyone has joined', async () => {
    await startCoordinator({ initialRebalanceDelayMs: 0 });
    const r = await coordinator.joinGroup('g', params());
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.generationId).toBe(1);
  });

  it('selects the protocol every member supports that most prefer', async () => {
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
    const a = join('g', params({ protocols: p('range', 'roundrobin') }));
    const b = join('g', params({ protocols: p('roundrobin', 'range') }));
    const c = join('g', params({ protocols: p('roundrobin', 'sticky') }));
    await clock.advance(INITIAL_DELAYS);
    const results = await Promise.all([a.result, b.result, c.result]);
    expect(results.map((r) => r.protocolName)).toEqual(['roundrobin', 'roundrobin', 'roundrobin']);
    // The leader gets each member's metadata for that protocol.
    expect(results[0]!.members.map((m) => m.metadata.toString())).toEqual(['roundrobin', 'roundrobin', 'roundrobin']);
  });

  it('answers INCONSISTENT_GROUP_PROTOCOL for no common protocol or another protocol type', async () => {
    const [a] = await formGroup('g', 1);
    expect(a!.errorCode).toBe(ErrorCode.NONE);
    const other = await coordinator.joinGroup('g', params({ protocols: [{ name: 'sticky', metadata: Buffer.alloc(0) }] }));
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const connect = await coordinator.joinGroup('g', params({ protocolType: 'connect' }));
    expect(connect.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await coordinator.joinGroup('h', params({ protocols: [] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('answers GROUP_MAX_SIZE_REACHED past group.max.size', async () => {
    await startCoordinator({ maxGroupSize: 2 });
    join('g', params());
    join('g', params());
    expect((await coordinator.joinGroup('g', params())).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    await clock.advance(COORDINATOR_CONFIG.initialRebalanceDelayMs);
  });
});

describe('SyncGroup', () => {
  it('holds followers until the leader assigns, then gives each member its own bytes (empty for forgotten ones)', async () => {
    const results = await formGroup('g', 3);
    const [leader, f1, f2] = results as [JoinGroupResult, JoinGroupResult, JoinGroupResult];
    const s1 = coordinator.syncGroup('g', {
      memberId: f1.memberId,
      groupInstanceId: null,
      generationId: 1,
      protocolType: null,
      protocolName: null,
      assignments: new Map(),
    });
    const s2 = coordinator.syncGroup('g', {
      memberId: f2.memberId,
      groupInstanceId: null,
      generationId: 1,
      protocolType: null,
      protocolName: null,
      assignments: new Map(),
    });
    let followerDone = false;
    void s1.then(() => (followerDone = true));
    await settle();
    expect(followerDone).toBe(false);
    const ls = await coordinator.syncGroup('g', {
      memberId: leader.memberId,
      groupInstanceId: null,
      generationId: 1,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: new Map([
        [leader.memberId, Buffer.from('L')],
        [f1.memberId, Buffer.from('F1')],
      ]),
    });
    expect(ls.assignment.toString()).toBe('L');
    expect((await s1).assignment.toString()).toBe('F1');
    const r2 = await s2;
    expect(r2.errorCode).toBe(ErrorCode.NONE);
    expect(r2.assignment.length).toBe(0);
    expect(coordinator.describeGroup('g').description.state).toBe(GroupState.Stable);
    // The stored group metadata carries the assignment.
    expect(log.records.length).toBeGreaterThan(0);
  });

  it('checks generation, member, protocol and state', async () => {
    const [a] = await formGroup('g', 1);
    const sync = (o: object) =>
      coordinator.syncGroup('g', {
        memberId: a!.memberId,
        groupInstanceId: null,
        generationId: 1,
        protocolType: null,
        protocolName: null,
        assignments: new Map(),
        ...o,
      });
    expect((await sync({ generationId: 0 })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await sync({ memberId: 'ghost' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await sync({ protocolName: 'roundrobin' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await sync({ protocolType: 'connect' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(
      (
        await coordinator.syncGroup('unknown', {
          memberId: 'x',
          groupInstanceId: null,
          generationId: 1,
          protocolType: null,
          protocolName: null,
          assignments: new Map(),
        })
      ).errorCode,
    ).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // A second member joining puts the group back into PreparingRebalance.
    join('g', params());
    expect((await sync({})).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('a held follower learns REBALANCE_IN_PROGRESS when a new member joins before the leader assigns', async () => {
    const [, f] = await formGroup('g', 2);
    const held = coordinator.syncGroup('g', {
      memberId: f!.memberId,
      groupInstanceId: null,
      generationId: 1,
      protocolType: null,
      protocolName: null,
      assignments: new Map(),
    });
    join('g', params());
    expect((await held).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('a failed write of the assignment fails the sync and starts a new rebalance', async () => {
    const [a] = await formGroup('g', 1);
    log.failWith = new (await import('../../src/protocol/error-codes.js')).KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS);
    const r = await coordinator.syncGroup('g', {
      memberId: a!.memberId,
      groupInstanceId: null,
      generationId: 1,
      protocolType: null,
      protocolName: null,
      assignments: new Map(),
    });
    expect(r.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(coordinator.describeGroup('g').description.state).toBe(GroupState.PreparingRebalance);
  });
});

describe('Heartbeat and sessions', () => {
  it('answers by state: REBALANCE_IN_PROGRESS only while PreparingRebalance', async () => {
    const [a, b] = await formGroup('g', 2);
    // CompletingRebalance: NONE, and it keeps the member alive while the leader computes (within the rebalance timeout).
    for (let i = 0; i < 3; i++) {
      await clock.advance(SESSION - 1000);
      expect(coordinator.heartbeat('g', b!.memberId, null, 1)).toBe(ErrorCode.NONE);
      expect(coordinator.heartbeat('g', a!.memberId, null, 1)).toBe(ErrorCode.NONE);
    }
    expect(coordinator.describeGroup('g').description.state).toBe(GroupState.CompletingRebalance);
    await syncAll('g', [a!, b!]);
    expect(coordinator.heartbeat('g', b!.memberId, null, 1)).toBe(ErrorCode.NONE);
    expect(coordinator.heartbeat('g', b!.memberId, null, 0)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(coordinator.heartbeat('g', 'ghost', null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.heartbeat('unknown', 'ghost', null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    join('g', params());
    expect(coordinator.heartbeat('g', b!.memberId, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('an Empty group answers UNKNOWN_MEMBER_ID', async () => {
    const [a] = await formGroup('g', 1);
    await syncAll('g', [a!]);
    coordinator.leaveGroup('g', [{ memberId: a!.memberId, groupInstanceId: null }]);
    await clock.advance(REBALANCE);
    expect(coordinator.describeGroup('g').description.state).toBe(GroupState.Empty);
    expect(coordinator.heartbeat('g', a!.memberId, null, 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a member whose session lapses is removed and the others rebalance without it', async () => {
    const results = await formGroup('g', 3);
    await syncAll('g', results);
    const [a, b, dead] = results as [JoinGroupResult, JoinGroupResult, JoinGroupResult];
    await clock.advance(SESSION / 2);
    coordinator.heartbeat('g', a.memberId, null, 1);
    coordinator.heartbeat('g', b.memberId, null, 1);
    await clock.advance(SESSION / 2);
    expect(coordinator.heartbeat('g', a.memberId, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const ra = join('g', params({ memberId: a.memberId }));
    const rb = join('g', params({ memberId: b.memberId }));
    const [ja, jb] = await Promise.all([ra.result, rb.result]);
    expect(ja.generationId).toBe(2);
    expect(jb.generationId).toBe(2);
    const leader = ja.memberId === ja.leader ? ja : jb;
    expect(leader.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect(coordinator.heartbeat('g', dead.memberId, null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('the rebalance timeout removes members that do not rejoin, and the rest get their answer then', async () => {
    const results = await formGroup('g', 2);
    await syncAll('g', results);
    const [a, b] = results as [JoinGroupResult, JoinGroupResult];
    const ra = join('g', params({ memberId: a.memberId }));
    // b keeps heartbeating (learning of the rebalance) but never rejoins.
    for (let i = 0; i < REBALANCE / 3000 - 1; i++) {
      await clock.advance(3000);
      coordinator.heartbeat('g', b.memberId, null, 1);
    }
    expect(ra.done()).toBe(false);
    await clock.advance(3000);
    const r = await ra.result;
    expect(r.generationId).toBe(2);
    expect(r.members.map((m) => m.memberId)).toEqual([a.memberId]);
  });

  it('members that never send SyncGroup are removed after the rebalance timeout', async () => {
    const results = await formGroup('g', 2);
    const leader = results.find((r) => r.memberId === r.leader)!;
    const follower = results.find((r) => r !== leader)!;
    // The follower syncs and keeps heartbeating; the leader vanished after its JoinGroup answer.
    const held = coordinator.syncGroup('g', {
      memberId: follower.memberId,
      groupInstanceId: null,
      generationId: 1,
      protocolType: null,
      protocolName: null,
      assignments: new Map(),
    });
    for (let t = 0; t < REBALANCE; t += 3000) {
      await clock.advance(3000);
      coordinator.heartbeat('g', follower.memberId, null, 1);
    }
    expect((await held).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const r = await coordinator.joinGroup('g', params({ memberId: follower.memberId }));
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, leader: follower.memberId });
    expect(r.members.map((m) => m.memberId)).toEqual([follower.memberId]);
  });
});

describe('LeaveGroup', () => {
  it('removes members (batched, by id or by instance id) and rebalances the rest', async () => {
    const results = [join('g', params({ groupInstanceId: 'i0' })), join('g', params()), join('g', params())];
    await clock.advance(INITIAL_DELAYS);
    const [a, b, c] = (await Promise.all(results.map((r) => r.result))) as [JoinGroupResult, JoinGroupResult, JoinGroupResult];
    await syncAll('g', [a, b, c]);
    const out = coordinator.leaveGroup('g', [
      { memberId: '', groupInstanceId: 'i0' },
      { memberId: b.memberId, groupInstanceId: null },
      { memberId: 'ghost', groupInstanceId: null },
    ]);
    expect(out).toEqual({ errorCode: ErrorCode.NONE, memberErrors: [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID] });
    expect(coordinator.describeGroup('g').description.state).toBe(GroupState.PreparingRebalance);
    const rc = await coordinator.joinGroup('g', params({ memberId: c.memberId }));
    expect(rc).toMatchObject({ generationId: 2, leader: c.memberId });
    expect(coordinator.leaveGroup('unknown', [{ memberId: 'x', groupInstanceId: null }])).toEqual({
      errorCode: ErrorCode.NONE,
      memberErrors: [ErrorCode.UNKNOWN_MEMBER_ID],
    });
  });

  it('the last member leaving empties the group; the generation still advances', async () => {
    const [a] = await formGroup('g', 1);
    await syncAll('g', [a!]);
    coordinator.leaveGroup('g', [{ memberId: a!.memberId, groupInstanceId: null }]);
    await settle();
    const d = coordinator.describeGroup('g').description;
    expect(d.state).toBe(GroupState.Empty);
    expect(d.generationId).toBe(2);
  });

  it('a member leaving while held in JoinGroup gets an answer (UNKNOWN_MEMBER_ID), never silence', async () => {
    const results = await formGroup('g', 2);
    await syncAll('g', results);
    const [a, b] = results as [JoinGroupResult, JoinGroupResult];
    const ra = join('g', params({ memberId: a.memberId }));
    coordinator.leaveGroup('g', [{ memberId: a.memberId, groupInstanceId: null }]);
    expect((await ra.result).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const rb = await coordinator.joinGroup('g', params({ memberId: b.memberId }));
    expect(rb.generationId).toBe(2);
  });
});

describe('static membership (group.instance.id)', () => {
  it('a restarted static member takes its place without a rebalance and gets its assignment back', async () => {
    const joins = [join('g', params({ groupInstanceId: 'host-1' })), join('g', params({ groupInstanceId: 'host-2' }))];
    await clock.advance(INITIAL_DELAYS);
    const results = await Promise.all(joins.map((j) => j.result));
    await syncAll('g', results);
    const old = results.find((r) => r.memberId !== r.leader)!;
    const r = await coordinator.joinGroup('g', params({ groupInstanceId: 'host-2' }));
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.memberId).not.toBe(old.memberId);
    expect(r.generationId).toBe(1);
    expect(coordinator.describeGroup('g').description.state).toBe(GroupState.Stable);
    const s = await coordinator.syncGroup('g', {
      memberId: r.memberId,
      groupInstanceId: 'host-2',
      generationId: 1,
      protocolType: null,
      protocolName: null,
      assignments: new Map(),
    });
    expect(s.assignment.toString()).toBe(`a-${old.memberId}`);
    // The old incarnation is fenced.
    expect(coordinator.heartbeat('g', old.memberId, 'host-2', 1)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await coordinator.joinGroup('g', params({ memberId: old.memberId, groupInstanceId: 'host-2' }))).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(coordinator.leaveGroup('g', [{ memberId: old.memberId, groupInstanceId: 'host-2' }]).memberErrors).toEqual([ErrorCode.FENCED_INSTANCE_ID]);
  });

  it('a static member rejoining with other protocols triggers a rebalance', async () => {
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.alloc(0) }));
    const j = join('g', params({ groupInstanceId: 'host-1', protocols: p('range', 'roundrobin') }));
    await clock.advance(COORDINATOR_CONFIG.initialRebalanceDelayMs);
    await syncAll('g', [await j.result]);
    const r = join('g', params({ groupInstanceId: 'host-1', protocols: p('roundrobin', 'range') }));
    await settle();
    expect((await r.result).generationId).toBe(2);
  });
});

describe('rebalances back to back and under concurrency', () => {
  it('cooperative clients rejoining right after Stable get a second generation', async () => {
    const results = await formGroup('g', 2);
    await syncAll('g', results);
    const again = results.map((r) => join('g', params({ memberId: r.memberId })));
    const second = await Promise.all(again.map((j) => j.result));
    expect(second.map((r) => r.generationId)).toEqual([2, 2]);
    const syncs = await syncAll('g', second);
    expect(syncs.every((s) => s.errorCode === ErrorCode.NONE)).toBe(true);
  });

  it('a known follower rejoining with unchanged metadata while Stable just gets the current generation', async () => {
    const results = await formGroup('g', 2);
    await syncAll('g', results);
    const follower = results.find((r) => r.memberId !== r.leader)!;
    const r = await coordinator.joinGroup('g', params({ memberId: follower.memberId, clientId: 'c1' }));
    expect(r.generationId).toBe(1);
    expect(coordinator.describeGroup('g').description.state).toBe(GroupState.Stable);
  });

  it('a client that resends JoinGroup gets an answer to the abandoned one', async () => {
    const results = await formGroup('g', 2);
    await syncAll('g', results);
    const first = join('g', params({ memberId: results[0]!.memberId }));
    const second = join('g', params({ memberId: results[0]!.memberId }));
    expect((await first.result).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    await coordinator.joinGroup('g', params({ memberId: results[1]!.memberId }));
    expect((await second.result).generationId).toBe(2);
  });
});

describe('shutdown', () => {
  it('answers every held request', async () => {
    const a = join('g', params());
    coordinator.shutdown();
    expect((await a.result).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

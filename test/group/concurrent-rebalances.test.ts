// Concurrent rebalances, simulated: clients following the classic consumer protocol (KIP-394 handshake,
// leader assigns, heartbeats, rejoin on REBALANCE_IN_PROGRESS/ILLEGAL_GENERATION) join, leave and die at
// arbitrary times on a fake clock. Whatever the schedule: no partition goes to two members of one
// generation, a live client is never told UNKNOWN_MEMBER_ID, and the survivors end Stable in one generation
// sharing every partition.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupCoordinator } from '../../src/group/group-coordinator.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { FakeScheduler, MemoryCoordinatorLog } from './fakes.js';

const PARTITIONS = 12;
const SESSION = 6000;
const REBALANCE = 10_000;
const HEARTBEAT = 1000;

type Fate = { kind: 'stay' } | { kind: 'leave'; at: number } | { kind: 'die'; at: number };

interface Client {
  readonly name: string;
  memberId: string;
  unknownMemberErrors: number;
  stopped: boolean;
  /** The last generation this client synced, with its partitions. */
  stable: { generation: number; partitions: number[] } | null;
}

/** Leader's assignment: round robin over members in id order; each value is a JSON list of partitions. */
function assign(memberIds: readonly string[]): Map<string, Buffer> {
  const sorted = [...memberIds].sort();
  const out = new Map(sorted.map((id) => [id, [] as number[]]));
  for (let p = 0; p < PARTITIONS; p++) out.get(sorted[p % sorted.length]!)!.push(p);
  return new Map([...out].map(([id, ps]) => [id, Buffer.from(JSON.stringify(ps))]));
}

async function simulate(fates: readonly { start: number; fate: Fate }[], initialDelay: number, leaderDelay: number) {
  const clock = new FakeScheduler();
  const coordinator = new GroupCoordinator({
    config: {
      initialRebalanceDelayMs: initialDelay,
      minSessionTimeoutMs: 6000,
      maxSessionTimeoutMs: 60_000,
      maxGroupSize: 100,
      offsetsRetentionMs: 1e9,
      offsetsRetentionCheckIntervalMs: 1e9,
    },
    log: new MemoryCoordinatorLog(),
    topics: { partitionExists: () => true, logEndOffset: () => 0n },
    scheduler: clock,
  });
  await coordinator.start();
  const t0 = clock.now();
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.schedule(ms, resolve));
  const until = (at: number) => sleep(Math.max(0, t0 + at - clock.now()));
  /** generation → partition → member that was handed it. */
  const handedOut = new Map<number, Map<number, string>>();
  const violations: string[] = [];

  async function run(client: Client, fate: Fate): Promise<void> {
    const deadline = fate.kind === 'stay' ? Infinity : t0 + fate.at;
    const base = {
      groupInstanceId: null,
      clientId: client.name,
      clientHost: '/127.0.0.1',
      sessionTimeoutMs: SESSION,
      rebalanceTimeoutMs: REBALANCE,
      protocolType: 'consumer',
    };
    while (clock.now() < deadline) {
      const joined = await coordinator.joinGroup('g', {
        ...base,
        memberId: client.memberId,
        protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }],
        requireKnownMemberId: true,
      });
      if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        client.memberId = joined.memberId;
        continue;
      }
      if (joined.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        client.unknownMemberErrors++;
        client.memberId = '';
        continue;
      }
      if (joined.errorCode !== ErrorCode.NONE) {
        await sleep(100);
        continue;
      }
      const isLeader = joined.leader === joined.memberId;
      // Like the Java client, keep heartbeating while waiting for SyncGroup (the leader takes a while to assign).
      let syncing = true;
      let rejoinNeeded = false;
      void (async () => {
        for (;;) {
          await sleep(HEARTBEAT);
          if (!syncing) return;
          const error = coordinator.heartbeat('g', client.memberId, null, joined.generationId);
          if (error === ErrorCode.UNKNOWN_MEMBER_ID) client.unknownMemberErrors++;
          if (error !== ErrorCode.NONE) rejoinNeeded = true;
        }
      })();
      if (isLeader) await sleep(leaderDelay);
      const synced = await coordinator.syncGroup('g', {
        memberId: client.memberId,
        groupInstanceId: null,
        generationId: joined.generationId,
        protocolType: 'consumer',
        protocolName: joined.protocolName,
        assignments: isLeader ? assign(joined.members.map((m) => m.memberId)) : new Map(),
      });
      syncing = false;
      if (synced.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        client.unknownMemberErrors++;
        client.memberId = '';
        continue;
      }
      if (synced.errorCode !== ErrorCode.NONE) continue;
      const partitions: number[] = synced.assignment.length > 0 ? JSON.parse(synced.assignment.toString()) : [];
      const owners = handedOut.get(joined.generationId) ?? new Map<number, string>();
      handedOut.set(joined.generationId, owners);
      for (const p of partitions) {
        const owner = owners.get(p);
        if (owner !== undefined && owner !== client.memberId)
          violations.push(`generation ${joined.generationId}: partition ${p} to ${owner} and ${client.memberId}`);
        owners.set(p, client.memberId);
      }
      if (rejoinNeeded) continue;
      client.stable = { generation: joined.generationId, partitions };
      for (;;) {
        await sleep(HEARTBEAT);
        if (clock.now() >= deadline) break;
        const error = coordinator.heartbeat('g', client.memberId, null, joined.generationId);
        if (error === ErrorCode.NONE) continue;
        client.stable = null;
        if (error === ErrorCode.UNKNOWN_MEMBER_ID) {
          client.unknownMemberErrors++;
          client.memberId = '';
        }
        break;
      }
    }
    client.stable = null;
    client.stopped = true;
    if (fate.kind === 'leave' && client.memberId !== '') coordinator.leaveGroup('g', [{ memberId: client.memberId, groupInstanceId: null }]);
  }

  const clients = fates.map((_f, i): Client => ({ name: `c${i}`, memberId: '', unknownMemberErrors: 0, stopped: false, stable: null }));
  fates.forEach((f, i) => void until(f.start).then(() => run(clients[i]!, f.fate)));
  const lastEvent = Math.max(...fates.map((f) => Math.max(f.start, f.fate.kind === 'stay' ? 0 : f.fate.at)));
  // After the last event: a dead member's session lapses, the rebalance completes, everyone syncs.
  await clock.advance(lastEvent + SESSION + REBALANCE + 4 * initialDelay + 2 * leaderDelay + 5 * HEARTBEAT);
  coordinator.shutdown();
  return { clients, fates, violations, state: coordinator.describeGroup('g').description.state };
}

const fateArb: fc.Arbitrary<Fate> = fc.oneof(
  fc.constant<Fate>({ kind: 'stay' }),
  fc.integer({ min: 0, max: 30_000 }).map((at): Fate => ({ kind: 'leave', at })),
  fc.integer({ min: 0, max: 30_000 }).map((at): Fate => ({ kind: 'die', at })),
);

describe('concurrent rebalances', () => {
  it('never give a partition to two members of a generation, never strand a live member, and settle', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ start: fc.integer({ min: 0, max: 20_000 }), fate: fateArb }), { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom(0, 3000),
        fc.integer({ min: 0, max: 4000 }),
        async (others, staying, initialDelay, leaderDelay) => {
          // At least one client stays to the end, so the group must settle with members.
          const fates = [...others, ...Array.from({ length: 1 + (staying % 3) }, (_, i) => ({ start: i * 700, fate: { kind: 'stay' } as Fate }))];
          const { clients, violations } = await simulate(fates, initialDelay, leaderDelay);
          expect(violations).toEqual([]);
          const live = clients.filter((_c, i) => fates[i]!.fate.kind === 'stay');
          for (const c of live) expect(c.unknownMemberErrors, `${c.name} was told UNKNOWN_MEMBER_ID`).toBe(0);
          const generations = new Set(live.map((c) => c.stable?.generation));
          expect(generations.size, 'survivors in one generation').toBe(1);
          expect(
            live.every((c) => c.stable !== null),
            'every survivor synced',
          ).toBe(true);
          const all = live.flatMap((c) => c.stable!.partitions).sort((a, b) => a - b);
          expect(all).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});

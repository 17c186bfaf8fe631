// The controller's election rule for one partition, as Kafka's controller decides it.
import { describe, expect, it } from 'vitest';
import { ElectionType, NO_LEADER, electLeader, electRequested } from '../../src/cluster/controller/partition-election.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { PartitionState } from '../../src/cluster/store/shared-metadata.js';

function state(leader: number, replicas: number[], isr: number[], leaderEpoch = 4): PartitionState {
  return { leader, leaderEpoch, partitionEpoch: 9, replicas, isr };
}

function elect(s: PartitionState, live: number[], options: { shuttingDown?: number[]; unclean?: boolean; restarted?: number[] } = {}) {
  return electLeader({
    state: s,
    live: new Set(live),
    shuttingDown: new Set(options.shuttingDown ?? []),
    uncleanAllowed: options.unclean ?? false,
    restarted: new Set(options.restarted ?? []),
  });
}

describe('partition leader election', () => {
  it('changes nothing while the leader and the ISR are live', () => {
    expect(elect(state(1, [1, 2, 3], [1, 2, 3]), [1, 2, 3])).toBeUndefined();
    expect(elect(state(NO_LEADER, [2], [2]), [1, 3])).toBeUndefined();
  });

  it('replaces a dead leader by the first live ISR member in replica order, bumping the leader epoch', () => {
    expect(elect(state(1, [1, 3, 2], [2, 3, 1]), [2, 3])).toEqual({
      change: { leader: 3, leaderEpoch: 5, replicas: [1, 3, 2], isr: [2, 3] },
      unclean: false,
    });
  });

  it('drops a dead follower from the ISR without a leader change', () => {
    expect(elect(state(1, [1, 2, 3], [1, 2, 3]), [1, 3])).toEqual({
      change: { leader: 1, leaderEpoch: 4, replicas: [1, 2, 3], isr: [1, 3] },
      unclean: false,
    });
  });

  it('takes a partition offline, keeping its last ISR, when no ISR member is live and unclean election is off', () => {
    expect(elect(state(2, [2, 1], [2]), [1, 3])).toEqual({
      change: { leader: NO_LEADER, leaderEpoch: 5, replicas: [2, 1], isr: [2] },
      unclean: false,
    });
  });

  it('gives an offline partition back to its ISR member when it returns', () => {
    expect(elect(state(NO_LEADER, [2], [2], 5), [1, 2, 3])).toEqual({
      change: { leader: 2, leaderEpoch: 6, replicas: [2], isr: [2] },
      unclean: false,
    });
  });

  it('elects the first live out-of-sync replica when unclean election is enabled, and says so', () => {
    expect(elect(state(2, [2, 3, 1], [2]), [1, 3], { unclean: true })).toEqual({
      change: { leader: 3, leaderEpoch: 5, replicas: [2, 3, 1], isr: [3] },
      unclean: true,
    });
    expect(elect(state(2, [2], [2]), [1, 3], { unclean: true })?.change.leader).toBe(NO_LEADER);
  });

  it('moves leadership off a broker in controlled shutdown when another ISR member can take it, and keeps it otherwise', () => {
    expect(elect(state(1, [1, 2], [1, 2]), [1, 2], { shuttingDown: [1] })).toEqual({
      change: { leader: 2, leaderEpoch: 5, replicas: [1, 2], isr: [2] },
      unclean: false,
    });
    expect(elect(state(1, [1, 2], [1]), [1, 2], { shuttingDown: [1] })).toBeUndefined();
    expect(elect(state(2, [2, 1], [2, 1]), [1, 2], { shuttingDown: [1] })?.change).toEqual({ leader: 2, leaderEpoch: 4, replicas: [2, 1], isr: [2] });
  });
});

describe('brokers registered again since the state was written (restarted within the session timeout)', () => {
  it('moves the lead off a restarted leader to a continuing in-sync replica, and drops restarted followers from the ISR', () => {
    expect(elect(state(1, [1, 2, 3], [1, 2, 3]), [1, 2, 3], { restarted: [1] })).toEqual({
      change: { leader: 2, leaderEpoch: 5, replicas: [1, 2, 3], isr: [2, 3] },
      unclean: false,
    });
    expect(elect(state(1, [1, 2, 3], [1, 2, 3]), [1, 2, 3], { restarted: [3] })).toEqual({
      change: { leader: 1, leaderEpoch: 4, replicas: [1, 2, 3], isr: [1, 2] },
      unclean: false,
    });
  });

  it('lets a restarted leader with no continuing in-sync replica lead again, under a new leader epoch', () => {
    expect(elect(state(2, [1, 2, 3], [2, 3]), [1, 2, 3], { restarted: [2, 3] })).toEqual({
      change: { leader: 2, leaderEpoch: 5, replicas: [1, 2, 3], isr: [2] },
      unclean: false,
    });
    expect(elect(state(NO_LEADER, [1, 2], [2]), [1, 2], { restarted: [2] })).toEqual({
      change: { leader: 2, leaderEpoch: 5, replicas: [1, 2], isr: [2] },
      unclean: false,
    });
  });

  it('keeps a restarted replica outside the ISR out of the lead', () => {
    expect(elect(state(1, [1, 2], [1]), [1, 2], { restarted: [2] })).toBeUndefined();
  });
});

describe('elections an operator asks for (ElectLeaders)', () => {
  const ask = (type: ElectionType, s: PartitionState, live: number[], shuttingDown: number[] = []) =>
    electRequested(type, { state: s, live: new Set(live), shuttingDown: new Set(shuttingDown) });

  it('moves leadership to the preferred replica when it is live and in sync, bumping the leader epoch', () => {
    expect(ask(ElectionType.PREFERRED, state(2, [1, 2, 3], [2, 3, 1]), [1, 2, 3])).toEqual({
      change: { leader: 1, leaderEpoch: 5, replicas: [1, 2, 3], isr: [2, 3, 1] },
      unclean: false,
    });
  });

  it('answers why a preferred election cannot or need not happen', () => {
    expect(ask(ElectionType.PREFERRED, state(1, [1, 2], [1, 2]), [1, 2])).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    expect(ask(ElectionType.PREFERRED, state(2, [1, 2], [2]), [1, 2])).toBe(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    expect(ask(ElectionType.PREFERRED, state(2, [1, 2], [1, 2]), [2])).toBe(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    expect(ask(ElectionType.PREFERRED, state(2, [1, 2], [1, 2]), [1, 2], [1])).toBe(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
  });

  it('gives an offline partition an out-of-sync leader only through an unclean election, and only when one is live', () => {
    expect(ask(ElectionType.UNCLEAN, state(1, [1, 2], [1, 2]), [1, 2])).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    expect(ask(ElectionType.UNCLEAN, state(NO_LEADER, [1, 2], [1]), [2])).toEqual({
      change: { leader: 2, leaderEpoch: 5, replicas: [1, 2], isr: [2] },
      unclean: true,
    });
    expect(ask(ElectionType.UNCLEAN, state(NO_LEADER, [1, 2], [1]), [3])).toBe(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
  });
});

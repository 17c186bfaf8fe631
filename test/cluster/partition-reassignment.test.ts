// Kafka's partition reassignment rules (KIP-455) for one partition's state, as its controller applies them:
// grow to target ∪ current, complete once the added replicas are in sync, cancel by dropping them.
import { describe, expect, it } from 'vitest';
import { NO_LEADER } from '../../src/cluster/controller/partition-election.js';
import { cancelReassignment, completeReassignment, startReassignment } from '../../src/cluster/controller/partition-reassignment.js';
import type { PartitionState } from '../../src/cluster/store/shared-metadata.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';

function state(leader: number, replicas: number[], isr: number[], reassignment: { adding?: number[]; removing?: number[] } = {}): PartitionState {
  return {
    leader,
    leaderEpoch: 4,
    partitionEpoch: 9,
    replicas,
    isr,
    ...(reassignment.adding || reassignment.removing ? { addingReplicas: reassignment.adding ?? [], removingReplicas: reassignment.removing ?? [] } : {}),
  };
}

const everyone = (_id: number): boolean => true;

function start(s: PartitionState, target: number[], registered = [1, 2, 3, 4, 5], allowReplicationFactorChange = true) {
  return startReassignment(s, target, { registered: new Set(registered), serving: everyone }, allowReplicationFactorChange);
}

function codeOf(action: () => unknown): ErrorCode | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return (error as { code: ErrorCode }).code;
  }
}

describe('starting a reassignment', () => {
  it('grows the replicas to the target followed by those it removes, leaving leader, epoch and ISR as they are', () => {
    expect(start(state(1, [1, 2, 3], [1, 2]), [1, 2, 4])).toEqual({
      change: { leader: 1, leaderEpoch: 4, replicas: [1, 2, 4, 3], isr: [1, 2], addingReplicas: [4], removingReplicas: [3] },
      unclean: false,
    });
    expect(start(state(1, [1], [1]), [4])).toEqual({
      change: { leader: 1, leaderEpoch: 4, replicas: [4, 1], isr: [1], addingReplicas: [4], removingReplicas: [1] },
      unclean: false,
    });
  });

  it('completes at once when nothing is added: a reorder, or a removal of in-sync replicas (moving leadership off a removed leader)', () => {
    expect(start(state(1, [1, 2, 3], [1, 2, 3]), [3, 2, 1])).toEqual({
      change: { leader: 1, leaderEpoch: 4, replicas: [3, 2, 1], isr: [1, 2, 3] },
      unclean: false,
    });
    expect(start(state(1, [1, 2, 3], [1, 2, 3]), [2, 3])).toEqual({
      change: { leader: 2, leaderEpoch: 5, replicas: [2, 3], isr: [2, 3] },
      unclean: false,
    });
    // A shrink waits while a remaining replica is out of sync.
    expect(start(state(1, [1, 2, 3], [1, 2]), [1, 3])?.change).toMatchObject({ replicas: [1, 3, 2], addingReplicas: [], removingReplicas: [2] });
  });

  it('changes nothing when the target is the current assignment', () => {
    expect(start(state(1, [1, 2], [1, 2]), [1, 2])).toBeUndefined();
  });

  it('keeps waiting for a replica still being added when a new target keeps it, and removes one the new target drops', () => {
    const moving = state(1, [4, 1], [1], { adding: [4], removing: [1] });
    expect(start(moving, [4])).toBeUndefined();
    expect(start(moving, [5])).toEqual({
      change: { leader: 1, leaderEpoch: 4, replicas: [5, 1, 4], isr: [1], addingReplicas: [5], removingReplicas: [1, 4] },
      unclean: false,
    });
  });

  it('refuses an empty target, a broker named twice or one not registered (INVALID_REPLICA_ASSIGNMENT)', () => {
    const s = state(1, [1, 2], [1, 2]);
    expect(codeOf(() => start(s, []))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(codeOf(() => start(s, [1, 1]))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(codeOf(() => start(s, [1, 9]))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });

  it('refuses a change of replication factor when the request does not allow one (KIP-860), counting the target of a reassignment in progress', () => {
    expect(codeOf(() => start(state(1, [1, 2], [1, 2]), [1, 2, 3], undefined, false))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(start(state(1, [1, 2], [1, 2]), [3, 4], undefined, false)?.change).toMatchObject({ addingReplicas: [3, 4], removingReplicas: [1, 2] });
    expect(codeOf(() => start(state(1, [4, 5, 1], [1], { adding: [4, 5], removing: [1] }), [4], undefined, false))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
  });
});

describe('completing a reassignment', () => {
  it('waits until every added replica is in the ISR', () => {
    expect(completeReassignment(state(1, [1, 2, 4, 3], [1, 2], { adding: [4], removing: [3] }), everyone)).toBeUndefined();
    expect(completeReassignment(state(1, [1, 2], [1, 2]), everyone)).toBeUndefined();
  });

  it('shrinks to the target, drops the removed replicas from the ISR and bumps the leader epoch', () => {
    expect(completeReassignment(state(1, [1, 2, 4, 3], [1, 2, 3, 4], { adding: [4], removing: [3] }), everyone)).toEqual({
      change: { leader: 1, leaderEpoch: 5, replicas: [1, 2, 4], isr: [1, 2, 4] },
      unclean: false,
    });
  });

  it('moves leadership to the first in-sync replica of the target that serves when the leader is removed', () => {
    const moved = state(1, [4, 5, 1], [1, 4, 5], { adding: [4, 5], removing: [1] });
    expect(completeReassignment(moved, (id) => id !== 4)).toEqual({
      change: { leader: 5, leaderEpoch: 5, replicas: [4, 5], isr: [4, 5] },
      unclean: false,
    });
    expect(completeReassignment(moved, (id) => id === 1)?.change).toMatchObject({ leader: NO_LEADER, replicas: [4, 5] });
  });
});

describe('cancelling a reassignment', () => {
  it('drops the replicas being added from the replicas and the ISR, moving leadership back when an added replica led', () => {
    expect(cancelReassignment(state(4, [4, 1], [1, 4], { adding: [4], removing: [1] }), everyone, false)).toEqual({
      change: { leader: 1, leaderEpoch: 5, replicas: [1], isr: [1] },
      unclean: false,
    });
  });

  it('answers NO_REASSIGNMENT_IN_PROGRESS without one', () => {
    expect(codeOf(() => cancelReassignment(state(1, [1], [1]), everyone, false))).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
  });

  it('reverts with only added replicas in sync by an unclean election, and only when allowed', () => {
    const s = state(4, [4, 1], [4], { adding: [4], removing: [1] });
    expect(codeOf(() => cancelReassignment(s, everyone, false))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(cancelReassignment(s, everyone, true)).toEqual({ change: { leader: 1, leaderEpoch: 5, replicas: [1], isr: [1] }, unclean: true });
  });
});

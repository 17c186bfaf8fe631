/**
 * Kafka's partition reassignment (KIP-455) for one partition's state, as its controller decides it: a
 * reassignment grows the replicas to the target followed by the replicas it removes, waits until every
 * replica it adds is in the ISR, then shrinks them to the target (the removed ones leave the ISR too, and
 * leadership moves to the target's first in-sync replica when the leader is not in it); a cancel drops the
 * replicas being added. The leader epoch is bumped whenever the leader changes or a replica leaves, so a
 * replica dropped can no longer fetch or be counted.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { PartitionState } from '../store/shared-metadata.js';
import { type Election, NO_LEADER } from './partition-election.js';

/** The replicas a partition has and will have: what a change of its state writes. */
type Replicas = Pick<PartitionState, 'replicas' | 'isr' | 'addingReplicas' | 'removingReplicas'>;

export function reassignmentInProgress(state: Replicas): boolean {
  return (state.addingReplicas?.length ?? 0) > 0 || (state.removingReplicas?.length ?? 0) > 0;
}

/** The reassignment fields of a state that has one in progress, else none (so that a state without one keeps its shape). */
export function ongoingReassignment(state: Replicas): Pick<PartitionState, 'addingReplicas' | 'removingReplicas'> {
  if (!reassignmentInProgress(state)) return {};
  return { addingReplicas: state.addingReplicas ?? [], removingReplicas: state.removingReplicas ?? [] };
}

/**
 * The state that starts a reassignment of the partition to `target` (AlterPartitionReassignments), completed
 * at once when nothing needs to catch up, or undefined when the partition is already there. Throws
 * INVALID_REPLICA_ASSIGNMENT for an empty target, a broker named twice or a broker that is not registered,
 * and, when `allowReplicationFactorChange` is false (KIP-860), INVALID_REPLICATION_FACTOR for a target of
 * another size than the replicas the partition has (or is heading for).
 */
export function startReassignment(
  state: PartitionState,
  target: readonly number[],
  brokers: { readonly registered: ReadonlySet<number>; readonly serving: (id: number) => boolean },
  allowReplicationFactorChange: boolean,
): Election | undefined {
  checkTarget(target, brokers.registered);
  if (!allowReplicationFactorChange) {
    const current = headingFor(state).length;
    if (current !== target.length) {
      throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `the replication factor would change from ${current} to ${target.length}`);
    }
  }
  // Replicas still being added count as new: a target that keeps them still waits for them to catch up.
  const original = state.replicas.filter((id) => !(state.addingReplicas ?? []).includes(id));
  const adding = sorted(target.filter((id) => !original.includes(id)));
  const removing = sorted(state.replicas.filter((id) => !target.includes(id)));
  const grown: Replicas = { replicas: [...target, ...removing], isr: state.isr, addingReplicas: adding, removingReplicas: removing };
  return withLeader(state, completed(grown) ?? grown, brokers.serving, false);
}

/**
 * The state that cancels the partition's reassignment (a null target): the replicas being added leave the
 * replicas and the ISR. NO_REASSIGNMENT_IN_PROGRESS without one; when only replicas being added are in sync,
 * the revert is an unclean election (the first remaining replica becomes the ISR), refused with
 * INVALID_REPLICA_ASSIGNMENT unless `uncleanAllowed`.
 */
export function cancelReassignment(state: PartitionState, serving: (id: number) => boolean, uncleanAllowed: boolean): Election | undefined {
  if (!reassignmentInProgress(state)) throw new KafkaError(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, 'no partition reassignment is in progress');
  const adding = state.addingReplicas ?? [];
  const replicas = state.replicas.filter((id) => !adding.includes(id));
  let isr = state.isr.filter((id) => !adding.includes(id));
  const unclean = isr.length === 0;
  if (unclean) {
    if (!uncleanAllowed || replicas.length === 0) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'reverting the reassignment would need an unclean leader election (only added replicas are in sync)',
      );
    }
    isr = [replicas[0]!];
  }
  return withLeader(state, { replicas, isr }, serving, unclean);
}

/** The state that completes the partition's reassignment once every replica it adds is in the ISR, else undefined. */
export function completeReassignment(state: PartitionState, serving: (id: number) => boolean): Election | undefined {
  const done = completed(state);
  return done && withLeader(state, done, serving, false);
}

/**
 * The replicas of a finished reassignment, if it may finish (Kafka's rules): the replicas left and the ISR
 * left are not empty, every replica added is in that ISR, and a shrinking replication factor leaves every
 * remaining replica in sync.
 */
function completed(state: Replicas): Replicas | undefined {
  if (!reassignmentInProgress(state)) return undefined;
  const removing = state.removingReplicas ?? [];
  const replicas = state.replicas.filter((id) => !removing.includes(id));
  const isr = state.isr.filter((id) => !removing.includes(id));
  if (replicas.length === 0 || isr.length === 0) return undefined;
  const adding = state.addingReplicas ?? [];
  if (!adding.every((id) => isr.includes(id))) return undefined;
  if (adding.length < removing.length && !replicas.every((id) => isr.includes(id))) return undefined;
  return { replicas, isr };
}

/**
 * The partition's state with `next`'s replicas: the leader stays while it is in the new ISR, else the first
 * serving replica of the new ISR leads (none: the partition is offline until the controller's election
 * finds one); undefined when nothing changes.
 */
function withLeader(state: PartitionState, next: Replicas, serving: (id: number) => boolean, unclean: boolean): Election | undefined {
  const leader =
    state.leader !== NO_LEADER && next.isr.includes(state.leader)
      ? state.leader
      : (next.replicas.find((id) => next.isr.includes(id) && serving(id)) ?? NO_LEADER);
  const reassignment = ongoingReassignment(next);
  const unchanged =
    leader === state.leader &&
    same(next.replicas, state.replicas) &&
    same(next.isr, state.isr) &&
    same(reassignment.addingReplicas ?? [], state.addingReplicas ?? []) &&
    same(reassignment.removingReplicas ?? [], state.removingReplicas ?? []);
  if (unchanged) return undefined;
  const replicaLeft = state.replicas.some((id) => !next.replicas.includes(id));
  const leaderEpoch = leader !== state.leader || replicaLeft ? state.leaderEpoch + 1 : state.leaderEpoch;
  return { change: { leader, leaderEpoch, replicas: next.replicas, isr: next.isr, ...reassignment }, unclean };
}

/** The replicas the partition is heading for: its target while a reassignment runs. */
function headingFor(state: PartitionState): number[] {
  const removing = state.removingReplicas ?? [];
  return state.replicas.filter((id) => !removing.includes(id));
}

function checkTarget(target: readonly number[], registered: ReadonlySet<number>): void {
  if (target.length === 0) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'the replica list is empty');
  for (const [index, id] of target.entries()) {
    if (target.indexOf(id) !== index) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `broker ${id} is named more than once`);
    if (!registered.has(id)) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `broker ${id} is not registered`);
  }
}

function sorted(ids: readonly number[]): number[] {
  return [...ids].sort((a, b) => a - b);
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * The controller's rule for one partition's leader and ISR given which brokers are live, Kafka's rules:
 * a leader that is gone (or shutting down, when another in-sync replica can take over) is replaced by the
 * first live ISR member in replica order with the leader epoch bumped; gone brokers leave the ISR, except
 * the last member, which stays (with the partition offline, leader -1) because it alone may take the lead
 * back cleanly when it returns; without a live ISR member an out-of-sync replica leads only when unclean
 * election is enabled.
 */
import type { PartitionState } from '../store/shared-metadata.js';

/** No leader: the partition is offline (LEADER_NOT_AVAILABLE). */
export const NO_LEADER = -1;

export interface ElectionInput {
  readonly state: PartitionState;
  /** Registered brokers. */
  readonly live: ReadonlySet<number>;
  /** Live brokers in controlled shutdown: they give up leadership and ISR membership where another replica can take over. */
  readonly shuttingDown: ReadonlySet<number>;
  /** `unclean.leader.election.enable` in effect for the partition's topic. */
  readonly uncleanAllowed: boolean;
}

export interface Election {
  readonly change: Omit<PartitionState, 'partitionEpoch'>;
  /** The new leader was not in the ISR: records acknowledged by the old ISR may be lost. */
  readonly unclean: boolean;
}

/** The partition's new leader and ISR, or undefined when its state is already right. */
export function electLeader({ state, live, shuttingDown, uncleanAllowed }: ElectionInput): Election | undefined {
  const serving = (id: number): boolean => live.has(id) && !shuttingDown.has(id);
  const inSync = state.replicas.filter((id) => state.isr.includes(id) && serving(id));
  let leader: number;
  let unclean = false;
  if (state.leader !== NO_LEADER && serving(state.leader)) leader = state.leader;
  else if (inSync.length > 0) leader = inSync[0]!;
  // A broker shutting down with no in-sync replica to hand over to keeps leading until it is gone.
  else if (state.leader !== NO_LEADER && live.has(state.leader)) leader = state.leader;
  else {
    const outOfSync = uncleanAllowed ? state.replicas.find(serving) : undefined;
    leader = outOfSync ?? NO_LEADER;
    unclean = outOfSync !== undefined;
  }
  const isr = unclean ? [leader] : leader === NO_LEADER ? [...state.isr] : state.isr.filter((id) => id === leader || serving(id));
  if (leader === state.leader && sameMembers(isr, state.isr)) return undefined;
  const leaderEpoch = leader === state.leader ? state.leaderEpoch : state.leaderEpoch + 1;
  return { change: { leader, leaderEpoch, replicas: state.replicas, isr }, unclean };
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}

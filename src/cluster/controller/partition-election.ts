/**
 * The controller's rule for one partition's leader and ISR given which brokers are live, Kafka's rules:
 * a leader that is gone (or shutting down, when another in-sync replica can take over) is replaced by the
 * first live ISR member in replica order with the leader epoch bumped; gone brokers leave the ISR, except
 * the last member, which stays (with the partition offline, leader -1) because it alone may take the lead
 * back cleanly when it returns; without a live ISR member an out-of-sync replica leads only when unclean
 * election is enabled. A broker registered again since the state was written (restarted, or back after
 * losing its session) held its place as another incarnation: as ZooKeeper-era Kafka does with a bounced
 * broker (and KRaft by fencing it), it loses the lead and leaves the ISR where another in-sync replica is
 * live, and where none is it leads again under a new leader epoch, never the old one.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
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
  /** Live brokers registered again since the state was written: what it says of them was their previous incarnation's. */
  readonly restarted?: ReadonlySet<number>;
}

export interface Election {
  readonly change: Omit<PartitionState, 'partitionEpoch'>;
  /** The new leader was not in the ISR: records acknowledged by the old ISR may be lost. */
  readonly unclean: boolean;
}

/** The partition's new leader and ISR, or undefined when its state is already right. */
export function electLeader({ state, live, shuttingDown, uncleanAllowed, restarted = NONE }: ElectionInput): Election | undefined {
  const serving = (id: number): boolean => live.has(id) && !shuttingDown.has(id);
  const continuing = (id: number): boolean => serving(id) && !restarted.has(id);
  const inSync = state.replicas.filter((id) => state.isr.includes(id));
  let leader: number;
  let unclean = false;
  if (state.leader !== NO_LEADER && continuing(state.leader)) leader = state.leader;
  else if (inSync.some(continuing)) leader = inSync.find(continuing)!;
  // Only restarted replicas are in sync: their logs hold what their previous incarnations had, the current leader's first.
  else if (state.leader !== NO_LEADER && restarted.has(state.leader) && serving(state.leader)) leader = state.leader;
  else if (inSync.some(serving)) leader = inSync.find(serving)!;
  // A broker shutting down with no in-sync replica to hand over to keeps leading until it is gone.
  else if (state.leader !== NO_LEADER && live.has(state.leader)) leader = state.leader;
  else {
    const outOfSync = uncleanAllowed ? state.replicas.find(serving) : undefined;
    leader = outOfSync ?? NO_LEADER;
    unclean = outOfSync !== undefined;
  }
  const isr = unclean ? [leader] : leader === NO_LEADER ? [...state.isr] : state.isr.filter((id) => id === leader || continuing(id));
  const leaderEpoch = leader === state.leader && !restarted.has(leader) ? state.leaderEpoch : state.leaderEpoch + 1;
  if (leaderEpoch === state.leaderEpoch && sameMembers(isr, state.isr)) return undefined;
  return { change: changed(state, { leader, leaderEpoch, isr }), unclean };
}

const NONE: ReadonlySet<number> = new Set();

/** ElectLeaders' election types (its `electionType` field). */
export enum ElectionType {
  /** The first replica of the assignment leads, if it is live and in sync. */
  PREFERRED = 0,
  /** A partition without a live leader gets one, out of sync if no in-sync replica is live. */
  UNCLEAN = 1,
}

/**
 * An election an operator asked for (ElectLeaders), by Kafka's rules: the partition's new state, or why
 * there is none (ELECTION_NOT_NEEDED when its leader is already the one asked for, PREFERRED_LEADER_NOT_AVAILABLE
 * when the preferred replica is gone or out of sync, ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is live).
 */
export function electRequested(type: ElectionType, input: Omit<ElectionInput, 'uncleanAllowed'>): Election | ErrorCode {
  const { state, live, shuttingDown } = input;
  if (type === ElectionType.UNCLEAN) {
    if (state.leader !== NO_LEADER && live.has(state.leader)) return ErrorCode.ELECTION_NOT_NEEDED;
    const election = electLeader({ ...input, uncleanAllowed: true });
    return election === undefined || election.change.leader === NO_LEADER ? ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE : election;
  }
  const preferred = state.replicas[0];
  if (preferred === undefined || preferred === state.leader) return ErrorCode.ELECTION_NOT_NEEDED;
  if (!live.has(preferred) || shuttingDown.has(preferred) || !state.isr.includes(preferred)) return ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE;
  return { change: changed(state, { leader: preferred, leaderEpoch: state.leaderEpoch + 1 }), unclean: false };
}

/** The state with a new leader, epoch or ISR; its replicas, and a reassignment in progress, stay. */
function changed(state: PartitionState, change: Partial<Pick<PartitionState, 'leader' | 'leaderEpoch' | 'isr'>>): Election['change'] {
  const { partitionEpoch: _, ...rest } = state;
  return { ...rest, ...change };
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}

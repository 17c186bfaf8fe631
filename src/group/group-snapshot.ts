/**
 * A group's metadata as stored in __consumer_offsets: taken from a live group when it changes, and turned
 * back into a group after a restart, as Kafka's loadGroup does.
 */
import { Group, type GroupHooks } from './group.js';
import { Member } from './member.js';

export interface GroupSnapshot {
  readonly protocolType: string;
  readonly generationId: number;
  readonly protocolName: string | null;
  readonly leaderId: string | null;
  readonly currentStateTimestamp: number;
  readonly members: readonly {
    readonly memberId: string;
    readonly groupInstanceId: string | null;
    readonly clientId: string;
    readonly clientHost: string;
    readonly rebalanceTimeoutMs: number;
    readonly sessionTimeoutMs: number;
    readonly subscription: Buffer;
    readonly assignment: Buffer;
  }[];
}

const EMPTY = Buffer.alloc(0);

/** The group's metadata with these assignments (members not in them keep their current one). */
export function snapshotGroup(group: Group, assignments: ReadonlyMap<string, Buffer>): GroupSnapshot {
  const protocolName = group.protocolName;
  return {
    protocolType: group.protocolType ?? '',
    generationId: group.generationId,
    protocolName,
    leaderId: group.leaderId,
    currentStateTimestamp: group.stateTimestamp,
    members: [...group.members()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeoutMs,
      subscription: protocolName === null ? EMPTY : m.metadataFor(protocolName),
      assignment: assignments.get(m.memberId) ?? m.assignment,
    })),
  };
}

/**
 * The group as it was stored: Stable with its members (who keep heartbeating; those that do not are expired
 * after a session timeout) or Empty.
 */
export function restoreGroup(groupId: string, snapshot: GroupSnapshot, hooks: GroupHooks): Group {
  return new Group(groupId, hooks, {
    generationId: snapshot.generationId,
    protocolType: snapshot.protocolType === '' ? null : snapshot.protocolType,
    protocolName: snapshot.protocolName,
    leaderId: snapshot.leaderId,
    stateTimestamp: snapshot.currentStateTimestamp >= 0 ? snapshot.currentStateTimestamp : hooks.scheduler.now(),
    members: snapshot.members.map((stored) => {
      const member = new Member({
        ...stored,
        protocolType: snapshot.protocolType,
        protocols: [{ name: snapshot.protocolName ?? '', metadata: stored.subscription }],
      });
      member.assignment = stored.assignment;
      return member;
    }),
  });
}

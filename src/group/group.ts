/**
 * One classic consumer group's state machine, after Kafka's GroupCoordinator/GroupMetadata:
 * Empty → PreparingRebalance → CompletingRebalance → Stable (and Dead once deleted).
 *
 * PreparingRebalance holds every JoinGroup until all known members have rejoined (or the rebalance timeout,
 * the largest of the members', removes those that did not); an empty group first waits
 * `group.initial.rebalance.delay.ms`, extended while new members keep arriving. Completing the join bumps the
 * generation, picks the protocol every member supports by the members' preference votes
 * (protocol-selection.ts), and answers the leader with all members' metadata. CompletingRebalance holds SyncGroups until the leader's assignment is
 * stored, then the group is Stable. Members whose session lapses are removed, which starts a rebalance.
 * Static members (static-members.ts) keep their place across restarts; a stored group resumes through
 * group-snapshot.ts.
 *
 * Invariants: every JoinGroup/SyncGroup promise handed out is settled exactly once (a held request that can
 * no longer succeed gets an error), because a connection answers strictly in order and an unsettled promise
 * would stall everything behind it; assignments are only handed out for the generation they were made for.
 * All methods run on the event loop; nothing here does I/O except through `GroupHooks.storeGroup`.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/error-codes.js';
import { type GroupProtocol, Member } from './member.js';
import { selectProtocol, supportsProtocols } from './protocol-selection.js';
import { type JoinGroupResult, type SyncGroupResult, joinError, syncError } from './results.js';
import type { Cancel, Scheduler } from './scheduler.js';
import { StaticMembers } from './static-members.js';

export enum GroupState {
  Empty = 'Empty',
  PreparingRebalance = 'PreparingRebalance',
  CompletingRebalance = 'CompletingRebalance',
  Stable = 'Stable',
  Dead = 'Dead',
}

/** Kafka's GroupCoordinator.NewMemberJoinTimeoutMs: a member new to the group that stops waiting is dropped after this. */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60_000;

export interface GroupHooks {
  readonly scheduler: Scheduler;
  readonly initialRebalanceDelayMs: number;
  /** Persists the group's metadata with these assignments (the leader's SyncGroup, a generation with no members). */
  storeGroup(group: Group, assignments: ReadonlyMap<string, Buffer>): Promise<ErrorCode>;
}

export interface JoinGroupParams {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly GroupProtocol[];
  /** JoinGroup v4+ (KIP-394): a member without an id first gets one with MEMBER_ID_REQUIRED. */
  readonly requireKnownMemberId: boolean;
}

export interface SyncGroupParams {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly generationId: number;
  /** v5+: must match the group's; null when the client did not send it. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  /** The leader's assignment; followers send none. */
  readonly assignments: ReadonlyMap<string, Buffer>;
}

export interface LeavingMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

/** A member as DescribeGroups and the admin views show it. */
export interface MemberDescription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** The member's metadata for the chosen protocol; empty unless the group is Stable, as Kafka reports it. */
  readonly metadata: Buffer;
  readonly assignment: Buffer;
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: GroupState;
  readonly protocolType: string;
  readonly protocolName: string;
  readonly generationId: number;
  readonly leader: string | null;
  readonly members: readonly MemberDescription[];
}

/** What a group resumes from after a restart (group-snapshot.ts builds it from the stored metadata). */
export interface RestoredGroup {
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leaderId: string | null;
  readonly stateTimestamp: number;
  readonly members: readonly Member[];
}

const EMPTY = Buffer.alloc(0);

export class Group {
  readonly groupId: string;
  #state = GroupState.Empty;
  #generationId = 0;
  /** Set by the first member to join an empty group; consumer groups say "consumer". */
  #protocolType: string | null = null;
  #protocolName: string | null = null;
  #leaderId: string | null = null;
  /** When the group last changed state (ms); offsets of an Empty group expire counting from here. */
  #stateTimestamp: number;
  /** In join order: the first member becomes leader when the leader goes. */
  readonly #members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet used, with their expiry timers. */
  readonly #pendingMembers = new Map<string, Cancel>();
  readonly #staticMembers = new StaticMembers();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly #pendingSyncMembers = new Set<string>();
  #joinTimer: Cancel | null = null;
  #syncTimer: Cancel | null = null;
  /** The first rebalance of an empty group waits out its delay even when everyone has joined. */
  #initialDelay = false;
  /** A member joined during the initial delay, so the delay is extended once more. */
  #newMemberAdded = false;
  readonly #hooks: GroupHooks;

  constructor(groupId: string, hooks: GroupHooks, restored?: RestoredGroup) {
    this.groupId = groupId;
    this.#hooks = hooks;
    this.#stateTimestamp = hooks.scheduler.now();
    if (restored) this.#resume(restored);
  }

  /** Stable with the stored members, whose sessions start now, or Empty. */
  #resume(restored: RestoredGroup): void {
    this.#generationId = restored.generationId;
    this.#protocolType = restored.protocolType;
    this.#protocolName = restored.protocolName;
    this.#leaderId = restored.leaderId;
    this.#stateTimestamp = restored.stateTimestamp;
    for (const member of restored.members) {
      this.#members.set(member.memberId, member);
      if (member.groupInstanceId !== null) this.#staticMembers.assign(member.groupInstanceId, member.memberId);
      this.#scheduleExpiry(member);
    }
    this.#state = this.#members.size > 0 ? GroupState.Stable : GroupState.Empty;
  }

  get state(): GroupState {
    return this.#state;
  }
  get generationId(): number {
    return this.#generationId;
  }
  get protocolType(): string | null {
    return this.#protocolType;
  }
  get protocolName(): string | null {
    return this.#protocolName;
  }
  get leaderId(): string | null {
    return this.#leaderId;
  }
  get stateTimestamp(): number {
    return this.#stateTimestamp;
  }
  get size(): number {
    return this.#members.size;
  }
  get pendingMemberCount(): number {
    return this.#pendingMembers.size;
  }
  has(memberId: string): boolean {
    return this.#members.has(memberId);
  }
  members(): IterableIterator<Member> {
    return this.#members.values();
  }

  // ---- JoinGroup ----

  join(params: JoinGroupParams): Promise<JoinGroupResult> {
    if (this.#state === GroupState.Dead) return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, params.memberId));
    if (!supportsProtocols([...this.#members.values()], this.#protocolType, params.protocolType, params.protocols)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, params.memberId));
    }
    const result = new Promise<JoinGroupResult>((resolve) => {
      if (params.memberId === '') this.#joinNewMember(params, resolve);
      else this.#joinKnownMember(params, resolve);
    });
    if (this.#state === GroupState.PreparingRebalance) this.#tryCompleteJoin();
    return result;
  }

  #joinNewMember(params: JoinGroupParams, resolve: (r: JoinGroupResult) => void): void {
    const memberId = `${params.clientId}-${randomUUID()}`;
    if (params.groupInstanceId !== null) {
      const oldMemberId = this.#staticMembers.holderOf(params.groupInstanceId);
      if (oldMemberId === undefined) this.#addMemberAndRebalance(memberId, params, resolve);
      else this.#replaceStaticMember(oldMemberId, memberId, params, resolve);
    } else if (params.requireKnownMemberId) {
      // KIP-394: the id is reserved for one session timeout; the client rejoins with it.
      this.#pendingMembers.set(
        memberId,
        this.#hooks.scheduler.schedule(params.sessionTimeoutMs, () => this.#expirePendingMember(memberId)),
      );
      resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    } else {
      this.#addMemberAndRebalance(memberId, params, resolve);
    }
  }

  #joinKnownMember(params: JoinGroupParams, resolve: (r: JoinGroupResult) => void): void {
    const { memberId, groupInstanceId } = params;
    const pendingExpiry = this.#pendingMembers.get(memberId);
    if (pendingExpiry !== undefined) {
      if (groupInstanceId !== null) {
        // Pending ids are only handed to dynamic members; a static member claiming one is confused.
        resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
        return;
      }
      pendingExpiry();
      this.#pendingMembers.delete(memberId);
      this.#addMemberAndRebalance(memberId, params, resolve);
      return;
    }
    if (this.#staticMembers.isFenced(groupInstanceId, memberId)) {
      resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, memberId));
      return;
    }
    const member = this.#members.get(memberId);
    if (!member || (groupInstanceId !== null && !this.#staticMembers.has(groupInstanceId))) {
      resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
      return;
    }
    switch (this.#state) {
      case GroupState.PreparingRebalance:
        this.#updateMemberAndRebalance(member, params, resolve);
        break;
      case GroupState.CompletingRebalance:
        // Same metadata: the member probably lost the JoinGroup answer; give it this generation again.
        if (member.matches(params.protocols)) resolve(this.#joinResult(member, false));
        else this.#updateMemberAndRebalance(member, params, resolve);
        break;
      case GroupState.Stable:
        // The leader rejoining forces a rebalance: it is how it reacts to topic metadata changes.
        if (memberId === this.#leaderId || !member.matches(params.protocols)) this.#updateMemberAndRebalance(member, params, resolve);
        else {
          resolve(this.#joinResult(member, false));
          this.#scheduleExpiry(member);
        }
        break;
      default:
        resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    }
  }

  #addMemberAndRebalance(memberId: string, params: JoinGroupParams, resolve: (r: JoinGroupResult) => void): void {
    const member = new Member({ ...params, memberId });
    if (this.#state === GroupState.PreparingRebalance && this.#generationId === 0) {
      member.isNew = true;
      this.#newMemberAdded = true;
    }
    if (this.#members.size === 0) this.#protocolType = params.protocolType;
    if (params.groupInstanceId !== null) this.#staticMembers.assign(params.groupInstanceId, memberId);
    this.#leaderId ??= memberId;
    this.#members.set(memberId, member);
    this.#awaitJoin(member, resolve);
    this.#maybePrepareRebalance();
  }

  #updateMemberAndRebalance(member: Member, params: JoinGroupParams, resolve: (r: JoinGroupResult) => void): void {
    member.protocols = params.protocols;
    member.rebalanceTimeoutMs = params.rebalanceTimeoutMs;
    member.sessionTimeoutMs = params.sessionTimeoutMs;
    member.clientId = params.clientId;
    member.clientHost = params.clientHost;
    this.#awaitJoin(member, resolve);
    this.#maybePrepareRebalance();
  }

  /** KIP-345: a static member restarted with a new member id takes over the old one's place and assignment. */
  #replaceStaticMember(oldMemberId: string, newMemberId: string, params: JoinGroupParams, resolve: (r: JoinGroupResult) => void): void {
    const member = this.#members.get(oldMemberId)!;
    member.awaitingJoin?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
    member.awaitingJoin = null;
    member.awaitingSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    member.awaitingSync = null;
    member.stopExpiry();
    this.#renameMember(member, newMemberId);
    const protocolsBefore = member.protocols;
    member.protocols = params.protocols;
    member.rebalanceTimeoutMs = params.rebalanceTimeoutMs;
    member.sessionTimeoutMs = params.sessionTimeoutMs;
    member.clientId = params.clientId;
    member.clientHost = params.clientHost;
    switch (this.#state) {
      case GroupState.Stable: {
        if (selectProtocol([...this.#members.values()]) !== this.#protocolName) {
          this.#awaitJoin(member, resolve);
          this.#maybePrepareRebalance();
          return;
        }
        // Same protocol: no rebalance. Persist the new member id, then answer with the current generation.
        const generation = this.#generationId;
        const assignments = new Map([...this.#members.values()].map((m) => [m.memberId, m.assignment]));
        void this.#hooks.storeGroup(this, assignments).then((error) => {
          if (error !== ErrorCode.NONE) {
            this.#renameMember(member, oldMemberId);
            member.protocols = protocolsBefore;
            resolve(joinError(error, newMemberId));
          } else if (this.#generationId !== generation || !this.#members.has(newMemberId)) {
            resolve(joinError(ErrorCode.REBALANCE_IN_PROGRESS, newMemberId));
          } else {
            resolve(this.#joinResult(member, newMemberId === this.#leaderId));
            this.#scheduleExpiry(member);
          }
        });
        return;
      }
      case GroupState.CompletingRebalance:
        resolve(this.#joinResult(member, false));
        this.#scheduleExpiry(member);
        return;
      default:
        this.#awaitJoin(member, resolve);
        this.#maybePrepareRebalance();
    }
  }

  #renameMember(member: Member, memberId: string): void {
    const oldMemberId = member.memberId;
    // Keep the join order: rebuild the map with the new key in the old one's place.
    const entries = [...this.#members.entries()].map(([id, m]): [string, Member] => (id === oldMemberId ? [memberId, m] : [id, m]));
    this.#members.clear();
    for (const [id, m] of entries) this.#members.set(id, m);
    member.memberId = memberId;
    if (member.groupInstanceId !== null) this.#staticMembers.assign(member.groupInstanceId, memberId);
    if (this.#leaderId === oldMemberId) this.#leaderId = memberId;
    if (this.#pendingSyncMembers.delete(oldMemberId)) this.#pendingSyncMembers.add(memberId);
  }

  #awaitJoin(member: Member, resolve: (r: JoinGroupResult) => void): void {
    // A client that gave up on its previous JoinGroup and sent another still gets an answer to the first.
    member.awaitingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    member.awaitingJoin = resolve;
    member.stopExpiry();
    // Waiting for the join satisfies the session, except for members new to the group (Kafka's isNew rule).
    if (member.isNew) member.expiry = this.#hooks.scheduler.schedule(NEW_MEMBER_JOIN_TIMEOUT_MS, () => this.#expireMember(member));
  }

  #joinResult(member: Member, skipAssignment: boolean): JoinGroupResult {
    const isLeader = member.memberId === this.#leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.#generationId,
      protocolType: this.#protocolType,
      protocolName: this.#protocolName,
      leader: this.#leaderId ?? '',
      skipAssignment,
      memberId: member.memberId,
      members: isLeader
        ? [...this.#members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: m.metadataFor(this.#protocolName!),
          }))
        : [],
    };
  }

  // ---- rebalance ----

  #maybePrepareRebalance(): void {
    if (this.#state === GroupState.Stable || this.#state === GroupState.CompletingRebalance || this.#state === GroupState.Empty) {
      this.#prepareRebalance();
    } else if (this.#state === GroupState.PreparingRebalance) {
      this.#tryCompleteJoin();
    }
  }

  #prepareRebalance(): void {
    if (this.#state === GroupState.CompletingRebalance) this.#resetAndPropagateAssignmentError(ErrorCode.REBALANCE_IN_PROGRESS);
    this.#stopSyncTimer();
    const wasEmpty = this.#state === GroupState.Empty;
    this.#transition(GroupState.PreparingRebalance);
    const delay = this.#hooks.initialRebalanceDelayMs;
    if (wasEmpty && delay > 0) {
      this.#newMemberAdded = false;
      this.#initialDelay = true;
      this.#scheduleInitialDelayedJoin(delay, Math.max(this.#rebalanceTimeoutMs() - delay, 0));
    } else {
      this.#joinTimer = this.#hooks.scheduler.schedule(this.#rebalanceTimeoutMs(), () => this.#onJoinTimeout());
      this.#tryCompleteJoin();
    }
  }

  /** Kafka's InitialDelayedJoin: wait `delay`; while new members keep coming, wait again, within the rebalance timeout. */
  #scheduleInitialDelayedJoin(delay: number, remaining: number): void {
    this.#joinTimer = this.#hooks.scheduler.schedule(delay, () => {
      this.#joinTimer = null;
      if (this.#newMemberAdded && remaining > 0) {
        this.#newMemberAdded = false;
        const next = Math.min(delay, remaining);
        this.#scheduleInitialDelayedJoin(next, Math.max(remaining - delay, 0));
      } else {
        this.#completeJoin();
      }
    });
  }

  #rebalanceTimeoutMs(): number {
    let timeout = 0;
    for (const m of this.#members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs);
    return timeout;
  }

  /** Completes the join phase early once every member has rejoined and no handed-out id is still unused. */
  #tryCompleteJoin(): void {
    if (this.#state !== GroupState.PreparingRebalance || this.#joinTimer === null) return;
    if (this.#initialDelay) return;
    if (this.#pendingMembers.size > 0) return;
    for (const m of this.#members.values()) if (!m.awaitingJoin) return;
    this.#completeJoin();
  }

  #onJoinTimeout(): void {
    this.#joinTimer = null;
    this.#completeJoin();
  }

  #completeJoin(): void {
    this.#stopJoinTimer();
    this.#initialDelay = false;
    // Dynamic members that did not rejoin in time are gone; static ones stay until their session lapses.
    for (const m of [...this.#members.values()]) {
      if (!m.awaitingJoin && m.groupInstanceId === null) this.#removeMember(m);
    }
    if (this.#state === GroupState.Dead) return;
    if (!this.#electJoinedLeader() && this.#members.size > 0) {
      // Only static members that have not rejoined are left: wait for them (or their session timeouts).
      this.#joinTimer = this.#hooks.scheduler.schedule(this.#rebalanceTimeoutMs(), () => this.#onJoinTimeout());
      return;
    }
    this.#generationId += 1;
    if (this.#members.size === 0) {
      this.#protocolName = null;
      this.#transition(GroupState.Empty);
      void this.#hooks.storeGroup(this, new Map());
      return;
    }
    this.#protocolName = selectProtocol([...this.#members.values()]);
    this.#transition(GroupState.CompletingRebalance);
    for (const m of this.#members.values()) {
      const resolve = m.awaitingJoin;
      m.awaitingJoin = null;
      m.isNew = false;
      resolve?.(this.#joinResult(m, false));
      this.#scheduleExpiry(m);
      this.#pendingSyncMembers.add(m.memberId);
    }
    // Members that never send SyncGroup for this generation are removed after the rebalance timeout.
    this.#syncTimer = this.#hooks.scheduler.schedule(this.#rebalanceTimeoutMs(), () => this.#onSyncTimeout());
  }

  /** Keeps the leader if it rejoined, else makes the first member that rejoined the leader. */
  #electJoinedLeader(): boolean {
    const leader = this.#leaderId === null ? undefined : this.#members.get(this.#leaderId);
    if (leader?.awaitingJoin) return true;
    for (const m of this.#members.values()) {
      if (m.awaitingJoin) {
        this.#leaderId = m.memberId;
        return true;
      }
    }
    this.#leaderId = null;
    return false;
  }

  #onSyncTimeout(): void {
    this.#syncTimer = null;
    if (this.#state !== GroupState.CompletingRebalance && this.#state !== GroupState.Stable) return;
    const laggards = [...this.#pendingSyncMembers].map((id) => this.#members.get(id)).filter((m) => m !== undefined);
    this.#pendingSyncMembers.clear();
    for (const m of laggards) this.#removeMember(m);
    if (laggards.length > 0) this.#afterMemberRemoved();
  }

  #resetAndPropagateAssignmentError(errorCode: ErrorCode): void {
    for (const m of this.#members.values()) {
      m.assignment = EMPTY;
      const resolve = m.awaitingSync;
      m.awaitingSync = null;
      resolve?.(syncError(errorCode));
    }
  }

  // ---- SyncGroup ----

  sync(params: SyncGroupParams): Promise<SyncGroupResult> {
    const { memberId, generationId } = params;
    if (this.#state === GroupState.Dead) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (this.#staticMembers.isFenced(params.groupInstanceId, memberId)) return Promise.resolve(syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member = this.#members.get(memberId);
    if (!member) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (generationId !== this.#generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if (
      (params.protocolType !== null && params.protocolType !== this.#protocolType) ||
      (params.protocolName !== null && params.protocolName !== this.#protocolName)
    ) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    switch (this.#state) {
      case GroupState.Empty:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case GroupState.PreparingRebalance:
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case GroupState.Stable:
        this.#pendingSyncMembers.delete(memberId);
        this.#scheduleExpiry(member);
        return Promise.resolve(this.#syncResult(member));
      default:
        break;
    }
    const result = new Promise<SyncGroupResult>((resolve) => {
      member.awaitingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      member.awaitingSync = resolve;
    });
    this.#pendingSyncMembers.delete(memberId);
    if (memberId === this.#leaderId) this.#storeAssignment(params.assignments);
    return result;
  }

  #storeAssignment(given: ReadonlyMap<string, Buffer>): void {
    const generation = this.#generationId;
    const assignments = new Map<string, Buffer>();
    for (const id of this.#members.keys()) assignments.set(id, given.get(id) ?? EMPTY);
    void this.#hooks.storeGroup(this, assignments).then((error) => {
      // A member may have joined (or left) while the record was being written: that generation is over.
      if (this.#state !== GroupState.CompletingRebalance || this.#generationId !== generation) return;
      if (error !== ErrorCode.NONE) {
        this.#resetAndPropagateAssignmentError(error);
        this.#maybePrepareRebalance();
        return;
      }
      for (const m of this.#members.values()) m.assignment = assignments.get(m.memberId) ?? EMPTY;
      this.#transition(GroupState.Stable);
      for (const m of this.#members.values()) {
        const resolve = m.awaitingSync;
        m.awaitingSync = null;
        if (resolve) {
          resolve(this.#syncResult(m));
          this.#scheduleExpiry(m);
        }
      }
    });
  }

  #syncResult(member: Member): SyncGroupResult {
    return { errorCode: ErrorCode.NONE, protocolType: this.#protocolType, protocolName: this.#protocolName, assignment: member.assignment };
  }

  // ---- Heartbeat, LeaveGroup, sessions ----

  heartbeat(memberId: string, groupInstanceId: string | null, generationId: number): ErrorCode {
    if (this.#state === GroupState.Dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.#staticMembers.isFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = this.#members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.#generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (this.#state) {
      case GroupState.Empty:
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case GroupState.PreparingRebalance:
        this.#scheduleExpiry(member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        // CompletingRebalance answers NONE too: followers wait for the leader's SyncGroup without rejoining.
        this.#scheduleExpiry(member);
        return ErrorCode.NONE;
    }
  }

  /** LeaveGroup for each member (by id, or by group.instance.id alone from admin tools); one error code each. */
  leave(leaving: readonly LeavingMember[]): ErrorCode[] {
    if (this.#state === GroupState.Dead) return leaving.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
    let removed = false;
    const errors = leaving.map(({ memberId, groupInstanceId }) => {
      if (memberId === '') {
        const current = groupInstanceId === null ? undefined : this.#staticMembers.holderOf(groupInstanceId);
        if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
        this.#removeMember(this.#members.get(current)!);
        removed = true;
        return ErrorCode.NONE;
      }
      const pendingExpiry = this.#pendingMembers.get(memberId);
      if (pendingExpiry !== undefined) {
        pendingExpiry();
        this.#pendingMembers.delete(memberId);
        removed = true;
        return ErrorCode.NONE;
      }
      if (this.#staticMembers.isFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
      const member = this.#members.get(memberId);
      if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.#removeMember(member);
      removed = true;
      return ErrorCode.NONE;
    });
    if (removed) this.#afterMemberRemoved();
    return errors;
  }

  /** Validates a member for OffsetCommit: Kafka's validateOffsetCommit. */
  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationId: number): ErrorCode {
    if (this.#state === GroupState.Dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      if (this.#staticMembers.isFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
      const member = this.#members.get(memberId);
      if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (generationId !== this.#generationId) return ErrorCode.ILLEGAL_GENERATION;
      if (this.#state === GroupState.CompletingRebalance) return ErrorCode.REBALANCE_IN_PROGRESS;
      // A commit is a sign of life (and is allowed during PreparingRebalance: members commit before rejoining).
      this.#scheduleExpiry(member);
      return ErrorCode.NONE;
    }
    // generation -1 and no member: an admin tool or a consumer that assigns partitions itself.
    return this.#state === GroupState.Empty ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  #scheduleExpiry(member: Member): void {
    member.stopExpiry();
    member.expiry = this.#hooks.scheduler.schedule(member.sessionTimeoutMs, () => this.#expireMember(member));
  }

  #expireMember(member: Member): void {
    member.expiry = null;
    if (this.#members.get(member.memberId) !== member) return;
    if (!member.isNew && (member.awaitingJoin || member.awaitingSync)) return;
    this.#removeMember(member);
    this.#afterMemberRemoved();
  }

  #expirePendingMember(memberId: string): void {
    if (!this.#pendingMembers.delete(memberId)) return;
    if (this.#state === GroupState.PreparingRebalance) this.#tryCompleteJoin();
  }

  #removeMember(member: Member): void {
    member.stopExpiry();
    this.#members.delete(member.memberId);
    this.#pendingSyncMembers.delete(member.memberId);
    if (member.groupInstanceId !== null) this.#staticMembers.release(member.groupInstanceId, member.memberId);
    if (this.#leaderId === member.memberId) this.#leaderId = this.#members.keys().next().value ?? null;
    const join = member.awaitingJoin;
    member.awaitingJoin = null;
    join?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    const sync = member.awaitingSync;
    member.awaitingSync = null;
    sync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  }

  #afterMemberRemoved(): void {
    if (this.#state === GroupState.Stable || this.#state === GroupState.CompletingRebalance) this.#prepareRebalance();
    else if (this.#state === GroupState.PreparingRebalance) this.#tryCompleteJoin();
  }

  // ---- lifecycle, views ----

  /** DeleteGroups: only an Empty group may go. Settles nothing because an Empty group holds no requests. */
  markDead(): void {
    this.#stopJoinTimer();
    this.#stopSyncTimer();
    for (const cancel of this.#pendingMembers.values()) cancel();
    this.#pendingMembers.clear();
    this.#transition(GroupState.Dead);
  }

  /**
   * Ends every held request, answered with `error`, and every timer: the coordinator is shutting down
   * (COORDINATOR_NOT_AVAILABLE) or no longer coordinates the group (NOT_COORDINATOR, Kafka's onGroupUnloaded).
   */
  shutdown(error: ErrorCode): void {
    for (const m of [...this.#members.values()]) {
      m.stopExpiry();
      const join = m.awaitingJoin;
      m.awaitingJoin = null;
      join?.(joinError(error, m.memberId));
      const sync = m.awaitingSync;
      m.awaitingSync = null;
      sync?.(syncError(error));
    }
    this.markDead();
  }

  describe(): GroupDescription {
    const stable = this.#state === GroupState.Stable;
    return {
      groupId: this.groupId,
      state: this.#state,
      protocolType: this.#protocolType ?? '',
      protocolName: stable ? (this.#protocolName ?? '') : '',
      generationId: this.#generationId,
      leader: this.#leaderId,
      members: [...this.#members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadataFor(this.#protocolName!) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  #transition(state: GroupState): void {
    this.#state = state;
    this.#stateTimestamp = this.#hooks.scheduler.now();
  }

  #stopJoinTimer(): void {
    this.#joinTimer?.();
    this.#joinTimer = null;
  }

  #stopSyncTimer(): void {
    this.#syncTimer?.();
    this.#syncTimer = null;
  }
}

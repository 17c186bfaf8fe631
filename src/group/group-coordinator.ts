/**
 * The group coordinator: owns every classic group on this broker and their committed offsets. Handlers (and
 * the embedded consumer, in process) call it; it validates what Kafka validates before a group sees a
 * request (group ids, session timeout bounds, group size), persists group metadata and offsets through the
 * OffsetStore, expires offsets of Empty groups after `offsets.retention.minutes`, and offers the admin views
 * (list, describe, lag) the CLI and metrics use.
 */
import type { BrokerConfig } from '../config/broker-config.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { type GroupDescription, type GroupHooks, type JoinGroupParams, type LeavingMember, type SyncGroupParams, Group, GroupState } from './group.js';
import { restoreGroup, snapshotGroup } from './group-snapshot.js';
import type { OffsetAndMetadata } from './offset-records.js';
import { type CoordinatorLog, OffsetStore, coordinatorErrorFor } from './offset-store.js';
import { type JoinGroupResult, type SyncGroupResult, joinError, syncError } from './results.js';
import { type Cancel, type Scheduler, systemScheduler } from './scheduler.js';

/** Kafka's `offset.metadata.max.bytes` default: longer commit metadata strings get OFFSET_METADATA_TOO_LARGE. */
export const OFFSET_METADATA_MAX_BYTES = 4096;

/** The protocol type of groups formed by Kafka consumers (their subscriptions and assignments are Kafka's). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface GroupCoordinatorConfig {
  readonly initialRebalanceDelayMs: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly maxGroupSize: number;
  readonly offsetsRetentionMs: number;
  readonly offsetsRetentionCheckIntervalMs: number;
}

export function groupCoordinatorConfig(config: BrokerConfig): GroupCoordinatorConfig {
  return {
    initialRebalanceDelayMs: config.int('group.initial.rebalance.delay.ms'),
    minSessionTimeoutMs: config.int('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: config.int('group.max.session.timeout.ms'),
    maxGroupSize: config.int('group.max.size'),
    offsetsRetentionMs: config.int('offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: config.int('offsets.retention.check.interval.ms'),
  };
}

/** What the coordinator needs to know about topics: whether a partition exists and where its log ends. */
export interface TopicView {
  partitionExists(topic: string, partition: number): boolean;
  /** The high watermark (what a consumer can reach), or undefined for an unknown partition. */
  logEndOffset(topic: string, partition: number): bigint | undefined;
}

export interface OffsetCommitEntry {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
}

export interface OffsetCommitParams {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly generationId: number;
  readonly offsets: readonly OffsetCommitEntry[];
}

export interface FetchedOffset {
  readonly topic: string;
  readonly partition: number;
  /** -1 when nothing is committed, as Kafka answers. */
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly errorCode: ErrorCode;
}

export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: GroupState;
}

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly committedOffset: bigint;
  readonly logEndOffset: bigint | undefined;
  /** log end − committed; undefined when the partition is unknown. */
  readonly lag: bigint | undefined;
}

export class GroupCoordinator {
  readonly #config: GroupCoordinatorConfig;
  readonly #scheduler: Scheduler;
  readonly #store: OffsetStore;
  readonly #topics: TopicView;
  readonly #groups = new Map<string, Group>();
  readonly #hooks: GroupHooks;
  #loaded = false;
  #retentionTimer: Cancel | null = null;

  constructor(options: { config: GroupCoordinatorConfig; log: CoordinatorLog; topics: TopicView; scheduler?: Scheduler }) {
    this.#config = options.config;
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#store = new OffsetStore(options.log);
    this.#topics = options.topics;
    this.#hooks = {
      scheduler: this.#scheduler,
      initialRebalanceDelayMs: this.#config.initialRebalanceDelayMs,
      storeGroup: async (group, assignments) => {
        try {
          await this.#store.storeGroup(group.groupId, snapshotGroup(group, assignments));
          return ErrorCode.NONE;
        } catch (error) {
          return coordinatorErrorFor(error);
        }
      },
    };
  }

  /** Replays `__consumer_offsets`; until this resolves, group requests get COORDINATOR_LOAD_IN_PROGRESS. */
  async start(): Promise<void> {
    const loaded = await this.#store.load();
    for (const [groupId, snapshot] of loaded.groupMetadata) this.#groups.set(groupId, restoreGroup(groupId, snapshot, this.#hooks));
    for (const groupId of loaded.groupsWithOffsets) if (!this.#groups.has(groupId)) this.#groups.set(groupId, new Group(groupId, this.#hooks));
    this.#loaded = true;
    this.#scheduleRetention();
  }

  /** Answers every held JoinGroup/SyncGroup and stops all timers. */
  shutdown(): void {
    this.#retentionTimer?.();
    this.#retentionTimer = null;
    for (const group of this.#groups.values()) group.shutdown();
    this.#groups.clear();
    this.#loaded = false;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  /** FindCoordinator: whether this broker coordinates the key (always, on a single node, once loaded). */
  coordinatorError(): ErrorCode {
    return this.#loaded ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  // ---- membership ----

  joinGroup(groupId: string, params: JoinGroupParams): Promise<JoinGroupResult> {
    const error = this.#validateGroup(groupId);
    if (error !== ErrorCode.NONE) return Promise.resolve(joinError(error, params.memberId));
    if (params.sessionTimeoutMs < this.#config.minSessionTimeoutMs || params.sessionTimeoutMs > this.#config.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, params.memberId));
    }
    let group = this.#groups.get(groupId);
    if (!group) {
      // A member id means the client thinks it is in a group this broker does not know (e.g. deleted).
      if (params.memberId !== '') return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, params.memberId));
      group = new Group(groupId, this.#hooks);
      this.#groups.set(groupId, group);
    }
    if (params.memberId === '' && group.size + group.pendingMemberCount >= this.#config.maxGroupSize) {
      return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, params.memberId));
    }
    return group.join(params);
  }

  syncGroup(groupId: string, params: SyncGroupParams): Promise<SyncGroupResult> {
    const error = this.#validateGroup(groupId);
    if (error !== ErrorCode.NONE) return Promise.resolve(syncError(error));
    const group = this.#groups.get(groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    return group.sync(params);
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): ErrorCode {
    const error = this.#validateGroup(groupId);
    if (error !== ErrorCode.NONE) return error;
    const group = this.#groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    return group.heartbeat(memberId, groupInstanceId, generationId);
  }

  /** LeaveGroup: a group-level error (Kafka answers NONE for an unknown group) and one error per member. */
  leaveGroup(groupId: string, members: readonly LeavingMember[]): { errorCode: ErrorCode; memberErrors: ErrorCode[] } {
    const error = this.#validateGroup(groupId);
    if (error !== ErrorCode.NONE) return { errorCode: error, memberErrors: members.map(() => error) };
    const group = this.#groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, memberErrors: members.map(() => ErrorCode.UNKNOWN_MEMBER_ID) };
    if (group.state === GroupState.Dead)
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, memberErrors: members.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE) };
    return { errorCode: ErrorCode.NONE, memberErrors: group.leave(members) };
  }

  // ---- offsets ----

  /** OffsetCommit: one error code per entry, in the request's order. */
  async commitOffsets(groupId: string, params: OffsetCommitParams): Promise<ErrorCode[]> {
    const all = (code: ErrorCode) => params.offsets.map(() => code);
    if (!this.#loaded) return all(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    if (groupId === '') return all(ErrorCode.INVALID_GROUP_ID);
    let group = this.#groups.get(groupId);
    if (!group) {
      // Only a client that manages its own partitions (generation -1) may create a group by committing.
      if (params.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = new Group(groupId, this.#hooks);
      this.#groups.set(groupId, group);
    }
    const memberError = group.validateOffsetCommit(params.memberId, params.groupInstanceId, params.generationId);
    if (memberError !== ErrorCode.NONE) return all(memberError);
    const commitTimestamp = BigInt(this.#scheduler.now());
    const errors = params.offsets.map((entry) => {
      if (entry.metadata !== null && Buffer.byteLength(entry.metadata, 'utf8') > OFFSET_METADATA_MAX_BYTES) return ErrorCode.OFFSET_METADATA_TOO_LARGE;
      if (!this.#topics.partitionExists(entry.topic, entry.partition)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      return ErrorCode.NONE;
    });
    const accepted = params.offsets.flatMap((entry, i) =>
      errors[i] === ErrorCode.NONE
        ? [
            {
              topic: entry.topic,
              partition: entry.partition,
              value: { offset: entry.offset, leaderEpoch: entry.leaderEpoch, metadata: entry.metadata ?? '', commitTimestamp, expireTimestamp: -1n },
            },
          ]
        : [],
    );
    try {
      await this.#store.commit(groupId, accepted);
    } catch (error) {
      const code = coordinatorErrorFor(error);
      return errors.map((e) => (e === ErrorCode.NONE ? code : e));
    }
    return errors;
  }

  /** OffsetFetch for the listed partitions, or every committed one when `topics` is null. */
  fetchOffsets(
    groupId: string,
    topics: readonly { readonly topic: string; readonly partitions: readonly number[] }[] | null,
  ): { errorCode: ErrorCode; offsets: FetchedOffset[] } {
    if (!this.#loaded) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, offsets: [] };
    const found = (topic: string, partition: number, value: OffsetAndMetadata | undefined): FetchedOffset => ({
      topic,
      partition,
      offset: value?.offset ?? -1n,
      leaderEpoch: value?.leaderEpoch ?? -1,
      metadata: value?.metadata ?? '',
      errorCode: ErrorCode.NONE,
    });
    if (topics === null) {
      return { errorCode: ErrorCode.NONE, offsets: [...this.#store.offsetsOf(groupId)].map((o) => found(o.topic, o.partition, o.value)) };
    }
    const offsets = topics.flatMap(({ topic, partitions }) => partitions.map((p) => found(topic, p, this.#store.get(groupId, topic, p))));
    return { errorCode: ErrorCode.NONE, offsets };
  }

  /** OffsetDelete: refused for partitions the live consumer group subscribes to. */
  async deleteOffsets(
    groupId: string,
    partitions: readonly { readonly topic: string; readonly partition: number }[],
    subscribedTopics: (protocolType: string, metadata: Buffer) => readonly string[],
  ): Promise<{ errorCode: ErrorCode; partitionErrors: ErrorCode[] }> {
    const error = this.#validateGroup(groupId);
    if (error !== ErrorCode.NONE) return { errorCode: error, partitionErrors: [] };
    const group = this.#groups.get(groupId);
    if (!group || group.state === GroupState.Dead) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitionErrors: [] };
    let subscribed = new Set<string>();
    if (group.state !== GroupState.Empty) {
      if (group.protocolType !== CONSUMER_PROTOCOL_TYPE) return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitionErrors: [] };
      subscribed = new Set([...group.members()].flatMap((m) => m.protocols.flatMap((p) => subscribedTopics(m.protocolType, p.metadata))));
    }
    const partitionErrors = partitions.map((p) => (subscribed.has(p.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE));
    try {
      await this.#store.deleteOffsets(
        groupId,
        partitions.filter((_, i) => partitionErrors[i] === ErrorCode.NONE),
      );
    } catch (e) {
      return { errorCode: coordinatorErrorFor(e), partitionErrors: [] };
    }
    return { errorCode: ErrorCode.NONE, partitionErrors };
  }

  // ---- admin ----

  /** DeleteGroups: one error per group; only Empty groups go (their offsets with them). */
  async deleteGroups(groupIds: readonly string[]): Promise<ErrorCode[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        const error = this.#validateGroup(groupId);
        if (error !== ErrorCode.NONE) return error;
        const group = this.#groups.get(groupId);
        if (!group || group.state === GroupState.Dead) return ErrorCode.GROUP_ID_NOT_FOUND;
        if (group.state !== GroupState.Empty) return ErrorCode.NON_EMPTY_GROUP;
        group.markDead();
        this.#groups.delete(groupId);
        try {
          await this.#store.deleteGroup(groupId);
          return ErrorCode.NONE;
        } catch (e) {
          return coordinatorErrorFor(e);
        }
      }),
    );
  }

  listGroups(states: readonly string[] = []): GroupListing[] {
    if (!this.#loaded) return [];
    const wanted = new Set(states.map((s) => s.toLowerCase()));
    return [...this.#groups.values()]
      .filter((g) => wanted.size === 0 || wanted.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
  }

  /** DescribeGroups: an unknown group is described as Dead with no members, as Kafka does. */
  describeGroup(groupId: string): { errorCode: ErrorCode; description: GroupDescription } {
    const dead: GroupDescription = { groupId, state: GroupState.Dead, protocolType: '', protocolName: '', generationId: -1, leader: null, members: [] };
    const error = this.#validateGroup(groupId);
    if (error !== ErrorCode.NONE) return { errorCode: error, description: dead };
    const group = this.#groups.get(groupId);
    return { errorCode: ErrorCode.NONE, description: group ? group.describe() : dead };
  }

  /** Committed offset, log end and lag of every partition the group has committed. */
  lag(groupId: string): PartitionLag[] {
    return [...this.#store.offsetsOf(groupId)].map(({ topic, partition, value }) => {
      const logEndOffset = this.#topics.logEndOffset(topic, partition);
      return {
        topic,
        partition,
        committedOffset: value.offset,
        logEndOffset,
        lag: logEndOffset === undefined ? undefined : logEndOffset > value.offset ? logEndOffset - value.offset : 0n,
      };
    });
  }

  // ---- internals ----

  #validateGroup(groupId: string): ErrorCode {
    if (!this.#loaded) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    return ErrorCode.NONE;
  }

  #scheduleRetention(): void {
    this.#retentionTimer = this.#scheduler.schedule(this.#config.offsetsRetentionCheckIntervalMs, () => {
      void this.expireOffsets().finally(() => {
        if (this.#loaded) this.#scheduleRetention();
      });
    });
  }

  /**
   * Kafka's cleanupGroupMetadata: offsets of an Empty consumer group expire `offsets.retention.minutes` after
   * the group became Empty; offsets committed without group management expire that long after their commit.
   * A group left Empty with no offsets is removed (Dead, tombstoned).
   */
  async expireOffsets(): Promise<void> {
    const now = BigInt(this.#scheduler.now());
    const retention = BigInt(this.#config.offsetsRetentionMs);
    for (const group of [...this.#groups.values()]) {
      if (group.state !== GroupState.Empty) continue;
      const expired = [...this.#store.offsetsOf(group.groupId)].filter(({ value }) => {
        if (value.expireTimestamp >= 0n) return now >= value.expireTimestamp;
        const base = group.protocolType === null ? value.commitTimestamp : BigInt(group.stateTimestamp);
        return now - base >= retention;
      });
      try {
        await this.#store.deleteOffsets(group.groupId, expired);
        if (group.state === GroupState.Empty && !this.#store.hasOffsets(group.groupId) && this.#groups.get(group.groupId) === group) {
          group.markDead();
          this.#groups.delete(group.groupId);
          await this.#store.deleteGroup(group.groupId);
        }
      } catch {
        // The next check retries; an offset that outlives its retention by one interval harms no one.
      }
    }
  }
}

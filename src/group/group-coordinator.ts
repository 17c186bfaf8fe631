/**
 * The group coordinator: owns the classic groups of the `__consumer_offsets` partitions this broker leads and
 * their committed offsets. Handlers (and the embedded consumer, in process) call it; it validates what Kafka
 * validates before a group sees a request (group ids, whether this broker coordinates the group, session
 * timeout bounds, group size), persists group metadata and offsets through one OffsetStore per partition,
 * expires offsets of Empty groups after `offsets.retention.minutes`, and offers the admin views (list,
 * describe, lag) the CLI and metrics use. Kafka's onElection/onResignation: a partition this broker comes to
 * lead is replayed (its groups answer COORDINATOR_LOAD_IN_PROGRESS meanwhile); one it stops leading is
 * unloaded, and its groups' requests, held ones included, get NOT_COORDINATOR.
 */
import type { BrokerConfig } from '../config/broker-config.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { type GroupDescription, type GroupHooks, type JoinGroupParams, type LeavingMember, type SyncGroupParams, Group, GroupState } from './group.js';
import { restoreGroup, snapshotGroup } from './group-snapshot.js';
import type { OffsetAndMetadata } from './offset-records.js';
import { type CoordinatorLog, OffsetStore, coordinatorErrorFor } from './offset-store.js';
import { offsetsPartitionFor } from './offsets-partition.js';
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

/** A `__consumer_offsets` partition this broker leads (in the leader epoch it was elected in): its offsets and groups. */
interface Shard {
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly store: OffsetStore;
  readonly groups: Map<string, Group>;
  readonly hooks: GroupHooks;
  loaded: boolean;
  loading: Promise<void>;
}

/** An offsets partition this broker leads, as `start` takes them. */
export interface OffsetsPartitionLeadership {
  readonly partition: number;
  readonly leaderEpoch: number;
}

export class GroupCoordinator {
  readonly #config: GroupCoordinatorConfig;
  readonly #scheduler: Scheduler;
  readonly #log: CoordinatorLog;
  readonly #topics: TopicView;
  readonly #partitionCount: () => number;
  readonly #onLoadFailure: (partition: number, error: unknown) => void;
  readonly #shards = new Map<number, Shard>();
  #active = false;
  #retentionTimer: Cancel | null = null;

  /**
   * `partitionCount` is the number of `__consumer_offsets` partitions (0 while the topic does not exist); by
   * default 1, a single log holding every group.
   */
  constructor(options: {
    config: GroupCoordinatorConfig;
    log: CoordinatorLog;
    topics: TopicView;
    scheduler?: Scheduler;
    partitionCount?: () => number;
    onLoadFailure?: (partition: number, error: unknown) => void;
  }) {
    this.#config = options.config;
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#log = options.log;
    this.#topics = options.topics;
    this.#partitionCount = options.partitionCount ?? (() => 1);
    this.#onLoadFailure = options.onLoadFailure ?? (() => undefined);
  }

  /**
   * Starts coordinating and loads the partitions led now (by default the one partition of a single log);
   * resolves once they are replayed. Later elections and resignations come through onElection/onResignation.
   */
  async start(leading: readonly OffsetsPartitionLeadership[] = [{ partition: 0, leaderEpoch: 0 }]): Promise<void> {
    this.#active = true;
    this.#scheduleRetention();
    await Promise.all(leading.map(({ partition, leaderEpoch }) => this.onElection(partition, leaderEpoch)));
  }

  /**
   * This broker leads the offsets partition from `leaderEpoch` on: its groups and offsets are replayed from
   * the log (Kafka's onElection). A new epoch of a partition already loaded reloads it: another broker may
   * have led it in between. Resolves once loaded (or the load failed, which `onLoadFailure` hears of).
   */
  onElection(partition: number, leaderEpoch: number): Promise<void> {
    if (!this.#active) return Promise.resolve();
    const current = this.#shards.get(partition);
    if (current?.leaderEpoch === leaderEpoch) return current.loading;
    if (current) this.onResignation(partition);
    const store = new OffsetStore(this.#log, partition);
    const shard: Shard = {
      partition,
      leaderEpoch,
      store,
      groups: new Map(),
      hooks: {
        scheduler: this.#scheduler,
        initialRebalanceDelayMs: this.#config.initialRebalanceDelayMs,
        storeGroup: async (group, assignments) => {
          try {
            await store.storeGroup(group.groupId, snapshotGroup(group, assignments));
            return ErrorCode.NONE;
          } catch (error) {
            return coordinatorErrorFor(error);
          }
        },
      },
      loaded: false,
      loading: Promise.resolve(),
    };
    this.#shards.set(partition, shard);
    shard.loading = this.#load(shard);
    return shard.loading;
  }

  /** This broker no longer leads the offsets partition: its groups are unloaded, held requests answered NOT_COORDINATOR. */
  onResignation(partition: number): void {
    const shard = this.#shards.get(partition);
    if (!shard) return;
    this.#shards.delete(partition);
    for (const group of shard.groups.values()) group.shutdown(ErrorCode.NOT_COORDINATOR);
  }

  async #load(shard: Shard): Promise<void> {
    let loaded: Awaited<ReturnType<OffsetStore['load']>>;
    try {
      loaded = await shard.store.load();
    } catch (error) {
      // Its groups get NOT_COORDINATOR until the partition's next election here.
      if (this.#shards.get(shard.partition) === shard) this.#shards.delete(shard.partition);
      this.#onLoadFailure(shard.partition, error);
      return;
    }
    // Resigned while replaying: what was read belongs to the new leader now.
    if (this.#shards.get(shard.partition) !== shard) return;
    for (const [groupId, snapshot] of loaded.groupMetadata) shard.groups.set(groupId, restoreGroup(groupId, snapshot, shard.hooks));
    for (const groupId of loaded.groupsWithOffsets) if (!shard.groups.has(groupId)) shard.groups.set(groupId, new Group(groupId, shard.hooks));
    shard.loaded = true;
  }

  /** Answers every held JoinGroup/SyncGroup and stops all timers. */
  shutdown(): void {
    this.#active = false;
    this.#retentionTimer?.();
    this.#retentionTimer = null;
    for (const shard of this.#shards.values()) for (const group of shard.groups.values()) group.shutdown(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    this.#shards.clear();
  }

  /** Coordinating, and no partition it leads is still loading (ListGroups answers COORDINATOR_LOAD_IN_PROGRESS until then). */
  get loaded(): boolean {
    return this.#active && [...this.#shards.values()].every((shard) => shard.loaded);
  }

  /** The `__consumer_offsets` partition of the group; undefined while the topic does not exist. */
  partitionFor(groupId: string): number | undefined {
    const count = this.#partitionCount();
    return count > 0 ? offsetsPartitionFor(groupId, count) : undefined;
  }

  // ---- membership ----

  joinGroup(groupId: string, params: JoinGroupParams): Promise<JoinGroupResult> {
    const shard = this.#owning(groupId);
    if (typeof shard === 'number') return Promise.resolve(joinError(shard, params.memberId));
    if (params.sessionTimeoutMs < this.#config.minSessionTimeoutMs || params.sessionTimeoutMs > this.#config.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, params.memberId));
    }
    let group = shard.groups.get(groupId);
    if (!group) {
      // A member id means the client thinks it is in a group this broker does not know (e.g. deleted).
      if (params.memberId !== '') return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, params.memberId));
      group = new Group(groupId, shard.hooks);
      shard.groups.set(groupId, group);
    }
    if (params.memberId === '' && group.size + group.pendingMemberCount >= this.#config.maxGroupSize) {
      return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, params.memberId));
    }
    return group.join(params);
  }

  syncGroup(groupId: string, params: SyncGroupParams): Promise<SyncGroupResult> {
    const shard = this.#owning(groupId);
    if (typeof shard === 'number') return Promise.resolve(syncError(shard));
    const group = shard.groups.get(groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    return group.sync(params);
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): ErrorCode {
    const shard = this.#owning(groupId);
    if (typeof shard === 'number') return shard;
    const group = shard.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    return group.heartbeat(memberId, groupInstanceId, generationId);
  }

  /** LeaveGroup: a group-level error (Kafka answers NONE for an unknown group) and one error per member. */
  leaveGroup(groupId: string, members: readonly LeavingMember[]): { errorCode: ErrorCode; memberErrors: ErrorCode[] } {
    const shard = this.#owning(groupId);
    if (typeof shard === 'number') return { errorCode: shard, memberErrors: members.map(() => shard) };
    const group = shard.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, memberErrors: members.map(() => ErrorCode.UNKNOWN_MEMBER_ID) };
    if (group.state === GroupState.Dead)
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, memberErrors: members.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE) };
    return { errorCode: ErrorCode.NONE, memberErrors: group.leave(members) };
  }

  // ---- offsets ----

  /** OffsetCommit: one error code per entry, in the request's order. */
  async commitOffsets(groupId: string, params: OffsetCommitParams): Promise<ErrorCode[]> {
    const all = (code: ErrorCode) => params.offsets.map(() => code);
    const shard = this.#owning(groupId);
    if (typeof shard === 'number') return all(shard);
    let group = shard.groups.get(groupId);
    if (!group) {
      // Only a client that manages its own partitions (generation -1) may create a group by committing.
      if (params.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = new Group(groupId, shard.hooks);
      shard.groups.set(groupId, group);
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
      await shard.store.commit(groupId, accepted);
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
    // Kafka lets OffsetFetch name the empty group id.
    const shard = this.#owning(groupId, { emptyIdAllowed: true });
    if (typeof shard === 'number') return { errorCode: shard, offsets: [] };
    const found = (topic: string, partition: number, value: OffsetAndMetadata | undefined): FetchedOffset => ({
      topic,
      partition,
      offset: value?.offset ?? -1n,
      leaderEpoch: value?.leaderEpoch ?? -1,
      metadata: value?.metadata ?? '',
      errorCode: ErrorCode.NONE,
    });
    if (topics === null) {
      return { errorCode: ErrorCode.NONE, offsets: [...shard.store.offsetsOf(groupId)].map((o) => found(o.topic, o.partition, o.value)) };
    }
    const offsets = topics.flatMap(({ topic, partitions }) => partitions.map((p) => found(topic, p, shard.store.get(groupId, topic, p))));
    return { errorCode: ErrorCode.NONE, offsets };
  }

  /** OffsetDelete: refused for partitions the live consumer group subscribes to. */
  async deleteOffsets(
    groupId: string,
    partitions: readonly { readonly topic: string; readonly partition: number }[],
    subscribedTopics: (protocolType: string, metadata: Buffer) => readonly string[],
  ): Promise<{ errorCode: ErrorCode; partitionErrors: ErrorCode[] }> {
    const shard = this.#owning(groupId);
    if (typeof shard === 'number') return { errorCode: shard, partitionErrors: [] };
    const group = shard.groups.get(groupId);
    if (!group || group.state === GroupState.Dead) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitionErrors: [] };
    let subscribed = new Set<string>();
    if (group.state !== GroupState.Empty) {
      if (group.protocolType !== CONSUMER_PROTOCOL_TYPE) return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitionErrors: [] };
      subscribed = new Set([...group.members()].flatMap((m) => m.protocols.flatMap((p) => subscribedTopics(m.protocolType, p.metadata))));
    }
    const partitionErrors = partitions.map((p) => (subscribed.has(p.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE));
    try {
      await shard.store.deleteOffsets(
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
        const shard = this.#owning(groupId);
        if (typeof shard === 'number') return shard;
        const group = shard.groups.get(groupId);
        if (!group || group.state === GroupState.Dead) return ErrorCode.GROUP_ID_NOT_FOUND;
        if (group.state !== GroupState.Empty) return ErrorCode.NON_EMPTY_GROUP;
        group.markDead();
        shard.groups.delete(groupId);
        try {
          await shard.store.deleteGroup(groupId);
          return ErrorCode.NONE;
        } catch (e) {
          return coordinatorErrorFor(e);
        }
      }),
    );
  }

  /** The groups of the partitions this broker leads and has loaded (Kafka lists only a coordinator's own groups). */
  listGroups(states: readonly string[] = []): GroupListing[] {
    const wanted = new Set(states.map((s) => s.toLowerCase()));
    return [...this.#loadedShards()]
      .flatMap((shard) => [...shard.groups.values()])
      .filter((g) => wanted.size === 0 || wanted.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
  }

  /** DescribeGroups: an unknown group is described as Dead with no members, as Kafka does. */
  describeGroup(groupId: string): { errorCode: ErrorCode; description: GroupDescription } {
    const dead: GroupDescription = { groupId, state: GroupState.Dead, protocolType: '', protocolName: '', generationId: -1, leader: null, members: [] };
    const shard = this.#owning(groupId);
    if (typeof shard === 'number') return { errorCode: shard, description: dead };
    const group = shard.groups.get(groupId);
    return { errorCode: ErrorCode.NONE, description: group ? group.describe() : dead };
  }

  /** Committed offset, log end and lag of every partition the group has committed (none for a group coordinated elsewhere). */
  lag(groupId: string): PartitionLag[] {
    const shard = this.#owning(groupId);
    if (typeof shard === 'number') return [];
    return [...shard.store.offsetsOf(groupId)].map(({ topic, partition, value }) => {
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

  /**
   * The loaded partition coordinating the group, or why a request for it is refused, in Kafka's order
   * (GroupCoordinator.validateGroupStatus): an invalid id, a coordinator not running, the group's partition
   * still loading here, the group coordinated by another broker.
   */
  #owning(groupId: string, options: { emptyIdAllowed?: boolean } = {}): Shard | ErrorCode {
    if (groupId === '' && !options.emptyIdAllowed) return ErrorCode.INVALID_GROUP_ID;
    if (!this.#active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const partition = this.partitionFor(groupId);
    const shard = partition === undefined ? undefined : this.#shards.get(partition);
    if (!shard) return ErrorCode.NOT_COORDINATOR;
    if (!shard.loaded) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return shard;
  }

  *#loadedShards(): Generator<Shard> {
    for (const shard of this.#shards.values()) if (shard.loaded) yield shard;
  }

  #scheduleRetention(): void {
    this.#retentionTimer = this.#scheduler.schedule(this.#config.offsetsRetentionCheckIntervalMs, () => {
      void this.expireOffsets().finally(() => {
        if (this.#active) this.#scheduleRetention();
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
    for (const shard of [...this.#loadedShards()]) await this.#expireShard(shard, now, retention);
  }

  async #expireShard(shard: Shard, now: bigint, retention: bigint): Promise<void> {
    for (const group of [...shard.groups.values()]) {
      if (group.state !== GroupState.Empty) continue;
      const expired = [...shard.store.offsetsOf(group.groupId)].filter(({ value }) => {
        if (value.expireTimestamp >= 0n) return now >= value.expireTimestamp;
        const base = group.protocolType === null ? value.commitTimestamp : BigInt(group.stateTimestamp);
        return now - base >= retention;
      });
      try {
        await shard.store.deleteOffsets(group.groupId, expired);
        if (group.state === GroupState.Empty && !shard.store.hasOffsets(group.groupId) && shard.groups.get(group.groupId) === group) {
          group.markDead();
          shard.groups.delete(group.groupId);
          await shard.store.deleteGroup(group.groupId);
        }
      } catch {
        // The next check retries; an offset that outlives its retention by one interval harms no one.
      }
    }
  }
}

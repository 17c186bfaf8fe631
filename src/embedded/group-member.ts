/**
 * A consumer-group member that lives in the broker's process (the embedded consumer's): it calls the same
 * GroupCoordinator the JoinGroup/SyncGroup/Heartbeat handlers call, with the same semantics a v4+ Kafka
 * client sees (member-id handshake, leader assigns, heartbeats, rejoin on REBALANCE_IN_PROGRESS), so it
 * shares partitions with kafkajs, librdkafka or Java members of the same group. Subscriptions and
 * assignments use Kafka's consumer protocol encoding, so the others can read what it writes.
 *
 * Eager rebalancing: every rebalance revokes all partitions first (`onRevoked`), then hands out the new
 * assignment (`onAssigned`).
 */
import { decodeData, encodeData } from '../protocol/codec.js';
import { consumerProtocolAssignment, consumerProtocolSubscription } from '../protocol/definitions/consumer-protocol.js';
import { ErrorCode, KafkaError, errorInfo } from '../protocol/error-codes.js';
import { ASSIGNORS, type TopicPartitions } from './assignors.js';
import { CONSUMER_PROTOCOL_TYPE, type FetchedOffset, type GroupCoordinator } from '../group/group-coordinator.js';
import type { JoinGroupResult } from '../group/results.js';
import { type Cancel, type Scheduler, systemScheduler } from '../group/scheduler.js';

export interface GroupMemberOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly clientId?: string;
  /** librdkafka's defaults: session 45 s, heartbeat 3 s; rebalance timeout as the Java client's max.poll.interval.ms. */
  readonly sessionTimeoutMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Partitions of a topic, for assigning when this member leads; 0 for an unknown topic. */
  partitionCount(topic: string): number;
  /** Called before rejoining with the partitions this member gives up (commit their positions here). */
  onRevoked?(partitions: readonly TopicPartitions[]): void | Promise<void>;
  /** Called after each completed rebalance with this member's partitions. */
  onAssigned?(partitions: readonly TopicPartitions[]): void | Promise<void>;
  readonly scheduler?: Scheduler;
}

/** The consumer protocol versions written: v0 subscription and assignment, which every client reads. */
const PROTOCOL_VERSION = 0;
/** Pause before retrying a JoinGroup that failed with a retriable error. */
const RETRY_BACKOFF_MS = 100;

export class GroupMember {
  readonly #coordinator: GroupCoordinator;
  readonly #options: GroupMemberOptions;
  readonly #scheduler: Scheduler;
  #memberId = '';
  #generationId = -1;
  #assignment: TopicPartitions[] = [];
  #heartbeat: Cancel | null = null;
  #rejoining: Promise<void> | null = null;
  #closed = false;

  private constructor(coordinator: GroupCoordinator, options: GroupMemberOptions) {
    this.#coordinator = coordinator;
    this.#options = options;
    this.#scheduler = options.scheduler ?? systemScheduler;
  }

  /** Joins the group; resolves once this member has its first assignment (possibly none). */
  static async join(coordinator: GroupCoordinator, options: GroupMemberOptions): Promise<GroupMember> {
    const member = new GroupMember(coordinator, options);
    await member.#rejoin();
    return member;
  }

  get memberId(): string {
    return this.#memberId;
  }
  get generationId(): number {
    return this.#generationId;
  }
  get assignment(): readonly TopicPartitions[] {
    return this.#assignment;
  }

  /** OffsetCommit as this member of the current generation: one error per entry (REBALANCE_IN_PROGRESS etc.). */
  commit(offsets: readonly { topic: string; partition: number; offset: bigint; metadata?: string; leaderEpoch?: number }[]): Promise<ErrorCode[]> {
    return this.#coordinator.commitOffsets(this.#options.groupId, {
      memberId: this.#memberId,
      groupInstanceId: null,
      generationId: this.#generationId,
      offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch ?? -1, metadata: o.metadata ?? '' })),
    });
  }

  /** The group's committed offsets for these partitions (-1 where none). */
  committed(partitions: readonly TopicPartitions[]): FetchedOffset[] {
    const { errorCode, offsets } = this.#coordinator.fetchOffsets(
      this.#options.groupId,
      partitions.map((tp) => ({ topic: tp.topic, partitions: tp.partitions })),
    );
    if (errorCode !== ErrorCode.NONE) throw new KafkaError(errorCode);
    return offsets;
  }

  /** Leaves the group (its partitions move to the others at once) and stops heartbeating. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#heartbeat?.();
    this.#heartbeat = null;
    // Leaving answers a JoinGroup still held by the coordinator, so a rejoin in progress ends at once.
    if (this.#memberId !== '') this.#coordinator.leaveGroup(this.#options.groupId, [{ memberId: this.#memberId, groupInstanceId: null }]);
    await this.#rejoining?.catch(() => undefined);
    this.#memberId = '';
    this.#assignment = [];
  }

  #rejoin(): Promise<void> {
    this.#rejoining ??= this.#joinAndSync().finally(() => {
      this.#rejoining = null;
    });
    return this.#rejoining;
  }

  async #joinAndSync(): Promise<void> {
    this.#heartbeat?.();
    this.#heartbeat = null;
    if (this.#assignment.length > 0) {
      const revoked = this.#assignment;
      this.#assignment = [];
      await this.#options.onRevoked?.(revoked);
    }
    const subscription = encodeData(consumerProtocolSubscription, PROTOCOL_VERSION, { topics: [...this.#options.topics], userData: null });
    while (!this.#closed) {
      const joined = await this.#coordinator.joinGroup(this.#options.groupId, {
        memberId: this.#memberId,
        groupInstanceId: null,
        clientId: this.#options.clientId ?? 'gregor-embedded',
        clientHost: 'in-process',
        sessionTimeoutMs: this.#options.sessionTimeoutMs ?? 45_000,
        rebalanceTimeoutMs: this.#options.rebalanceTimeoutMs ?? 300_000,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: [...ASSIGNORS.keys()].map((name) => ({ name, metadata: subscription })),
        requireKnownMemberId: true,
      });
      if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.#memberId = joined.memberId;
        continue;
      }
      if (this.#resetOn(joined.errorCode)) continue;
      if (joined.errorCode !== ErrorCode.NONE) {
        if (!isRetriable(joined.errorCode)) throw new KafkaError(joined.errorCode, `joining group ${this.#options.groupId}`);
        await this.#sleep(RETRY_BACKOFF_MS);
        continue;
      }
      const synced = await this.#coordinator.syncGroup(this.#options.groupId, {
        memberId: this.#memberId,
        groupInstanceId: null,
        generationId: joined.generationId,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName: joined.protocolName,
        assignments: joined.leader === joined.memberId ? this.#assign(joined) : new Map(),
      });
      if (this.#resetOn(synced.errorCode) || synced.errorCode !== ErrorCode.NONE) continue;
      this.#generationId = joined.generationId;
      this.#assignment =
        synced.assignment.length === 0 ? [] : (decodeData(consumerProtocolAssignment, synced.assignment).body.assignedPartitions as TopicPartitions[]);
      this.#scheduleHeartbeat();
      await this.#options.onAssigned?.(this.#assignment);
      return;
    }
  }

  /** UNKNOWN_MEMBER_ID and friends: forget the member id and join as a new member. */
  #resetOn(errorCode: ErrorCode): boolean {
    if (errorCode !== ErrorCode.UNKNOWN_MEMBER_ID && errorCode !== ErrorCode.FENCED_INSTANCE_ID) return false;
    this.#memberId = '';
    this.#generationId = -1;
    return true;
  }

  #assign(joined: JoinGroupResult): Map<string, Buffer> {
    const assignor = ASSIGNORS.get(joined.protocolName ?? '');
    if (!assignor) throw new KafkaError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `no assignor named ${joined.protocolName}`);
    const members = joined.members.map((m) => ({ memberId: m.memberId, topics: decodeData(consumerProtocolSubscription, m.metadata).body.topics as string[] }));
    const assigned = assignor(members, (topic) => this.#options.partitionCount(topic));
    return new Map(
      [...assigned].map(([memberId, partitions]) => [
        memberId,
        encodeData(consumerProtocolAssignment, PROTOCOL_VERSION, { assignedPartitions: partitions, userData: null }),
      ]),
    );
  }

  #scheduleHeartbeat(): void {
    this.#heartbeat = this.#scheduler.schedule(this.#options.heartbeatIntervalMs ?? 3000, () => {
      this.#heartbeat = null;
      if (this.#closed) return;
      const error = this.#coordinator.heartbeat(this.#options.groupId, this.#memberId, null, this.#generationId);
      if (error === ErrorCode.NONE) {
        this.#scheduleHeartbeat();
        return;
      }
      this.#resetOn(error);
      // A failed rejoin (the coordinator shut down) ends this member; the embedding consumer sees no assignment.
      void this.#rejoin().catch(() => undefined);
    });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#scheduler.schedule(ms, resolve));
  }
}

function isRetriable(code: ErrorCode): boolean {
  return errorInfo(code).retriable || code === ErrorCode.REBALANCE_IN_PROGRESS || code === ErrorCode.ILLEGAL_GENERATION;
}

/**
 * One topic-partition replica on this node (Kafka's `Partition`): its log, its role (leader or follower, with
 * the leader epoch, replicas and ISR of the partition state), the high watermark (what consumers may read)
 * kept apart from the log end offset (what is written), and its idempotent producer state. As leader it
 * tracks each follower's log end offset (from the offsets it fetches at) and when it last caught up; the high
 * watermark is the smallest log end offset over the ISR (on a single replica, the log end after every
 * append). As follower it appends the leader's batches as they are and takes the leader's high watermark,
 * bounded by its own log end. Each append (producer-state check, log append, state update) is one synchronous step on the event
 * loop, so appends cannot interleave; a compressed batch's records are checked on the libuv pool first, and
 * the appends of one partition take their steps in arrival order behind it.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { TopicConfig } from '../config/topic-config.js';
import { type BatchHeader, hasProducerId, isControl, isTransactional, readBatchHeader } from '../record/batch.js';
import { recompress, targetCodec } from '../record/recompress.js';
import { Compression, compressionOf } from '../record/compression.js';
import { type ValidateBatchesOptions, validateBatches, validateBatchesOffLoop } from '../record/validate.js';
import type { BatchMetadata, ProducerStateManager } from './producer-state.js';
import { replayProducerBatches } from './producer-state-replay.js';
import type { PartitionLog, LogReadResult } from './partition-log.js';

export interface AppendOutcome {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  /** Append time for LogAppendTime topics, else -1. */
  readonly logAppendTimeMs: bigint;
  readonly logStartOffset: bigint;
  /** True when the batch was a retry of one already in the log: nothing was appended. */
  readonly duplicate: boolean;
}

export interface ReadOutcome extends LogReadResult {
  readonly highWatermark: bigint;
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
}

/**
 * Told of new bytes on the partition: `committed` false for appends (the log end moved: followers' fetches
 * wait for those), true when the high watermark moved over them (consumers' fetches wait for those). Also
 * called with 0 bytes when the partition went offline or lost leadership.
 */
export type AppendListener = (partition: Partition, bytes: number, committed: boolean) => void;

/** The partition state the controller decided (from the cluster metadata). */
export interface PartitionRole {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/** What the leader knows of one follower (Kafka's `Replica` state). */
export interface FollowerState {
  /** -1 until it fetched under this leadership. */
  logEndOffset: bigint;
  lastCaughtUpMs: number;
  lastFetchMs: number;
  /** The leader's log end when the follower last fetched: reaching it later means it was caught up then. */
  leaderEndAtLastFetch: bigint;
}

/** How an acks=all wait ended. */
type ReplicationWaiter = { readonly offset: bigint; readonly resolve: (code: ErrorCode) => void };

export class Partition {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly log: PartitionLog;
  readonly producerState: ProducerStateManager;
  readonly #nodeId: number;
  /** -1 until the replica takes its first role (Kafka's Partition starts there too): a leader's epoch is then new. */
  #leaderEpoch = -1;
  #role: PartitionRole;
  readonly #followers = new Map<number, FollowerState>();
  /** acks=all produces waiting for the high watermark to pass their offset, oldest first. */
  #replicationWaiters: ReplicationWaiter[] = [];
  /** Bytes appended above the high watermark: (offset after the batch, its bytes), for consumers' wake-ups. */
  #uncommitted: { readonly end: bigint; readonly bytes: number }[] = [];
  #highWatermark: bigint;
  /**
   * Where this leader's epoch started (its log end when it took the epoch; Kafka's leaderEpochStartOffsetOpt):
   * followers join the ISR only once past it. Undefined on a follower.
   */
  #epochStartOffset: bigint | undefined;
  #config: TopicConfig;
  #offline: ErrorCode | undefined;
  readonly #appendListeners = new Set<AppendListener>();
  /** Appends waiting for their turn (behind a compressed batch's validation), and the last of them. */
  #queued = 0;
  #lastQueued: Promise<unknown> = Promise.resolve();

  /**
   * A replica on node `nodeId` in `role` (the partition state as the metadata has it); without a role it is
   * the single replica and leader, at `ids.leaderEpoch`. A leader counts its ISR followers caught up at `nowMs`.
   */
  constructor(
    ids: { topic: string; partition: number; topicId: string; leaderEpoch: number; nodeId?: number; checkpointedHighWatermark?: bigint },
    log: PartitionLog,
    config: TopicConfig,
    producerState: ProducerStateManager,
    role?: PartitionRole,
    nowMs = Date.now(),
  ) {
    this.topic = ids.topic;
    this.partition = ids.partition;
    this.topicId = ids.topicId;
    this.#nodeId = ids.nodeId ?? role?.leader ?? 0;
    this.#role = role ?? { leader: this.#nodeId, leaderEpoch: ids.leaderEpoch, partitionEpoch: 0, replicas: [this.#nodeId], isr: [this.#nodeId] };
    this.log = log;
    this.#config = config;
    this.producerState = producerState;
    // A single replica has everything it wrote committed. A replica of several starts from the high
    // watermark it checkpointed (within its log: the checkpoint may be ahead of what a crash left), else
    // from its log start, and learns more from its leader or, as leader, from the ISR.
    this.#highWatermark = this.#role.replicas.length > 1 ? withinLog(ids.checkpointedHighWatermark ?? log.logStartOffset, log) : log.logEndOffset;
    if (this.isLeader) this.makeLeader(this.#role, nowMs);
    else this.#leaderEpoch = this.#role.leaderEpoch;
  }

  get leaderEpoch(): number {
    return this.#leaderEpoch;
  }

  /** The partition state this replica acts on. */
  get role(): PartitionRole {
    return this.#role;
  }

  get isLeader(): boolean {
    return this.#role.leader === this.#nodeId;
  }

  /** What the leader knows of a follower (undefined on a follower, or for a node that is not a replica). */
  followerState(replicaId: number): Readonly<FollowerState> | undefined {
    return this.#followers.get(replicaId);
  }

  /**
   * Becomes (or stays) leader under `role`. A new leader epoch starts at the log end in the leader-epoch
   * cache at once, before any append (Kafka's makeLeader): a follower holding records of an epoch this
   * leader never heard of learns where its log diverges even before the leader writes (a storage error
   * doing so is thrown, the role taken). A new epoch also forgets what was known of the followers: they
   * count as caught up now if they are in the ISR (Kafka's rule), with an unknown log end until they fetch.
   * The high watermark stays where it was and moves once the ISR's log ends are known.
   */
  makeLeader(role: PartitionRole, nowMs: number): void {
    const newEpoch = role.leaderEpoch !== this.#leaderEpoch || !this.isLeader;
    this.#role = role;
    this.#leaderEpoch = role.leaderEpoch;
    for (const id of [...this.#followers.keys()]) if (!role.replicas.includes(id)) this.#followers.delete(id);
    for (const id of role.replicas) {
      if (id === this.#nodeId || (!newEpoch && this.#followers.has(id))) continue;
      this.#followers.set(id, { logEndOffset: -1n, lastCaughtUpMs: role.isr.includes(id) ? nowMs : 0, lastFetchMs: 0, leaderEndAtLastFetch: -1n });
    }
    if (newEpoch) this.#epochStartOffset = this.log.logEndOffset;
    this.#maybeAdvanceHighWatermark();
    this.#answerWaiters();
    // Last, so that a storage error here leaves a leader whose first append records the epoch instead.
    if (newEpoch && this.#offline === undefined) this.log.assignEpochStartOffset(role.leaderEpoch);
  }

  /**
   * Kafka's check before telling a client where the log ends (ListOffsets): a new leader whose high
   * watermark has not reached the start of its epoch does not know it yet (its followers' fetches will
   * tell), and answers OFFSET_NOT_AVAILABLE, which clients retry, rather than an offset that may go back.
   */
  checkHighWatermarkKnown(): void {
    if (this.#epochStartOffset !== undefined && this.#epochStartOffset > this.#highWatermark) {
      throw new KafkaError(
        ErrorCode.OFFSET_NOT_AVAILABLE,
        `the high watermark ${this.#highWatermark} of ${this.topic}-${this.partition} is behind the start ${this.#epochStartOffset} of leader epoch ${this.#leaderEpoch}`,
      );
    }
  }

  /**
   * Becomes (or stays) follower under `role`: what it knew as leader goes, and acks=all produces waiting
   * here and parked fetches are answered now (NOT_LEADER_OR_FOLLOWER).
   */
  makeFollower(role: PartitionRole): void {
    this.#role = role;
    this.#leaderEpoch = role.leaderEpoch;
    this.#epochStartOffset = undefined;
    this.#followers.clear();
    this.#uncommitted = [];
    this.failWaitingProduces(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    this.#notify(0, false);
    this.#notify(0, true);
  }

  /**
   * The leader's side of a follower fetch at `fetchOffset`: the follower has everything below it. It was
   * caught up if that reaches the leader's log end now, or the log end when it last fetched (then at that
   * time), as Kafka's `Replica.updateFetchState`. May advance the high watermark.
   */
  updateFollowerFetch(replicaId: number, fetchOffset: bigint, nowMs: number): void {
    const follower = this.#followers.get(replicaId);
    if (!follower || !this.isLeader) return;
    const leaderEnd = this.log.logEndOffset;
    if (fetchOffset >= leaderEnd) follower.lastCaughtUpMs = Math.max(follower.lastCaughtUpMs, nowMs);
    else if (fetchOffset >= follower.leaderEndAtLastFetch && follower.leaderEndAtLastFetch >= 0n) {
      follower.lastCaughtUpMs = Math.max(follower.lastCaughtUpMs, follower.lastFetchMs);
    }
    follower.logEndOffset = fetchOffset;
    follower.lastFetchMs = nowMs;
    follower.leaderEndAtLastFetch = leaderEnd;
    this.#maybeAdvanceHighWatermark();
  }

  /**
   * The ISR this leader should write, or undefined when it stands: followers out of the ISR that are caught
   * up, have reached the high watermark and this leader's epoch join, if `mayJoin` (KIP-841: a broker the
   * cluster does not list as registered cannot, however it fetches); ISR followers not caught up for
   * `lagTimeMs` leave (Kafka's maybeShrinkIsr / maybeExpandIsr).
   */
  proposedIsr(nowMs: number, lagTimeMs: number, mayJoin: (id: number) => boolean = () => true): number[] | undefined {
    if (!this.isLeader) return undefined;
    const epochStart = this.#epochStartOffset ?? this.log.logEndOffset;
    const isr = this.#role.isr.filter((id) => {
      if (id === this.#nodeId) return true;
      const follower = this.#followers.get(id);
      return follower !== undefined && nowMs - follower.lastCaughtUpMs <= lagTimeMs;
    });
    for (const [id, follower] of this.#followers) {
      if (isr.includes(id) || !mayJoin(id)) continue;
      const caughtUp = nowMs - follower.lastCaughtUpMs <= lagTimeMs;
      if (caughtUp && follower.logEndOffset >= this.#highWatermark && follower.logEndOffset >= epochStart) isr.push(id);
    }
    const same = isr.length === this.#role.isr.length && isr.every((id) => this.#role.isr.includes(id));
    return same ? undefined : isr.sort((a, b) => a - b);
  }

  /**
   * Waits for the high watermark to pass `offset` (an acks=all produce's last offset + 1). Resolves NONE, or
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR is then smaller than `min.insync.replicas`, or
   * NOT_LEADER_OR_FOLLOWER (or the offline error) once this replica can no longer tell; at once (not a
   * promise) when the high watermark is there already.
   */
  waitForReplication(offset: bigint): ErrorCode | Promise<ErrorCode> {
    if (this.#offline !== undefined) return this.#offline;
    if (!this.isLeader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (this.#highWatermark >= offset) return this.#replicatedCode();
    return new Promise((resolve) => this.#replicationWaiters.push({ offset, resolve }));
  }

  /**
   * OffsetForLeaderEpoch by Kafka's rules (LeaderEpochFileCache.endOffsetFor): the latest epoch ends at the
   * log end; an older one at the start of the next epoch the cache knows, answered with the largest known
   * epoch not above it, or with itself when it is older than them all; an unknown (-1) or newer epoch, or an
   * empty cache, gives (-1, -1).
   */
  endOffsetForEpoch(epoch: number): { readonly epoch: number; readonly endOffset: bigint } {
    const entries = this.log.leaderEpochs();
    const latest = entries.at(-1);
    if (epoch < 0 || latest === undefined) return UNDEFINED_EPOCH_END;
    if (latest.epoch === epoch) return { epoch, endOffset: this.log.logEndOffset };
    const higher = entries.find((entry) => entry.epoch > epoch);
    if (higher === undefined) return UNDEFINED_EPOCH_END;
    const floor = entries.filter((entry) => entry.epoch <= epoch).at(-1);
    return { epoch: floor?.epoch ?? epoch, endOffset: higher.startOffset };
  }

  /**
   * Kafka's check of a fetch's last fetched epoch (truncation on fetch, as KIP-595 brought to replication):
   * where the fetcher's log diverges from this one, that is the largest epoch here not above
   * `lastFetchedEpoch` and where it ends, when that is an older epoch or ends before `fetchOffset`; undefined
   * when the fetcher's log agrees. OFFSET_OUT_OF_RANGE when this log cannot place the epoch, or the fetch
   * starts below its log start.
   */
  divergingEpoch(fetchOffset: bigint, lastFetchedEpoch: number): { readonly epoch: number; readonly endOffset: bigint } | undefined {
    const end = this.endOffsetForEpoch(lastFetchedEpoch);
    if (end.epoch < 0 || end.endOffset < 0n) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `epoch ${lastFetchedEpoch} is unknown to ${this.topic}-${this.partition}`);
    }
    if (fetchOffset < this.log.logStartOffset) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `offset ${fetchOffset} is below the log start ${this.log.logStartOffset} of ${this.topic}-${this.partition}`,
      );
    }
    return end.epoch < lastFetchedEpoch || end.endOffset < fetchOffset ? end : undefined;
  }

  /** acks=all produces waiting for replication here. */
  get waitingProduces(): number {
    return this.#replicationWaiters.length;
  }

  /** Answers every acks=all produce waiting here with `code` (this replica can no longer tell they will be replicated). */
  failWaitingProduces(code: ErrorCode): void {
    const waiters = this.#replicationWaiters;
    this.#replicationWaiters = [];
    for (const waiter of waiters) waiter.resolve(code);
  }

  /**
   * Appends batches fetched from the leader as they are, rebuilds the producer state from them (so a retry
   * reaching this replica after a failover is deduplicated) and takes the leader's high watermark, bounded
   * by this log's end.
   */
  appendAsFollower(batches: Buffer, nowMs: number): void {
    this.checkOnline();
    this.log.appendAsFollower(batches);
    for (let position = 0; position < batches.length; ) {
      const header = readBatchHeader(batches, position);
      if (hasProducerId(header)) {
        this.producerState.update(header, header.baseOffset, header.baseOffset + BigInt(header.lastOffsetDelta), header.maxTimestamp, nowMs);
      }
      position += header.sizeInBytes;
    }
    this.#notify(batches.length, false);
  }

  /**
   * A follower moves its log start up to its leader's (Kafka's maybeIncrementLogStartOffset on each fetch):
   * records the leader deleted (DeleteRecords, retention) go here too, and a consumer fetching below them
   * from this replica is out of range, as on the leader. Never past this replica's high watermark.
   */
  updateFollowerLogStart(leaderLogStartOffset: bigint): void {
    if (this.isLeader) return;
    const target = leaderLogStartOffset < this.#highWatermark ? leaderLogStartOffset : this.#highWatermark;
    if (target > this.log.logStartOffset) this.log.deleteRecordsBefore(target);
  }

  /** A follower takes the high watermark its leader sent, never beyond its own log end. */
  updateFollowerHighWatermark(leaderHighWatermark: bigint): void {
    if (this.isLeader) return;
    const bounded = leaderHighWatermark < this.log.logEndOffset ? leaderHighWatermark : this.log.logEndOffset;
    if (bounded > this.#highWatermark) {
      this.#highWatermark = bounded;
      this.#notify(0, true);
    }
  }

  /**
   * A follower drops its log from `offset` on (where it diverges from the leader), with the producer state
   * it held there; the high watermark never stays above the log end.
   */
  truncateTo(offset: bigint): bigint {
    this.checkOnline();
    const end = this.log.truncateTo(offset);
    const forgotten = this.producerState.truncateTo(end);
    if (forgotten.size > 0) replayProducerBatches(this.producerState, this.log, this.log.logStartOffset, forgotten);
    if (this.#highWatermark > end) this.#highWatermark = end;
    return end;
  }

  /** A follower whose whole log lies below the leader's log start starts over empty there. */
  truncateFullyAndStartAt(offset: bigint): void {
    this.checkOnline();
    this.log.truncateFullyAndStartAt(offset);
    this.producerState.truncateTo(-1n);
    this.#highWatermark = offset;
  }

  get highWatermark(): bigint {
    return this.#highWatermark;
  }

  get logEndOffset(): bigint {
    return this.log.logEndOffset;
  }

  get logStartOffset(): bigint {
    return this.log.logStartOffset;
  }

  get config(): TopicConfig {
    return this.#config;
  }

  set config(config: TopicConfig) {
    this.#config = config;
  }

  /** Set when the partition can no longer serve: its log dir failed, or the topic was deleted. */
  get offline(): ErrorCode | undefined {
    return this.#offline;
  }

  markOffline(code: ErrorCode): void {
    this.#offline = code;
    this.failWaitingProduces(code);
    this.#notify(0, false);
    this.#notify(0, true);
  }

  /** Throws the partition's error if it cannot serve. */
  checkOnline(): void {
    if (this.#offline !== undefined) throw new KafkaError(this.#offline, `${this.topic}-${this.partition} is offline`);
  }

  /**
   * Kafka's current-leader-epoch check on requests that carry one (-1 = not given): older → FENCED_LEADER_EPOCH,
   * newer → UNKNOWN_LEADER_EPOCH.
   */
  checkLeaderEpoch(currentLeaderEpoch: number): void {
    if (currentLeaderEpoch === -1 || currentLeaderEpoch === this.#leaderEpoch) return;
    throw new KafkaError(currentLeaderEpoch < this.#leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
  }

  onAppend(listener: AppendListener): () => void {
    this.#appendListeners.add(listener);
    return () => this.#appendListeners.delete(listener);
  }

  /**
   * Appends one client batch as leader, with Kafka's produce checks (a rejected batch appends nothing):
   * size against max.message.bytes (MESSAGE_TOO_LARGE) and segment.bytes (RECORD_LIST_TOO_LARGE), header
   * consistency (INVALID_RECORD), transactional batches (INVALID_TXN_STATE until transactions exist),
   * idempotence (duplicates answered with their original offsets), then the topic's compression.type
   * (recompressing when it names another codec). The storage engine validates the CRC
   * (CORRUPT_MESSAGE) and the records, stamps offsets and the leader epoch, and applies LogAppendTime.
   *
   * An uncompressed batch is appended before this returns, unless an earlier append of this partition is
   * still waiting: then it is copied and waits its turn. A compressed batch's records are inflated and
   * checked on the libuv pool (up to 64 MiB: tens of milliseconds the event loop should not spend), and the
   * result is a promise settled in arrival order; the caller must not change such a batch until it settles.
   */
  appendAsLeader(records: Buffer, nowMs: number): AppendOutcome | Promise<AppendOutcome> {
    this.checkOnline();
    const header = this.#validate(records, nowMs);
    const compressed = compressionOf(header.attributes) !== Compression.None;
    if (!compressed && this.#queued === 0) return this.#append(records, header, nowMs, false);
    const held = compressed ? records : Buffer.from(records);
    const validated = compressed ? validateBatchesOffLoop(held, this.#validationOptions()) : undefined;
    // Awaited only at its turn: marked handled now, so a refusal before then is not an unhandled rejection.
    validated?.catch(noop);
    const turn = this.#lastQueued.then(async () => {
      await validated;
      return this.#append(held, header, nowMs, compressed);
    });
    this.#queued++;
    this.#lastQueued = turn.then(
      () => this.#queued--,
      () => this.#queued--,
    );
    return turn;
  }

  /** Resolves once every append accepted so far has been appended or refused (shutdown waits for it). */
  appendsSettled(): Promise<void> {
    return this.#lastQueued.then(noop);
  }

  /** The append proper, one synchronous step; `recordsValidated`: the records were checked off the loop. */
  #append(records: Buffer, header: BatchHeader, nowMs: number, recordsValidated: boolean): AppendOutcome {
    this.checkOnline();
    const producerBatch = hasProducerId(header);
    if (producerBatch) {
      const duplicate = this.producerState.check(header);
      if (duplicate) {
        // A retry is answered as a duplicate only once it proves to be a valid batch (CRC, records), as Kafka validates before deduplicating.
        if (!recordsValidated) validateBatches(records, this.#validationOptions());
        return this.#duplicateOutcome(duplicate);
      }
    }
    const codec = targetCodec(this.#config.string('compression.type'), header);
    const stored = codec === undefined ? records : recompress(records, header, codec);
    const appended = this.log.append(stored, {
      leaderEpoch: this.#leaderEpoch,
      logAppendTime: this.#config.logAppendTime ? BigInt(nowMs) : undefined,
      maxMessageBytes: this.#config.maxMessageBytes,
      validateRecords: !recordsValidated,
    });
    if (producerBatch) {
      this.producerState.update(
        header,
        appended.baseOffset,
        appended.lastOffset,
        appended.logAppendTimeMs >= 0n ? appended.logAppendTimeMs : header.maxTimestamp,
        nowMs,
      );
    }
    this.#uncommitted.push({ end: this.log.logEndOffset, bytes: stored.length });
    this.#notify(stored.length, false);
    this.#maybeAdvanceHighWatermark();
    return {
      baseOffset: appended.baseOffset,
      lastOffset: appended.lastOffset,
      logAppendTimeMs: appended.logAppendTimeMs,
      logStartOffset: this.log.logStartOffset,
      duplicate: false,
    };
  }

  /**
   * Reads whole batches from the one holding `offset`, up to the high watermark (consumers) or the log end
   * (followers). OFFSET_OUT_OF_RANGE outside [log start, log end], as Kafka: a consumer at an offset between
   * the high watermark and the log end (a leader still learning the high watermark) gets nothing yet.
   */
  read(offset: bigint, maxBytes: number, untilLogEnd: boolean): ReadOutcome {
    this.checkOnline();
    const limit = untilLogEnd ? this.log.logEndOffset : this.#highWatermark;
    const logStartOffset = this.log.logStartOffset;
    const logEndOffset = this.log.logEndOffset;
    if (offset < logStartOffset || offset > logEndOffset) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `offset ${offset} is outside [${logStartOffset}, ${logEndOffset}] of ${this.topic}-${this.partition}`,
      );
    }
    const result = offset >= limit ? undefined : this.log.read(offset, maxBytes, limit);
    return {
      views: result?.views ?? [],
      bytes: result?.bytes ?? 0,
      release: result ? () => result.release() : noop,
      highWatermark: this.#highWatermark,
      logStartOffset,
      logEndOffset: this.log.logEndOffset,
    };
  }

  /**
   * DeleteRecords: moves the log start offset to `offset` (-1 = the high watermark); returns the new low watermark.
   * As Kafka, only a topic whose cleanup.policy includes `delete` allows it (`compact,delete` does).
   */
  deleteRecordsBefore(offset: bigint): bigint {
    this.checkOnline();
    if (!this.#config.list('cleanup.policy').includes('delete')) {
      throw new KafkaError(ErrorCode.POLICY_VIOLATION, `records of ${this.topic}-${this.partition} cannot be deleted: cleanup.policy does not include delete`);
    }
    const target = offset === -1n ? this.#highWatermark : offset;
    if (target < 0n || target > this.#highWatermark) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is beyond the high watermark ${this.#highWatermark}`);
    }
    if (target > this.log.logStartOffset) this.log.deleteRecordsBefore(target);
    return this.log.logStartOffset;
  }

  #validate(records: Buffer, nowMs: number): BatchHeader {
    const header = readBatchHeader(records);
    if (header.sizeInBytes !== records.length) {
      throw new KafkaError(ErrorCode.INVALID_RECORD, 'a produce request must carry exactly one record batch per partition');
    }
    if (records.length > this.#config.maxMessageBytes) {
      throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${records.length} bytes exceeds max.message.bytes ${this.#config.maxMessageBytes}`);
    }
    if (records.length > this.#config.number('segment.bytes')) {
      throw new KafkaError(ErrorCode.RECORD_LIST_TOO_LARGE, `batch of ${records.length} bytes exceeds segment.bytes`);
    }
    if (header.recordsCount <= 0 || header.lastOffsetDelta !== header.recordsCount - 1) {
      throw new KafkaError(ErrorCode.INVALID_RECORD, `record count ${header.recordsCount} disagrees with last offset delta ${header.lastOffsetDelta}`);
    }
    if (isControl(header)) throw new KafkaError(ErrorCode.INVALID_RECORD, 'clients may not send control batches');
    if (isTransactional(header)) throw new KafkaError(ErrorCode.INVALID_TXN_STATE, 'transactions are not supported by this broker');
    if (hasProducerId(header) && header.baseSequence < 0) {
      throw new KafkaError(ErrorCode.INVALID_RECORD, `producer ${header.producerId} sent a batch without a sequence number`);
    }
    if (!this.#config.logAppendTime) this.#validateTimestamps(header, nowMs);
    // Compaction keeps the last record per key, so a compacted topic refuses records without one (Kafka's
    // INVALID_RECORD); a compressed batch's keys are checked with its records, off the loop.
    if (this.#config.compacted && compressionOf(header.attributes) === Compression.None) validateBatches(records, this.#validationOptions());
    return header;
  }

  /** What the log checks on append (CRC, header, every record), and keys on a compacted topic. */
  #validationOptions(): ValidateBatchesOptions {
    return { maxBatchBytes: this.#config.maxMessageBytes, requireKeys: this.#config.compacted };
  }

  /**
   * message.timestamp.before/after.max.ms against the batch's first and max timestamps (the header's; the
   * records in between lie within them for every client that sets deltas ≥ 0).
   */
  #validateTimestamps(header: BatchHeader, nowMs: number): void {
    const before = this.#config.number('message.timestamp.before.max.ms');
    const after = this.#config.number('message.timestamp.after.max.ms');
    const now = BigInt(nowMs);
    for (const timestamp of [header.baseTimestamp, header.maxTimestamp]) {
      if (timestamp < 0n) continue;
      if ((before < Number.MAX_SAFE_INTEGER && timestamp < now - BigInt(before)) || (after < Number.MAX_SAFE_INTEGER && timestamp > now + BigInt(after))) {
        throw new KafkaError(ErrorCode.INVALID_TIMESTAMP, `timestamp ${timestamp} is outside the topic's accepted range around ${nowMs}`);
      }
    }
  }

  #duplicateOutcome(duplicate: BatchMetadata): AppendOutcome {
    return {
      baseOffset: duplicate.firstOffset,
      lastOffset: duplicate.lastOffset,
      logAppendTimeMs: this.#config.logAppendTime ? duplicate.timestamp : -1n,
      logStartOffset: this.log.logStartOffset,
      duplicate: true,
    };
  }

  /**
   * The leader's high watermark: the smallest log end offset over the ISR (a follower whose log end is not
   * known yet holds it where it is). It only moves forward; consumers' fetches and acks=all produces waiting
   * for the offsets it passed are woken.
   */
  #maybeAdvanceHighWatermark(): void {
    if (!this.isLeader) return;
    let candidate = this.log.logEndOffset;
    for (const id of this.#role.isr) {
      if (id === this.#nodeId) continue;
      const follower = this.#followers.get(id);
      const end = follower?.logEndOffset ?? -1n;
      if (end < candidate) candidate = end;
    }
    if (candidate <= this.#highWatermark) return;
    this.#highWatermark = candidate;
    let bytes = 0;
    while (this.#uncommitted.length > 0 && this.#uncommitted[0]!.end <= candidate) bytes += this.#uncommitted.shift()!.bytes;
    // Records this replica got as a follower are not counted in `#uncommitted`; at least one became visible.
    this.#notify(Math.max(bytes, 1), true);
    this.#answerWaiters();
  }

  /** Answers the acks=all waits the high watermark has passed. */
  #answerWaiters(): void {
    if (this.#replicationWaiters.length === 0) return;
    const code = this.#replicatedCode();
    const remaining: ReplicationWaiter[] = [];
    for (const waiter of this.#replicationWaiters) {
      if (waiter.offset <= this.#highWatermark) waiter.resolve(code);
      else remaining.push(waiter);
    }
    this.#replicationWaiters = remaining;
  }

  #replicatedCode(): ErrorCode {
    return this.#role.isr.length < this.#config.number('min.insync.replicas') ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : ErrorCode.NONE;
  }

  #notify(bytes: number, committed: boolean): void {
    for (const listener of this.#appendListeners) listener(this, bytes, committed);
  }
}

const UNDEFINED_EPOCH_END = Object.freeze({ epoch: -1, endOffset: -1n });

/** `offset` moved into [log start, log end]. */
function withinLog(offset: bigint, log: PartitionLog): bigint {
  if (offset < log.logStartOffset) return log.logStartOffset;
  return offset > log.logEndOffset ? log.logEndOffset : offset;
}

function noop(): void {}

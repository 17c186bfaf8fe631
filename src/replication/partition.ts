/**
 * One topic-partition replica on this node (Kafka's `Partition`): its log, leader epoch, high watermark
 * (what consumers may read) kept apart from the log end offset (what is written), and its idempotent
 * producer state. On a single node the in-sync replica set is this node alone, so the high watermark follows
 * the log end offset on every append; the split is what a follower's fetches will advance when replication
 * arrives. Each append (producer-state check, log append, state update) is one synchronous step on the event
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

export type AppendListener = (partition: Partition, bytes: number) => void;

export class Partition {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly log: PartitionLog;
  readonly producerState: ProducerStateManager;
  #leaderEpoch: number;
  #highWatermark: bigint;
  #config: TopicConfig;
  #offline: ErrorCode | undefined;
  readonly #appendListeners = new Set<AppendListener>();
  /** Appends waiting for their turn (behind a compressed batch's validation), and the last of them. */
  #queued = 0;
  #lastQueued: Promise<unknown> = Promise.resolve();

  constructor(
    ids: { topic: string; partition: number; topicId: string; leaderEpoch: number },
    log: PartitionLog,
    config: TopicConfig,
    producerState: ProducerStateManager,
  ) {
    this.topic = ids.topic;
    this.partition = ids.partition;
    this.topicId = ids.topicId;
    this.#leaderEpoch = ids.leaderEpoch;
    this.log = log;
    this.#config = config;
    this.producerState = producerState;
    this.#highWatermark = log.logEndOffset;
  }

  get leaderEpoch(): number {
    return this.#leaderEpoch;
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
    this.#notify(0);
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
    this.#highWatermark = this.log.logEndOffset;
    this.#notify(stored.length);
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
   * (followers). OFFSET_OUT_OF_RANGE outside [log start, limit].
   */
  read(offset: bigint, maxBytes: number, untilLogEnd: boolean): ReadOutcome {
    this.checkOnline();
    const limit = untilLogEnd ? this.log.logEndOffset : this.#highWatermark;
    const logStartOffset = this.log.logStartOffset;
    if (offset < logStartOffset || offset > limit) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is outside [${logStartOffset}, ${limit}] of ${this.topic}-${this.partition}`);
    }
    const result = offset === limit ? undefined : this.log.read(offset, maxBytes, limit);
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

  #notify(bytes: number): void {
    for (const listener of this.#appendListeners) listener(this, bytes);
  }
}

function noop(): void {}

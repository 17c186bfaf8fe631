/**
 * What the partition layer uses of a partition's log and of the manager that creates them, typed here so
 * the partition layer states its own needs. Two implementations keep this contract: the native engine's
 * `Log` / `LogManager` (src/storage) and the in-memory log the partition tests run on
 * (test/support/memory-log.ts); test/replication/partition-log-contract.test.ts holds both to it.
 */
import type { TimestampAndOffset } from '../storage/log.js';
import type { HeldLog, PartitionOffset, TopicLogConfig } from '../storage/log-manager.js';

export type { HeldLog, PartitionOffset, TimestampAndOffset, TopicLogConfig };

export interface LogAppendOptions {
  readonly leaderEpoch: number;
  /** Set for LogAppendTime topics: the engine stamps this time into the batch. */
  readonly logAppendTime?: bigint;
  readonly maxMessageBytes: number;
  /** False when the records were checked already (off the event loop): only CRCs and headers are then. Default true. */
  readonly validateRecords?: boolean;
}

export interface LogAppendInfo {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  /** The stamped append time, or -1 for CreateTime. */
  readonly logAppendTimeMs: bigint;
}

export interface LogReadResult {
  /** Whole batches: views into the mapped segments (never copies). */
  readonly views: readonly Buffer[];
  readonly bytes: number;
  /** Lets the segments go once the views have been written out. */
  release(): void;
}

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: bigint;
}

export interface EpochEndOffset {
  readonly epoch: number;
  readonly endOffset: bigint;
}

/** A batch header as the engine lists it (producer-state rebuild). */
export interface LogBatchHeader {
  readonly baseOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly maxTimestamp: bigint;
}

export interface PartitionLog {
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  /** Size of the log on disk (logical bytes), for DescribeLogDirs. */
  readonly size: number;
  /**
   * Validates whole RecordBatch v2 batches (CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE...; all or
   * nothing), stamps them in place (base offsets from the log end, the leader epoch, LogAppendTime) and
   * appends them.
   */
  append(batch: Buffer, options: LogAppendOptions): LogAppendInfo;
  /**
   * Appends batches fetched from the leader as they are: offsets and leader epochs were assigned by the
   * leader, so nothing is stamped and records are not validated again (CRCs and headers are checked).
   * The first batch may not start below the log end, nor a batch inside the one before it
   * (OFFSET_OUT_OF_RANGE); gaps are kept (a compacted leader log has them). Each new partitionLeaderEpoch
   * is recorded in the leader-epoch cache. All or nothing.
   */
  appendAsFollower(batches: Buffer): LogAppendInfo;
  /**
   * Whole batches from the one containing `offset`, at most `maxBytes` but at least one batch, none
   * reaching `maxOffset`; empty when nothing is readable there. OFFSET_OUT_OF_RANGE outside [log start, log end].
   */
  read(offset: bigint, maxBytes: number, maxOffset: bigint): LogReadResult;
  /** The first record from the log start with a timestamp ≥ `timestamp` (below `maxOffset` if given), or undefined. */
  offsetForTimestamp(timestamp: bigint, maxOffset?: bigint): TimestampAndOffset | undefined;
  /** The largest timestamp and the offset of the record holding it (ListOffsets -3), or undefined if empty. */
  maxTimestamp(): TimestampAndOffset | undefined;
  /** Moves the log start to `offset` (never back); OFFSET_OUT_OF_RANGE past the log end. */
  deleteRecordsBefore(offset: bigint): void;
  /**
   * Removes the batches from the one holding `offset` on (a follower's divergent tail), and the epochs
   * starting at or after the new end; returns the new log end (≤ offset).
   */
  truncateTo(offset: bigint): bigint;
  /** Deletes every batch and starts the log empty at `offset` (a follower behind its leader's log start). */
  truncateFullyAndStartAt(offset: bigint): bigint;
  /** The leader-epoch cache: each leader epoch with the first offset written in it, oldest first. */
  leaderEpochs(): readonly EpochEntry[];
  /**
   * A new leader's epoch starts at the log end before anything is written in it (Kafka's
   * maybeAssignEpochStartOffset); ignored unless `epoch` is newer than the latest in the cache. Truncating
   * to the log end or beyond drops it again.
   */
  assignEpochStartOffset(epoch: number): void;
  /**
   * OffsetForLeaderEpoch: the largest epoch ≤ `epoch` in the cache and where it ends (the start of the next
   * epoch, or the log end for the latest); undefined when `epoch` is older than every entry.
   */
  endOffsetForEpoch(epoch: number): EpochEndOffset | undefined;
  /** Headers of up to `maxBatches` batches from the one holding `fromOffset` (no record bytes are read). */
  batchHeaders(fromOffset: bigint, maxBatches: number): readonly LogBatchHeader[];
  /** Resolves once everything below `upTo` is on disk; concurrent callers share one fsync. */
  flush(upTo: bigint): Promise<void>;
}

export interface PartitionLogManager {
  /** Log directories with whether each is online. */
  logDirs(): readonly { readonly path: string; readonly online: boolean; readonly totalBytes: bigint; readonly usableBytes: bigint }[];
  /** Opens or creates the partition's log (in the least loaded online dir when new). */
  getOrCreateLog(topic: string, partition: number, topicId: string, config: TopicLogConfig): PartitionLog;
  /** Every log in the online log dirs, whether or not a partition of the metadata uses it. */
  heldLogs(): readonly HeldLog[];
  /** The partition's own directory (`<log dir>/<topic>-<partition>`), if it has a log. */
  logDirOf(topic: string, partition: number): string | undefined;
  /** Removes the log (the directory is renamed and deleted asynchronously, as Kafka does). */
  deleteLog(topic: string, partition: number): Promise<void>;
  updateConfig(topic: string, partition: number, config: TopicLogConfig): void;
  /** Throws KAFKA_STORAGE_ERROR while the partition's log dir refuses appends (low on space). */
  checkWritable(topic: string, partition: number): void;
  /** Takes in a storage error of the partition's log; true when its whole log dir is now offline (a failed
   * disk), false when only the request failed (a full disk, no file descriptors left). */
  reportFailure(topic: string, partition: number, error: unknown): boolean;
  /** The high watermark last checkpointed for the partition (`replication-offset-checkpoint`, read at start), if any. */
  checkpointedHighWatermark(topic: string, partition: number): bigint | undefined;
  /**
   * Writes the high watermarks into each online log dir's `replication-offset-checkpoint`, off the event
   * loop and one write of a file at a time; resolves once they are durable (a failed dir goes offline).
   */
  checkpointHighWatermarks(highWatermarks: readonly PartitionOffset[]): Promise<void>;
  close(): Promise<void>;
}

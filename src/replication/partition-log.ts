/**
 * What the partition layer uses of the storage engine's `Log` and `LogManager` (src/storage): the calls
 * named in DESIGN.md's storage contract, typed here so the partition layer states its own needs.
 */

export interface LogAppendOptions {
  readonly leaderEpoch: number;
  /** Set for LogAppendTime topics: the engine stamps this time into the batch. */
  readonly logAppendTime?: bigint;
  readonly maxMessageBytes: number;
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

export interface TimestampAndOffset {
  readonly timestamp: bigint;
  readonly offset: bigint;
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
  append(batch: Buffer, options: LogAppendOptions): LogAppendInfo;
  /** Whole batches from the one containing `offset`, at least one batch, stopping before `maxOffset`. */
  read(offset: bigint, maxBytes: number, maxOffset: bigint): LogReadResult;
  /** The first offset whose timestamp is ≥ `timestamp`, or undefined. */
  offsetForTimestamp(timestamp: bigint): TimestampAndOffset | undefined;
  /** The largest timestamp and the offset of the record holding it (ListOffsets -3), or undefined if empty. */
  maxTimestamp(): TimestampAndOffset | undefined;
  deleteRecordsBefore(offset: bigint): void;
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
  /** The partition's own directory (`<log dir>/<topic>-<partition>`), if it has a log. */
  logDirOf(topic: string, partition: number): string | undefined;
  /** Removes the log (the directory is renamed and deleted asynchronously, as Kafka does). */
  deleteLog(topic: string, partition: number): Promise<void>;
  updateConfig(topic: string, partition: number, config: TopicLogConfig): void;
  close(): Promise<void>;
}

/** The topic settings the engine applies (segment size, roll, retention, cleanup, index interval). */
export type TopicLogConfig = Readonly<Record<string, string | number | boolean | readonly string[] | null>>;

/**
 * An in-memory `PartitionLog` and the `PartitionLogManager` that creates them, with the native-backed
 * log's contract (test/replication/partition-log-contract.test.ts holds both to it), so the partition
 * layer is tested without disks. Input is validated by the engine's own `validateBatches` (what the
 * native append runs first), so refusals carry the same error codes; offsets, stamping, reads,
 * truncation, deletion and lookups by time are done here. Nothing in production uses it, so it lives in
 * test support.
 */
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { type BatchHeader, readBatchHeader } from '../../src/record/batch.js';
import { crc32c } from '../../src/record/crc.js';
import { RecordBatchView } from '../../src/record/records.js';
import type {
  LogAppendInfo,
  LogAppendOptions,
  EpochEndOffset,
  EpochEntry,
  HeldLog,
  LogBatchHeader,
  LogReadResult,
  PartitionLog,
  PartitionLogManager,
  PartitionOffset,
  TimestampAndOffset,
  TopicLogConfig,
} from '../../src/replication/partition-log.js';
import { validateBatches } from '../../src/record/validate.js';

/** Fields the log stamps, as in native/src/record/batch.rs. */
const PARTITION_LEADER_EPOCH_AT = 12;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
const MAX_TIMESTAMP_AT = 35;
const LOG_APPEND_TIME_FLAG = 0x08;

interface StoredBatch {
  readonly bytes: Buffer;
  readonly header: BatchHeader;
  readonly lastOffset: bigint;
}

const EMPTY_READ: LogReadResult = Object.freeze({ views: [], bytes: 0, release() {} });

export class MemoryLog implements PartitionLog {
  #batches: StoredBatch[] = [];
  #logStartOffset = 0n;
  #logEndOffset = 0n;
  #epochs: EpochEntry[] = [];
  /** Reads not released yet (the native log's `outstandingViews`). */
  outstandingViews = 0;

  get logStartOffset(): bigint {
    return this.#logStartOffset;
  }

  get logEndOffset(): bigint {
    return this.#logEndOffset;
  }

  get size(): number {
    return this.#batches.reduce((sum, batch) => sum + batch.bytes.length, 0);
  }

  append(batches: Buffer, options: LogAppendOptions): LogAppendInfo {
    const validated = validateBatches(batches, { maxBatchBytes: options.maxMessageBytes, validateRecords: options.validateRecords });
    const baseOffset = this.#logEndOffset;
    let next = baseOffset;
    const stored: StoredBatch[] = [];
    for (const batch of validated) {
      const bytes = batches.subarray(batch.position, batch.position + batch.size);
      bytes.writeBigInt64BE(next, 0);
      bytes.writeInt32BE(options.leaderEpoch, PARTITION_LEADER_EPOCH_AT);
      if (options.logAppendTime !== undefined) stampLogAppendTime(bytes, options.logAppendTime);
      const header = readBatchHeader(bytes);
      const lastOffset = next + BigInt(header.lastOffsetDelta);
      stored.push({ bytes: Buffer.from(bytes), header, lastOffset });
      next = lastOffset + 1n;
    }
    this.#batches.push(...stored);
    this.#logEndOffset = next;
    this.#assignEpoch(options.leaderEpoch, baseOffset);
    return { baseOffset, lastOffset: next - 1n, logAppendTimeMs: options.logAppendTime ?? -1n };
  }

  appendAsFollower(batches: Buffer): LogAppendInfo {
    const stored: StoredBatch[] = [];
    let next = this.#logEndOffset;
    for (let position = 0; position < batches.length; ) {
      const header = readBatchHeader(batches, position);
      const bytes = batches.subarray(position, position + header.sizeInBytes);
      if (bytes.readUInt32BE(CRC_AT) !== crc32c(bytes.subarray(ATTRIBUTES_AT))) {
        throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `replicated batch at byte ${position} fails its CRC`);
      }
      if (header.baseOffset < next) {
        throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `replicated batch at offset ${header.baseOffset} does not follow offset ${next - 1n}`);
      }
      const lastOffset = header.baseOffset + BigInt(header.lastOffsetDelta);
      stored.push({ bytes: Buffer.from(bytes), header, lastOffset });
      next = lastOffset + 1n;
      position += header.sizeInBytes;
    }
    if (stored.length === 0) throw new KafkaError(ErrorCode.INVALID_RECORD, 'no record batch');
    this.#batches.push(...stored);
    this.#logEndOffset = next;
    for (const batch of stored) this.#assignEpoch(batch.bytes.readInt32BE(PARTITION_LEADER_EPOCH_AT), batch.header.baseOffset);
    return { baseOffset: stored[0]!.header.baseOffset, lastOffset: next - 1n, logAppendTimeMs: -1n };
  }

  leaderEpochs(): readonly EpochEntry[] {
    return [...this.#epochs];
  }

  assignEpochStartOffset(epoch: number): void {
    this.#assignEpoch(epoch, this.#logEndOffset);
  }

  endOffsetForEpoch(epoch: number): EpochEndOffset | undefined {
    const index = lastIndexOf(this.#epochs, (entry) => entry.epoch <= epoch);
    if (index < 0) return undefined;
    return { epoch: this.#epochs[index]!.epoch, endOffset: this.#epochs[index + 1]?.startOffset ?? this.#logEndOffset };
  }

  truncateFullyAndStartAt(offset: bigint): bigint {
    this.#batches = [];
    this.#logStartOffset = this.#logEndOffset = offset;
    this.#epochs = [];
    return offset;
  }

  read(offset: bigint, maxBytes: number, maxOffset: bigint): LogReadResult {
    this.#checkInRange(offset);
    const views: Buffer[] = [];
    let bytes = 0;
    for (const batch of this.#from(offset)) {
      if (batch.lastOffset >= maxOffset || (views.length > 0 && bytes + batch.bytes.length > maxBytes)) break;
      views.push(batch.bytes);
      bytes += batch.bytes.length;
    }
    if (views.length === 0) return EMPTY_READ;
    this.outstandingViews++;
    let released = false;
    return {
      views,
      bytes,
      release: () => {
        if (released) return;
        released = true;
        this.outstandingViews--;
      },
    };
  }

  offsetForTimestamp(timestamp: bigint, maxOffset = this.#logEndOffset): TimestampAndOffset | undefined {
    return this.#firstRecord(
      (batch) => batch.header.maxTimestamp >= timestamp,
      (ts) => ts >= timestamp,
      maxOffset,
    );
  }

  maxTimestamp(): TimestampAndOffset | undefined {
    // biome-ignore lint/complexity/useMathMinMax: timestamps are bigints, which Math.max does not take
    const max = this.#from(this.#logStartOffset).reduce((found, batch) => (batch.header.maxTimestamp > found ? batch.header.maxTimestamp : found), -1n);
    if (max < 0n) return undefined;
    return this.#firstRecord(
      (batch) => batch.header.maxTimestamp === max,
      (ts) => ts === max,
      this.#logEndOffset,
    );
  }

  truncateTo(offset: bigint): bigint {
    if (offset < this.#logEndOffset) {
      if (offset <= this.#logStartOffset) return this.truncateFullyAndStartAt(this.#logStartOffset);
      this.#batches = this.#batches.filter((batch) => batch.lastOffset < offset);
      const last = this.#batches.at(-1);
      this.#logEndOffset = last ? last.lastOffset + 1n : this.#logStartOffset;
    }
    this.#epochs = this.#epochs.filter((entry) => entry.startOffset < this.#logEndOffset);
    return this.#logEndOffset;
  }

  deleteRecordsBefore(offset: bigint): void {
    if (offset > this.#logEndOffset) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `cannot delete records before ${offset}: the log ends at ${this.#logEndOffset}`);
    }
    if (offset <= this.#logStartOffset) return;
    this.#logStartOffset = offset;
    this.#batches = this.#batches.filter((batch) => batch.lastOffset >= offset);
    // The epoch holding the new start is kept, moved to start there (the engine's truncate_from_start).
    const firstKept = Math.max(
      0,
      lastIndexOf(this.#epochs, (entry) => entry.startOffset <= offset),
    );
    this.#epochs = this.#epochs.slice(firstKept).map((entry, i) => (i === 0 && entry.startOffset < offset ? { ...entry, startOffset: offset } : entry));
  }

  batchHeaders(fromOffset: bigint, maxBatches: number): readonly LogBatchHeader[] {
    this.#checkInRange(fromOffset);
    return this.#from(fromOffset)
      .slice(0, maxBatches)
      .map((batch) => batch.header);
  }

  /** Records that `epoch` starts at `startOffset` when it is newer than the latest epoch (the engine's rule). */
  #assignEpoch(epoch: number, startOffset: bigint): void {
    const latest = this.#epochs.at(-1);
    if (epoch >= 0 && (latest === undefined || epoch > latest.epoch)) this.#epochs.push({ epoch, startOffset });
  }

  /** Memory is as durable as this log gets. */
  async flush(): Promise<void> {}

  /** The batches from the one holding `offset` on. */
  #from(offset: bigint): StoredBatch[] {
    const first = this.#batches.findIndex((batch) => batch.lastOffset >= offset);
    return first < 0 ? [] : this.#batches.slice(first);
  }

  /** The first record from the log start below `maxOffset` whose timestamp matches, looking only into batches that may hold one. */
  #firstRecord(mayHold: (batch: StoredBatch) => boolean, matches: (timestamp: bigint) => boolean, maxOffset: bigint): TimestampAndOffset | undefined {
    for (const batch of this.#from(this.#logStartOffset)) {
      if (batch.header.baseOffset >= maxOffset) return undefined;
      if (!mayHold(batch)) continue;
      const records = RecordBatchView.decode(batch.bytes);
      for (let i = 0; i < records.count; i++) {
        const offset = records.offset(i);
        if (offset >= this.#logStartOffset && offset < maxOffset && matches(records.timestamp(i))) return { offset, timestamp: records.timestamp(i) };
      }
    }
    return undefined;
  }

  #checkInRange(offset: bigint): void {
    if (offset < this.#logStartOffset || offset > this.#logEndOffset) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is outside [${this.#logStartOffset}, ${this.#logEndOffset}]`);
    }
  }
}

/** The index of the last entry that matches, or -1 (Array.findLastIndex is newer than the library target). */
function lastIndexOf<T>(entries: readonly T[], matches: (entry: T) => boolean): number {
  for (let i = entries.length - 1; i >= 0; i--) if (matches(entries[i]!)) return i;
  return -1;
}

/** The LogAppendTime bit and max timestamp, then the CRC they are covered by. */
function stampLogAppendTime(batch: Buffer, timestamp: bigint): void {
  batch.writeInt16BE(batch.readInt16BE(ATTRIBUTES_AT) | LOG_APPEND_TIME_FLAG, ATTRIBUTES_AT);
  batch.writeBigInt64BE(timestamp, MAX_TIMESTAMP_AT);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_AT)), CRC_AT);
}

/** Partition logs in memory; one pretend log dir, and no partition directories (so no producer snapshots). */
export class MemoryLogManager implements PartitionLogManager {
  static readonly LOG_DIR = 'memory';
  readonly #logs = new Map<string, MemoryLog>();
  /** The topic id each log was created for, by `topic-partition`. */
  readonly #topicIds = new Map<string, string>();
  /** Topic settings by partition, as last given (segments and retention mean nothing here). */
  readonly configs = new Map<string, TopicLogConfig>();
  /** The high watermarks of the last checkpoint, by `topic-partition` (read back as checkpointed ones). */
  readonly highWatermarks = new Map<string, bigint>();
  closed = false;

  logDirs(): readonly { readonly path: string; readonly online: boolean; readonly totalBytes: bigint; readonly usableBytes: bigint }[] {
    return [{ path: MemoryLogManager.LOG_DIR, online: true, totalBytes: 0n, usableBytes: 0n }];
  }

  getOrCreateLog(topic: string, partition: number, topicId: string, config: TopicLogConfig): MemoryLog {
    const name = `${topic}-${partition}`;
    this.configs.set(name, config);
    let log = this.#logs.get(name);
    if (!log) {
      this.#logs.set(name, (log = new MemoryLog()));
      this.#topicIds.set(name, topicId);
    }
    return log;
  }

  heldLogs(): HeldLog[] {
    return [...this.#logs.keys()].map((name) => {
      const [, topic, partition] = /^(.+)-(\d+)$/.exec(name)!;
      return { topic: topic!, partition: Number(partition), topicId: this.#topicIds.get(name) };
    });
  }

  getLog(topic: string, partition: number): MemoryLog | undefined {
    return this.#logs.get(`${topic}-${partition}`);
  }

  logDirOf(): string | undefined {
    return undefined;
  }

  async deleteLog(topic: string, partition: number): Promise<void> {
    this.#logs.delete(`${topic}-${partition}`);
    this.#topicIds.delete(`${topic}-${partition}`);
    this.configs.delete(`${topic}-${partition}`);
    this.highWatermarks.delete(`${topic}-${partition}`);
  }

  updateConfig(topic: string, partition: number, config: TopicLogConfig): void {
    if (this.#logs.has(`${topic}-${partition}`)) this.configs.set(`${topic}-${partition}`, config);
  }

  checkWritable(): void {}

  checkpointedHighWatermark(topic: string, partition: number): bigint | undefined {
    return this.highWatermarks.get(`${topic}-${partition}`);
  }

  async checkpointHighWatermarks(highWatermarks: readonly PartitionOffset[]): Promise<void> {
    this.highWatermarks.clear();
    for (const { topic, partition, offset } of highWatermarks) {
      if (this.#logs.has(`${topic}-${partition}`)) this.highWatermarks.set(`${topic}-${partition}`, offset);
    }
  }

  /** Every storage error counts as a failed disk here: the in-memory log has no resources to run out of. */
  reportFailure(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

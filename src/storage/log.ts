/**
 * `Log`: one partition's log, the TypeScript face of the native engine's `NativeLog`. Calls are batch
 * granular (one native call per append or read, never per record) and every native error surfaces as a
 * `KafkaError` (see errors.ts).
 *
 * API (offsets are bigint, sizes numbers, timestamps bigint ms):
 * - `append(batches, { leaderEpoch, logAppendTime?, maxMessageBytes, validateRecords? })` → `{ baseOffset,
 *   lastOffset, logAppendTimeMs }`. `batches` is one or more whole RecordBatch v2 batches as a
 *   producer sent them; it is validated (CRC, header, records), stamped IN PLACE (baseOffset,
 *   partitionLeaderEpoch and, when `logAppendTime` is set, the LogAppendTime bit and maxTimestamp) and
 *   copied into the active segment. All or nothing.
 * - `appendAsFollower(batches)` → the same result: batches fetched from the leader, appended as they are
 *   (offsets and leader epochs already assigned; CRCs and headers checked, records not parsed, nothing
 *   stamped); their new leader epochs go to the leader-epoch cache. OFFSET_OUT_OF_RANGE if they start
 *   below the log end. All or nothing.
 * - `read(offset, maxBytes, maxOffset)` → `{ views, bytes, firstOffset, nextOffset, release() }`: whole
 *   batches from the one holding `offset`, at least one even when larger than maxBytes, none reaching
 *   `maxOffset` (pass the high watermark), from one segment. `views` are `Buffer`s over the mapped
 *   segment (zero copy; every read of a segment shares its one ArrayBuffer). Call `release()` once the
 *   views are written out: after that the views may read as empty (the segment can be unmapped), never
 *   as other memory. OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset].
 * - `logStartOffset`, `logEndOffset`, `recoveryPoint`, `size` (logical bytes), `segments()`.
 * - `offsetForTimestamp(ts, maxOffset?)` (first record with timestamp ≥ ts, looking inside compressed
 *   batches) and `maxTimestamp()`; both `{ offset, timestamp } | undefined`.
 * - `truncateTo(offset)` (followers; logical), `truncateFullyAndStartAt(offset)`,
 *   `deleteRecordsBefore(offset)`, `enforceRetention(nowMs)`, `roll()`.
 * - `flush(upTo?)`: resolves once every offset below `upTo` (default: everything appended) is on disk;
 *   runs on a native thread, concurrent callers share one fdatasync (group commit).
 * - `batchHeaders(fromOffset, maxBatches)`: headers of the batches from an offset (producer-state rebuild).
 * - `leaderEpochs()`, `assignEpochStartOffset(epoch)` (a new leader's, at the log end),
 *   `endOffsetForEpoch(epoch)` (OffsetForLeaderEpoch), `close()`.
 */
import type { NativeBatchInfo, NativeLog, NativeLogConfig } from '../../native/index.js';
import { firstOffsetOf, lastOffsetOf } from '../record/batch.js';
import { native } from './native.js';
import { toKafkaError } from './errors.js';

export type BatchInfo = NativeBatchInfo;

export interface AppendOptions {
  readonly leaderEpoch: number;
  /** Set for LogAppendTime topics: the time (ms) stamped into every batch. */
  readonly logAppendTime?: bigint;
  /** The topic's `max.message.bytes`. */
  readonly maxMessageBytes: number;
  /** Parse every record (default true, as Kafka does for producer input). */
  readonly validateRecords?: boolean;
}

export interface AppendResult {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  /** The stamped LogAppendTime, or -1 for CreateTime. */
  readonly logAppendTimeMs: bigint;
}

export interface ReadResult {
  readonly views: readonly Buffer[];
  readonly bytes: number;
  /** Base offset of the first batch returned (-1 when empty). */
  readonly firstOffset: bigint;
  /** Offset after the last batch returned: where the next read continues (-1 when empty). */
  readonly nextOffset: bigint;
  /** Lets the segment go; idempotent. */
  release(): void;
}

export interface TimestampAndOffset {
  readonly timestamp: bigint;
  readonly offset: bigint;
}

export interface SegmentInfo {
  readonly baseOffset: bigint;
  readonly size: number;
  readonly maxTimestamp: bigint;
}

/** Settings of one log, Kafka's topic config names in camelCase; absent ones keep Kafka's defaults. */
export type LogConfig = NativeLogConfig;

export interface OpenOptions {
  /** From `recovery-point-offset-checkpoint`: offsets below it were flushed. */
  readonly recoveryPoint?: bigint;
  /** From `log-start-offset-checkpoint`. */
  readonly logStartOffset?: bigint;
  /** The log dir had its clean-shutdown marker. */
  readonly cleanShutdown: boolean;
}

export interface RecoveryReport {
  readonly segmentsChecked: number;
  readonly truncations: readonly { readonly baseOffset: bigint; readonly bytes: number; readonly reason: string }[];
  readonly deletedSegments: readonly bigint[];
}

const EMPTY_READ: ReadResult = Object.freeze({ views: [], bytes: 0, firstOffset: -1n, nextOffset: -1n, release() {} });

/** One read's view of a mapped segment; offsets are read from the batches on demand. */
class MappedRead implements ReadResult {
  readonly views: readonly Buffer[];
  readonly bytes: number;
  #native: NativeLog | undefined;
  readonly #bufferId: number;

  constructor(nativeLog: NativeLog, view: Buffer, bufferId: number) {
    this.views = [view];
    this.bytes = view.length;
    this.#native = nativeLog;
    this.#bufferId = bufferId;
  }

  get firstOffset(): bigint {
    return firstOffsetOf(this.#unreleasedView());
  }

  get nextOffset(): bigint {
    return lastOffsetOf(this.#unreleasedView()) + 1n;
  }

  /** The offsets live in the view, which may read as empty once released: asking after `release()` is a caller's bug, named here rather than as a bounds error some reads later. */
  #unreleasedView(): Buffer {
    if (this.#native === undefined) throw new Error('offsets of a log read asked after its release()');
    return this.views[0]!;
  }

  release(): void {
    const nativeLog = this.#native;
    if (nativeLog === undefined) return;
    this.#native = undefined;
    nativeLog.release(this.#bufferId);
  }
}

export class Log {
  readonly dir: string;
  readonly #native: NativeLog;
  /** The native flush running, and the offset it makes durable (everything below). */
  #flushing: { readonly upTo: bigint; readonly done: Promise<void> } | undefined;
  /** Where the native read writes [bufferId, position, length] (doubles), so it returns no object. */
  readonly #readOut = new Float64Array(3);
  readonly #readOutBytes = Buffer.from(this.#readOut.buffer);
  /** What opening recovered; undefined when the log was already open in this process. */
  readonly recoveryReport: RecoveryReport | undefined;

  private constructor(dir: string, nativeLog: NativeLog) {
    this.dir = dir;
    this.#native = nativeLog;
    this.recoveryReport = nativeLog.recoveryReport() ?? undefined;
  }

  /** Opens (creating when missing) the partition directory `dir`, recovering it after an unclean stop. */
  static open(dir: string, config: LogConfig, options: OpenOptions): Log {
    try {
      return new Log(dir, native.NativeLog.open(dir, config, options));
    } catch (error) {
      throw toKafkaError(error);
    }
  }

  append(batches: Buffer, options: AppendOptions): AppendResult {
    const logAppendTime = options.logAppendTime === undefined ? -1 : Number(options.logAppendTime);
    let baseOffset: bigint;
    try {
      baseOffset = this.#native.append(batches, options.leaderEpoch, options.maxMessageBytes, logAppendTime, options.validateRecords ?? true);
    } catch (error) {
      throw toKafkaError(error);
    }
    return { baseOffset, lastOffset: lastOffsetOf(batches), logAppendTimeMs: options.logAppendTime ?? -1n };
  }

  appendAsFollower(batches: Buffer): AppendResult {
    const logEndOffset = this.#call(() => this.#native.appendAsFollower(batches));
    return { baseOffset: firstOffsetOf(batches), lastOffset: logEndOffset - 1n, logAppendTimeMs: -1n };
  }

  read(offset: bigint, maxBytes: number, maxOffset: bigint): ReadResult {
    let buffer: ArrayBuffer | null;
    try {
      buffer = this.#native.read(offset, maxBytes, maxOffset, this.#readOutBytes);
    } catch (error) {
      throw toKafkaError(error);
    }
    if (buffer === null) return EMPTY_READ;
    const out = this.#readOut;
    return new MappedRead(this.#native, Buffer.from(buffer, out[1], out[2]), out[0]!);
  }

  /** Views handed out by `read` and not released yet. */
  get outstandingViews(): number {
    return this.#native.outstandingViews;
  }

  get logStartOffset(): bigint {
    return this.#call(() => this.#native.logStartOffset);
  }

  get logEndOffset(): bigint {
    return this.#call(() => this.#native.logEndOffset);
  }

  get recoveryPoint(): bigint {
    return this.#call(() => this.#native.recoveryPoint);
  }

  /** Logical bytes of all segments (what retention and DescribeLogDirs count). */
  get size(): number {
    return this.#call(() => this.#native.size);
  }

  segments(): readonly SegmentInfo[] {
    return this.#call(() => this.#native.segments());
  }

  setConfig(config: LogConfig): void {
    this.#call(() => this.#native.setConfig(config));
  }

  offsetForTimestamp(timestamp: bigint, maxOffset?: bigint): TimestampAndOffset | undefined {
    return this.#call(() => this.#native.offsetForTimestamp(timestamp, maxOffset)) ?? undefined;
  }

  maxTimestamp(): TimestampAndOffset | undefined {
    return this.#call(() => this.#native.maxTimestamp()) ?? undefined;
  }

  batchHeaders(fromOffset: bigint, maxBatches: number): readonly BatchInfo[] {
    return this.#call(() => this.#native.batchHeaders(fromOffset, maxBatches));
  }

  /** Removes the batches from the one holding `offset` on; returns the new log end (≤ offset). */
  truncateTo(offset: bigint): bigint {
    return this.#call(() => this.#native.truncateTo(offset));
  }

  truncateFullyAndStartAt(offset: bigint): bigint {
    return this.#call(() => this.#native.truncateFullyAndStartAt(offset));
  }

  /** Moves the log start offset (DeleteRecords); OFFSET_OUT_OF_RANGE past the log end. */
  deleteRecordsBefore(offset: bigint): void {
    this.#call(() => this.#native.deleteRecordsBefore(offset));
  }

  /** Deletes whole segments past retention.ms / retention.bytes; returns how many went. */
  enforceRetention(nowMs: number = Date.now()): number {
    return this.#call(() => this.#native.enforceRetention(nowMs));
  }

  roll(): void {
    this.#call(() => this.#native.roll());
  }

  leaderEpochs(): readonly { readonly epoch: number; readonly startOffset: bigint }[] {
    return this.#call(() => this.#native.leaderEpochs());
  }

  /** A new leader's epoch starts at the log end (ignored unless newer than the latest epoch). */
  assignEpochStartOffset(epoch: number): void {
    this.#call(() => this.#native.assignEpochStartOffset(epoch));
  }

  /** OffsetForLeaderEpoch: the largest known epoch ≤ `epoch` and its end offset. */
  endOffsetForEpoch(epoch: number): { readonly epoch: number; readonly endOffset: bigint } | undefined {
    return this.#call(() => this.#native.endOffsetForEpoch(epoch)) ?? undefined;
  }

  async flush(upTo?: bigint): Promise<void> {
    const target = upTo ?? this.logEndOffset;
    // One native flush per log at a time, covering everything appended when it starts: callers whose
    // offsets it covers share it. Each native flush holds a libuv pool thread, so a flush task per
    // request and partition would otherwise fill the pool with tasks blocked on the log's flush lock.
    while (this.#flushing) {
      if (this.#flushing.upTo >= target) return this.#flushing.done;
      await this.#flushing.done.catch(() => {});
    }
    if (this.recoveryPoint >= target) return;
    const upToNow = this.logEndOffset;
    const done = this.#native.flush(upToNow).then(
      () => {},
      (error: unknown) => {
        throw toKafkaError(error);
      },
    );
    const flushing = { upTo: upToNow, done };
    this.#flushing = flushing;
    try {
      await done;
    } finally {
      if (this.#flushing === flushing) this.#flushing = undefined;
    }
  }

  /** Everything below `upTo` is durable because the caller synced the whole filesystem. */
  markDurable(upTo: bigint): void {
    this.#call(() => this.#native.markDurable(upTo));
  }

  /** Closes the log; segments still viewed stay mapped until their views are released. */
  close(): void {
    this.#call(() => this.#native.close());
  }

  #call<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw toKafkaError(error);
    }
  }
}

/**
 * `LogManager`: the log dirs and the partition logs in them, in Kafka's on-disk layout.
 *
 * Per log dir: one `<topic>-<partition>` directory per log (segments, `leader-epoch-checkpoint`,
 * `partition.metadata`), plus `recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`,
 * `replication-offset-checkpoint` (the high watermarks, written for the replica manager) and the
 * clean-shutdown marker `.kafka_cleanshutdown`. (`meta.properties` belongs to src/cluster, which knows
 * the node and cluster ids.) Opening reads the checkpoints and the marker and deletes the marker, so a
 * crash from then on is recovered by scanning past the recovery points; `close()` makes every log
 * durable (one syncfs per log dir), writes the checkpoints and, when everything succeeded, the marker.
 *
 * A log dir that cannot be opened, or whose disk fails (EIO and the like), is offline until a restart: its
 * partitions answer KAFKA_STORAGE_ERROR while the others keep serving. New logs go to the online dir
 * holding the fewest. Running out of a resource is not a failed disk, whether an append or a checkpoint
 * meets it: a full disk (or one with less free than `minFreeBytes`, checked every second) refuses appends
 * to its partitions with KAFKA_STORAGE_ERROR while reads go on, and takes them again once space is freed
 * (a checkpoint it kept out is written at the next interval); running out of file descriptors fails the
 * request only.
 *
 * Flush policies: `never` (Kafka's default: the page cache; rolled segments are flushed by the periodic
 * checkpoint so the recovery scan covers only active segments), `interval` (everything every
 * `flushIntervalMs`) and `on-ack` (the broker flushes before answering acks=all; group-committed).
 * Timers are unref'd. Retention and compaction are not run here: the broker runs both in its partition
 * workers (src/broker/partition-maintenance.ts), off the event loop.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { Log, type LogConfig } from './log.js';
import { native } from './native.js';
import { CoalescedWrite } from './coalesced-write.js';
import { readPartitionMetadata, writePartitionMetadata } from './partition-metadata.js';
import { StorageError, StorageFault, storageFaultOf, toKafkaError } from './errors.js';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';
export const CLEAN_SHUTDOWN_MARKER = '.kafka_cleanshutdown';

export type FlushPolicy = 'never' | 'interval' | 'on-ack';

/** Topic settings by Kafka's property names (`segment.bytes`, `retention.ms`, ...) that the engine applies; others are ignored. */
export type TopicLogConfig = Readonly<Record<string, string | number | boolean | readonly string[] | null>>;

/** The small logging surface the manager needs (pino loggers fit). */
export interface StorageLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface LogManagerOptions {
  readonly logDirs: readonly string[];
  readonly flushPolicy?: FlushPolicy;
  /** For `interval`: how long data may stay unflushed (Kafka's log.flush.interval.ms). */
  readonly flushIntervalMs?: number;
  /** How often checkpoints are written (Kafka's log.flush.offset.checkpoint.interval.ms, 60 s). */
  readonly checkpointIntervalMs?: number;
  /** Applied under every topic's own settings (broker-level log.* defaults, Kafka topic names). */
  readonly defaultConfig?: TopicLogConfig;
  /** How appends reach segments: 'mmap' or 'pwrite' (default: the engine's). */
  readonly writeMode?: 'mmap' | 'pwrite';
  /** Free bytes each log dir keeps: below it appends are refused (gregor.log.dir.min.free.bytes; default 0). */
  readonly minFreeBytes?: number;
  readonly logger?: StorageLogger;
}

export interface LogDirInfo {
  readonly path: string;
  readonly online: boolean;
  readonly totalBytes: bigint;
  readonly usableBytes: bigint;
}

interface LogDir {
  readonly path: string;
  online: boolean;
  /** Appends refused until the free bytes reach `resumeAtBytes` (a write found the disk full, or the
   * free bytes fell below the minimum). */
  lowOnSpace: boolean;
  resumeAtBytes: bigint;
  readonly recoveryPoints: Map<string, bigint>;
  readonly logStartOffsets: Map<string, bigint>;
  /** The high watermarks last checkpointed (read at start, replaced by each checkpoint). */
  readonly highWatermarks: Map<string, bigint>;
  /** Writes of `replication-offset-checkpoint`, one at a time. */
  readonly highWatermarkWrites: CoalescedWrite<readonly PartitionOffset[]>;
  readonly cleanShutdown: boolean;
}

/** One partition's offset in a checkpoint. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/** A log held in a log dir, with the topic id recorded with it when it was created (undefined where that record was lost). */
export interface HeldLog {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string | undefined;
}

interface Entry {
  readonly topic: string;
  readonly partition: number;
  readonly dir: LogDir;
  readonly log: Log;
}

const SILENT: StorageLogger = { info() {}, warn() {}, error() {} };
const FREE_SPACE_CHECK_MS = 1_000;
/** After a write found the disk full, appends resume only once this much more than the minimum is free
 * (the engine reserves up to 16 MiB ahead of a busy writer), so they do not flap at the edge. */
const DISK_FULL_RESUME_MARGIN = 16n << 20n;
const PARTITION_DIR = /^(.+)-(\d+)$/;

/** Kafka topic config → engine settings. */
export function toLogConfig(config: TopicLogConfig, writeMode?: 'mmap' | 'pwrite'): LogConfig {
  const number = (name: string): number | undefined => {
    const value = config[name];
    return value === undefined || value === null ? undefined : Number(value);
  };
  return {
    segmentBytes: number('segment.bytes'),
    segmentMs: number('segment.ms'),
    segmentIndexBytes: number('segment.index.bytes'),
    indexIntervalBytes: number('index.interval.bytes'),
    retentionBytes: number('retention.bytes'),
    retentionMs: number('retention.ms'),
    writeMode,
  };
}

export class LogManager {
  readonly #dirs: LogDir[];
  readonly #logs = new Map<string, Entry>();
  readonly #options: LogManagerOptions;
  readonly #logger: StorageLogger;
  readonly #timers: NodeJS.Timeout[] = [];
  #closed = false;

  private constructor(dirs: LogDir[], options: LogManagerOptions) {
    this.#dirs = dirs;
    this.#options = options;
    this.#logger = options.logger ?? SILENT;
  }

  /** Opens every log dir and every partition log in them (recovering after an unclean stop). */
  static async open(options: LogManagerOptions): Promise<LogManager> {
    if (options.logDirs.length === 0) throw new KafkaError(ErrorCode.LOG_DIR_NOT_FOUND, 'no log dirs configured');
    const manager = new LogManager(
      options.logDirs.map((path) => loadDir(path, options.logger ?? SILENT)),
      options,
    );
    for (const dir of manager.#dirs) if (dir.online) manager.#openLogs(dir);
    manager.checkFreeSpace();
    manager.#startTimers();
    return manager;
  }

  #openLogs(dir: LogDir): void {
    for (const name of readdirSync(dir.path)) {
      if (name.endsWith('-delete')) {
        void rm(join(dir.path, name), { recursive: true, force: true });
        continue;
      }
      const match = PARTITION_DIR.exec(name);
      if (!match) continue;
      try {
        this.#openLog(dir, match[1]!, Number(match[2]));
      } catch (error) {
        dir.online = false;
        this.#logger.error({ err: error, dir: dir.path, partition: name }, 'log dir offline: a log failed to open');
        return;
      }
    }
  }

  #openLog(dir: LogDir, topic: string, partition: number, config: TopicLogConfig = {}): Entry {
    const name = `${topic}-${partition}`;
    const log = Log.open(join(dir.path, name), this.#config(config), {
      recoveryPoint: dir.recoveryPoints.get(name),
      logStartOffset: dir.logStartOffsets.get(name),
      cleanShutdown: dir.cleanShutdown,
    });
    const report = log.recoveryReport;
    if (report && (report.truncations.length > 0 || report.deletedSegments.length > 0)) {
      for (const truncation of report.truncations) {
        this.#logger.warn({ partition: name, ...truncation }, 'recovery truncated a torn or corrupt segment tail');
      }
      if (report.deletedSegments.length > 0) {
        this.#logger.error({ partition: name, deletedSegments: report.deletedSegments }, 'corruption in the middle of the log: later segments deleted');
      }
    }
    const entry = { topic, partition, dir, log };
    this.#logs.set(name, entry);
    return entry;
  }

  #config(config: TopicLogConfig): LogConfig {
    return toLogConfig({ ...this.#options.defaultConfig, ...config }, this.#options.writeMode);
  }

  get flushPolicy(): FlushPolicy {
    return this.#options.flushPolicy ?? 'never';
  }

  logDirs(): readonly LogDirInfo[] {
    return this.#dirs.map((dir) => {
      if (!dir.online) return { path: dir.path, online: false, totalBytes: 0n, usableBytes: 0n };
      const stats = statfsSync(dir.path, { bigint: true });
      return { path: dir.path, online: true, totalBytes: stats.blocks * stats.bsize, usableBytes: stats.bavail * stats.bsize };
    });
  }

  /** Refuses an append to the partition while its log dir is low on space (StorageError, DISK_FULL). */
  checkWritable(topic: string, partition: number): void {
    const dir = this.#logs.get(`${topic}-${partition}`)?.dir;
    if (dir?.lowOnSpace) {
      throw new StorageError(StorageFault.DISK_FULL, `log dir ${dir.path} is low on space: appends resume once ${dir.resumeAtBytes} bytes are free`);
    }
  }

  /**
   * Takes in a storage error of the partition's log and returns whether its log dir is now offline: only
   * a failed disk takes it offline (logged at error level); a full disk makes the dir refuse appends
   * until space is freed, and running out of descriptors fails the request only (both logged at warn).
   */
  reportFailure(topic: string, partition: number, error: unknown): boolean {
    const dir = this.#logs.get(`${topic}-${partition}`)?.dir;
    return this.#storageFailure(dir, storageFaultOf(error), error, { partition: `${topic}-${partition}` });
  }

  #storageFailure(dir: LogDir | undefined, fault: StorageFault | undefined, error: unknown, details: object): boolean {
    switch (fault) {
      case StorageFault.FAILED_DISK:
        if (dir?.online) this.#offline(dir, error);
        return true;
      case StorageFault.DISK_FULL:
        if (dir?.online) this.#lowOnSpace(dir, BigInt(this.#options.minFreeBytes ?? 0) + DISK_FULL_RESUME_MARGIN, { err: error, ...details });
        return false;
      case StorageFault.TOO_MANY_OPEN_FILES:
        this.#logger.warn({ err: error, ...details }, 'out of file descriptors: the operation failed, the log dir stays online');
        return false;
      default:
        return false;
    }
  }

  #lowOnSpace(dir: LogDir, resumeAtBytes: bigint, details: object): void {
    dir.resumeAtBytes = resumeAtBytes;
    if (dir.lowOnSpace) return;
    dir.lowOnSpace = true;
    this.#logger.warn(
      { dir: dir.path, resumeAtBytes: String(resumeAtBytes), ...details },
      'log dir low on space: appends to its partitions are refused until space is freed',
    );
  }

  /** Compares each online dir's free bytes with the minimum: warns once when a dir falls below, informs once when it recovers. */
  checkFreeSpace(): void {
    const minFree = BigInt(this.#options.minFreeBytes ?? 0);
    for (const dir of this.#dirs) {
      if (!dir.online) continue;
      let free: bigint;
      try {
        const stats = statfsSync(dir.path, { bigint: true });
        free = stats.bavail * stats.bsize;
      } catch (error) {
        this.#offline(dir, error);
        continue;
      }
      if (!dir.lowOnSpace && free < minFree) {
        this.#lowOnSpace(dir, minFree, { freeBytes: String(free), minFreeBytes: String(minFree) });
      } else if (dir.lowOnSpace && free >= dir.resumeAtBytes) {
        dir.lowOnSpace = false;
        this.#logger.info({ dir: dir.path, freeBytes: String(free) }, 'log dir has space again: appends resume');
      }
    }
  }

  /** The partition's log; KAFKA_STORAGE_ERROR when its dir is offline, undefined when there is none. */
  getLog(topic: string, partition: number): Log | undefined {
    const entry = this.#logs.get(`${topic}-${partition}`);
    if (entry && !entry.dir.online) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log dir ${entry.dir.path} is offline`);
    return entry?.log;
  }

  /** Opens or creates the partition's log (new logs go to the online dir with the fewest logs). A log
   * recorded under another topic id (a deleted topic's leftovers) is INCONSISTENT_TOPIC_ID. */
  getOrCreateLog(topic: string, partition: number, topicId: string | undefined, config: TopicLogConfig = {}): Log {
    const existing = this.getLog(topic, partition);
    if (existing) {
      const recorded = readPartitionMetadata(existing.dir);
      if (topicId !== undefined && recorded !== undefined && recorded !== topicId) {
        throw new KafkaError(ErrorCode.INCONSISTENT_TOPIC_ID, `${topic}-${partition} belongs to topic id ${recorded}`);
      }
      if (topicId !== undefined && recorded === undefined) writePartitionMetadata(existing.dir, topicId);
      existing.setConfig(this.#config(config));
      return existing;
    }
    const dir = this.#leastLoadedDir();
    const path = join(dir.path, `${topic}-${partition}`);
    try {
      mkdirSync(path, { recursive: true });
      if (topicId !== undefined) writePartitionMetadata(path, topicId);
      return this.#openLog(dir, topic, partition, config).log;
    } catch (error) {
      // Half a partition directory would be opened as a log at the next start.
      rmSync(path, { recursive: true, force: true });
      throw toKafkaError(error);
    }
  }

  #leastLoadedDir(): LogDir {
    const counts = new Map<LogDir, number>(this.#dirs.filter((d) => d.online).map((d) => [d, 0]));
    if (counts.size === 0) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'every log dir is offline');
    for (const entry of this.#logs.values()) if (counts.has(entry.dir)) counts.set(entry.dir, counts.get(entry.dir)! + 1);
    return [...counts.entries()].reduce((best, next) => (next[1] < best[1] ? next : best))[0];
  }

  /** The partition directory of the log, if it exists. */
  logDirOf(topic: string, partition: number): string | undefined {
    return this.#logs.get(`${topic}-${partition}`)?.log.dir;
  }

  /** Every open log with its topic and partition. */
  *logs(): IterableIterator<{ readonly topic: string; readonly partition: number; readonly log: Log }> {
    for (const { topic, partition, log, dir } of this.#logs.values()) if (dir.online) yield { topic, partition, log };
  }

  /** Every log in the online dirs with the topic id its `partition.metadata` records (undefined where that file was lost). */
  heldLogs(): HeldLog[] {
    return [...this.logs()].map(({ topic, partition, log }) => ({ topic, partition, topicId: readPartitionMetadata(log.dir) }));
  }

  updateConfig(topic: string, partition: number, config: TopicLogConfig): void {
    this.getLog(topic, partition)?.setConfig(this.#config(config));
  }

  /** Closes and removes the log: its directory is renamed `<name>.<id>-delete` and removed in the
   * background (views still in use keep their segments mapped). */
  async deleteLog(topic: string, partition: number): Promise<void> {
    const name = `${topic}-${partition}`;
    const entry = this.#logs.get(name);
    if (!entry) return;
    this.#logs.delete(name);
    entry.dir.recoveryPoints.delete(name);
    entry.dir.logStartOffsets.delete(name);
    entry.dir.highWatermarks.delete(name);
    entry.log.close();
    const doomed = join(entry.dir.path, `${name}.${randomUUID().replace(/-/g, '')}-delete`);
    renameSync(entry.log.dir, doomed);
    await rm(doomed, { recursive: true, force: true });
  }

  /** Flushes every log: everything (`all`) or only rolled segments (what `never` keeps durable). */
  async flushAll(all = true): Promise<void> {
    await Promise.all(
      [...this.logs()].map(async ({ log }) => {
        const upTo = all ? log.logEndOffset : log.segments().at(-1)!.baseOffset;
        if (log.recoveryPoint < upTo) await log.flush(upTo);
      }),
    );
  }

  /** Writes each online dir's recovery-point and log-start-offset checkpoints; false when one could not be written. */
  checkpoint(): boolean {
    let written = true;
    for (const dir of this.#dirs) {
      if (!dir.online) continue;
      const recovery: { topic: string; partition: number; offset: bigint }[] = [];
      const starts: { topic: string; partition: number; offset: bigint }[] = [];
      for (const { topic, partition, log, dir: logDir } of this.#logs.values()) {
        if (logDir !== dir) continue;
        recovery.push({ topic, partition, offset: log.recoveryPoint });
        starts.push({ topic, partition, offset: log.logStartOffset });
      }
      if (!this.#writeCheckpoint(dir, RECOVERY_POINT_CHECKPOINT, recovery) || !this.#writeCheckpoint(dir, LOG_START_OFFSET_CHECKPOINT, starts)) {
        written = false;
      }
    }
    return written;
  }

  /** The high watermark last checkpointed for the partition in its log dir (by this process or before it started), if any. */
  checkpointedHighWatermark(topic: string, partition: number): bigint | undefined {
    const name = `${topic}-${partition}`;
    return this.#logs.get(name)?.dir.highWatermarks.get(name);
  }

  /**
   * Writes each online dir's `replication-offset-checkpoint` with the high watermarks given for its logs
   * (partitions without a log here are left out), on the libuv pool: the fsyncs keep off the event loop.
   * A dir's writes run one at a time; those asked for while one runs are coalesced into one write of the
   * newest high watermarks after it. Resolves once they are durable; a failed one is a storage failure of
   * the dir as any checkpoint's (see #checkpointFailed).
   */
  async checkpointHighWatermarks(highWatermarks: readonly PartitionOffset[]): Promise<void> {
    const byDir = new Map<LogDir, PartitionOffset[]>(this.#dirs.filter((d) => d.online).map((d) => [d, []]));
    for (const entry of highWatermarks) {
      const dir = this.#logs.get(`${entry.topic}-${entry.partition}`)?.dir;
      if (dir) byDir.get(dir)?.push(entry);
    }
    await Promise.all(
      [...byDir].map(([dir, entries]) =>
        dir.highWatermarkWrites.write(entries).catch((error: unknown) => this.#checkpointFailed(dir, REPLICATION_OFFSET_CHECKPOINT, error)),
      ),
    );
  }

  /** Replaces one checkpoint file of the dir (written aside, then renamed: a failed write leaves the previous one whole) and returns whether it was written. */
  #writeCheckpoint(dir: LogDir, file: string, entries: PartitionOffset[]): boolean {
    try {
      native.writeOffsetCheckpoint(join(dir.path, file), entries);
      return true;
    } catch (error) {
      this.#checkpointFailed(dir, file, error);
      return false;
    }
  }

  /**
   * A checkpoint that could not be written: a failed disk takes the dir offline, as any I/O error does in
   * Kafka's checkpoints; a full disk only refuses appends until space is freed, like an append that found it
   * full, and the next interval writes the checkpoint again.
   */
  #checkpointFailed(dir: LogDir, file: string, error: unknown): void {
    const failure = toKafkaError(error);
    const fault = failure instanceof StorageError ? failure.fault : StorageFault.FAILED_DISK;
    this.#storageFailure(dir, fault, failure, { checkpoint: file });
  }

  #offline(dir: LogDir, error: unknown): void {
    dir.online = false;
    this.#logger.error({ err: error, dir: dir.path }, 'log dir offline');
  }

  #startTimers(): void {
    const every = (ms: number, task: () => Promise<void> | void): void => {
      const timer = setInterval(() => {
        Promise.resolve()
          .then(task)
          .catch((error: unknown) => this.#logger.error({ err: error }, 'background storage task failed'));
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    const checkpointMs = this.#options.checkpointIntervalMs ?? 60_000;
    every(FREE_SPACE_CHECK_MS, () => this.checkFreeSpace());
    every(checkpointMs, async () => {
      await this.flushAll(false);
      this.checkpoint();
    });
    if (this.flushPolicy === 'interval') every(this.#options.flushIntervalMs ?? 1_000, () => this.flushAll(true));
  }

  /** Flushes and closes every log, writes the checkpoints and, if all of that succeeded, the
   * clean-shutdown marker of each dir. Views still in use keep their segments mapped until released. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    let clean = true;
    for (const dir of this.#dirs) {
      if (!dir.online) continue;
      // One syncfs per log dir instead of an fsync per log (1,000 partitions: one syscall).
      const ends = [...this.#logs.values()].filter((e) => e.dir === dir).map((e) => [e.log, e.log.logEndOffset] as const);
      try {
        native.syncFilesystem(dir.path);
        for (const [log, end] of ends) log.markDurable(end);
      } catch (error) {
        clean = false;
        this.#offline(dir, toKafkaError(error));
      }
    }
    for (const { log } of this.#logs.values()) {
      try {
        log.close();
      } catch (error) {
        clean = false;
        this.#logger.error({ err: error, dir: log.dir }, 'closing a log failed');
      }
    }
    // Checkpoints a full disk kept out are stale: the next start must not take them for a clean stop's.
    if (!this.checkpoint()) clean = false;
    for (const dir of this.#dirs) {
      if (clean && dir.online) writeFileSync(join(dir.path, CLEAN_SHUTDOWN_MARKER), '');
    }
    this.#logs.clear();
  }
}

/** Reads a log dir's checkpoints and clean-shutdown marker (then removes the marker: from now on a
 * crash must be recovered). A dir that cannot be read is offline. */
function loadDir(path: string, logger: StorageLogger): LogDir {
  try {
    mkdirSync(path, { recursive: true });
    const marker = join(path, CLEAN_SHUTDOWN_MARKER);
    const cleanShutdown = existsSync(marker);
    const dir = logDir(path, {
      online: true,
      cleanShutdown,
      recoveryPoints: readCheckpoint(join(path, RECOVERY_POINT_CHECKPOINT), logger),
      logStartOffsets: readCheckpoint(join(path, LOG_START_OFFSET_CHECKPOINT), logger),
      highWatermarks: readCheckpoint(join(path, REPLICATION_OFFSET_CHECKPOINT), logger),
    });
    if (cleanShutdown) unlinkSync(marker);
    return dir;
  } catch (error) {
    logger.error({ err: error, dir: path }, 'log dir offline');
    return logDir(path, { online: false, cleanShutdown: false, recoveryPoints: new Map(), logStartOffsets: new Map(), highWatermarks: new Map() });
  }
}

/** A log dir as loaded, with the writer of its high watermark checkpoint (which keeps `highWatermarks` to what it wrote). */
function logDir(path: string, loaded: Pick<LogDir, 'online' | 'cleanShutdown' | 'recoveryPoints' | 'logStartOffsets' | 'highWatermarks'>): LogDir {
  const highWatermarks = loaded.highWatermarks;
  const highWatermarkWrites = new CoalescedWrite<readonly PartitionOffset[]>(async (entries) => {
    await native.writeOffsetCheckpointAsync(join(path, REPLICATION_OFFSET_CHECKPOINT), [...entries]);
    highWatermarks.clear();
    for (const { topic, partition, offset } of entries) highWatermarks.set(`${topic}-${partition}`, offset);
  });
  return { path, lowOnSpace: false, resumeAtBytes: 0n, ...loaded, highWatermarkWrites };
}

/** A checkpoint by partition name; a missing or malformed one is empty (recovery scans instead; replicas learn the high watermark from the leader). */
function readCheckpoint(path: string, logger: StorageLogger): Map<string, bigint> {
  try {
    const entries = native.readOffsetCheckpoint(path) ?? [];
    return new Map(entries.map((entry) => [`${entry.topic}-${entry.partition}`, entry.offset]));
  } catch (error) {
    logger.warn({ err: toKafkaError(error), path }, 'ignoring an unreadable checkpoint');
    return new Map();
  }
}

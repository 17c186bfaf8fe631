/**
 * The partition workers' task module: each task is one batch of background work on partitions of one
 * lane, done through the native engine in this worker's own thread.
 *
 * Tasks name partitions by directory and carry configs and offsets, never bytes. Cleaning and retention
 * attach to the log the event loop has open (the engine shares one log per directory across threads) and
 * skip a log that is no longer open, so a worker never recreates a partition its owner closed or deleted.
 * Recovery opens logs here, so scanning, CRC checks and index rebuilds of many partitions run off the event
 * loop; the opened logs are held until the owner has attached to them and sends `release`.
 */
import { type CleanerConfig, type CleanerResult, cleanIfOpen, enforceRetentionIfOpen } from '../storage/attached-log.js';
import { Log, type LogConfig, type OpenOptions, type RecoveryReport } from '../storage/log.js';

export interface CleanRequest {
  readonly dir: string;
  readonly config: CleanerConfig;
  /** Nothing at or past it is cleaned (the high watermark); absent, only the active segment is spared. */
  readonly maxCleanableOffset?: bigint;
}

export interface RecoverRequest {
  readonly dir: string;
  readonly config: LogConfig;
  readonly options: OpenOptions;
}

export type PartitionTask =
  | { readonly kind: 'clean'; readonly nowMs: number; readonly logs: readonly CleanRequest[] }
  | { readonly kind: 'retention'; readonly nowMs: number; readonly dirs: readonly string[] }
  | { readonly kind: 'recover'; readonly logs: readonly RecoverRequest[] }
  | { readonly kind: 'release'; readonly dirs: readonly string[] };

/** One partition's outcome: its value, `closed` when its log is not open any more, or the error. */
export type PartitionOutcome<T> =
  | { readonly dir: string; readonly status: 'done'; readonly value: T }
  | { readonly dir: string; readonly status: 'closed' }
  | { readonly dir: string; readonly status: 'failed'; readonly message: string };

export type TaskResult =
  | { readonly kind: 'clean'; readonly outcomes: PartitionOutcome<CleanerResult>[] }
  | { readonly kind: 'retention'; readonly outcomes: PartitionOutcome<number>[] }
  | { readonly kind: 'recover'; readonly outcomes: PartitionOutcome<RecoveryReport | null>[] }
  | { readonly kind: 'release'; readonly released: number };

/** Logs recovered here and not yet released: holding them keeps them open for the owner to attach. */
const recovered = new Map<string, Log>();

/** Runs one partition's work; `undefined` from it means the log is not open (any more). */
function outcome<T>(dir: string, work: () => T | undefined): PartitionOutcome<T> {
  try {
    const value = work();
    return value === undefined ? { dir, status: 'closed' } : { dir, status: 'done', value };
  } catch (error) {
    return { dir, status: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

export default function runPartitionTask(task: PartitionTask): TaskResult {
  switch (task.kind) {
    case 'clean':
      return {
        kind: 'clean',
        outcomes: task.logs.map((request) => outcome(request.dir, () => cleanIfOpen(request.dir, request.config, task.nowMs, request.maxCleanableOffset))),
      };
    case 'retention':
      return {
        kind: 'retention',
        outcomes: task.dirs.map((dir) => outcome(dir, () => enforceRetentionIfOpen(dir, task.nowMs))),
      };
    case 'recover':
      return {
        kind: 'recover',
        outcomes: task.logs.map((request) =>
          outcome(request.dir, () => {
            const log = Log.open(request.dir, request.config, request.options);
            recovered.set(request.dir, log);
            return log.recoveryReport ?? null;
          }),
        ),
      };
    case 'release': {
      let released = 0;
      for (const dir of task.dirs) released += recovered.delete(dir) ? 1 : 0;
      return { kind: 'release', released };
    }
  }
}

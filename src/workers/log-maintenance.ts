/**
 * Background maintenance of partition logs in their partition workers: a compaction check every
 * `log.cleaner.backoff.ms` for `compact` logs, a retention check every `log.retention.check.interval.ms`
 * for `delete` logs, and recovery of many logs at start. Each round sends one task per lane carrying all
 * of that lane's partitions, so a thousand partitions cost a handful of round trips, not a thousand.
 *
 * The cleaner itself decides per log whether a pass is due (dirty ratio, tombstone horizons), so a round
 * over logs with nothing to do costs one cheap native call each. Rounds of one kind never overlap: the
 * next is scheduled when the previous one has finished.
 *
 * The owner of the partitions (the broker) supplies `logs()`: each partition's directory
 * (`LogManager.logDirOf`), its topic's `cleanup.policy` and cleaner settings, and its high watermark as
 * `maxCleanableOffset`; it starts this after the logs are open and closes it before closing them.
 */
import type { NativeCleanerConfig, NativeCleanerResult } from '../../native/index.js';
import { Log, type RecoveryReport } from '../storage/log.js';
import type { CleanRequest, PartitionOutcome, PartitionTask, RecoverRequest, TaskResult } from './partition-task.js';
import type { PartitionWorkers, TopicPartition } from './partition-workers.js';

/** Kafka's broker defaults. */
export const LOG_RETENTION_CHECK_INTERVAL_MS = 300_000;
export const LOG_CLEANER_BACKOFF_MS = 15_000;

export interface MaintainedLog {
  readonly topicPartition: TopicPartition;
  readonly dir: string;
  /** `cleanup.policy`: `compact` brings cleaning, `delete` retention; `compact,delete` both. */
  readonly cleanupPolicy: readonly string[];
  readonly cleaner?: NativeCleanerConfig;
  /** The high watermark: nothing at or past it is cleaned. */
  readonly maxCleanableOffset?: bigint;
}

export type MaintenanceEvent =
  | { readonly kind: 'clean'; readonly topicPartition: TopicPartition; readonly outcome: PartitionOutcome<NativeCleanerResult> }
  | { readonly kind: 'retention'; readonly topicPartition: TopicPartition; readonly outcome: PartitionOutcome<number> }
  | { readonly kind: 'round-failed'; readonly round: 'clean' | 'retention'; readonly error: unknown };

export interface LogMaintenanceOptions {
  readonly workers: PartitionWorkers;
  /** The logs to look after, asked afresh every round. */
  readonly logs: () => Iterable<MaintainedLog>;
  readonly retentionCheckIntervalMs?: number;
  readonly cleanerBackoffMs?: number;
  readonly now?: () => number;
  /** Every partition's outcome and every failed round, for logging and metrics. */
  readonly onEvent?: (event: MaintenanceEvent) => void;
}

export interface RecoverLogRequest extends RecoverRequest {
  readonly topicPartition: TopicPartition;
}

export type RecoveredLog =
  | { readonly dir: string; readonly log: Log; readonly report: RecoveryReport | null }
  | { readonly dir: string; readonly error: string };

type Round = 'clean' | 'retention';

export class LogMaintenance {
  readonly #options: LogMaintenanceOptions;
  readonly #timers = new Map<Round, NodeJS.Timeout>();
  readonly #running = new Set<Promise<unknown>>();
  #closed = false;

  constructor(options: LogMaintenanceOptions) {
    this.#options = options;
  }

  /** Schedules the periodic rounds (the first after one interval, as Kafka's scheduler does). */
  start(): void {
    if (this.#closed) throw new Error('LogMaintenance is closed');
    this.#schedule('clean', this.#options.cleanerBackoffMs ?? LOG_CLEANER_BACKOFF_MS);
    this.#schedule('retention', this.#options.retentionCheckIntervalMs ?? LOG_RETENTION_CHECK_INTERVAL_MS);
  }

  /** One compaction round over every `compact` log now; resolves to each log's outcome by directory. */
  cleanNow(): Promise<Map<string, PartitionOutcome<NativeCleanerResult>>> {
    const nowMs = this.#now();
    return this.#track(
      this.#perLane(
        (log) => log.cleanupPolicy.includes('compact'),
        (logs): PartitionTask => ({
          kind: 'clean',
          nowMs,
          logs: logs.map((log): CleanRequest => ({ dir: log.dir, config: log.cleaner ?? {}, maxCleanableOffset: log.maxCleanableOffset })),
        }),
        'clean',
      ),
    );
  }

  /** One retention round over every `delete` log now; resolves to the segments deleted per directory. */
  enforceRetentionNow(): Promise<Map<string, PartitionOutcome<number>>> {
    const nowMs = this.#now();
    return this.#track(
      this.#perLane(
        (log) => log.cleanupPolicy.includes('delete'),
        (logs): PartitionTask => ({ kind: 'retention', nowMs, dirs: logs.map((log) => log.dir) }),
        'retention',
      ),
    );
  }

  /**
   * Opens (recovering) many logs in their workers at once, then opens each here too, which shares the
   * worker's already recovered log: the result holds this thread's `Log` of every log that opened (with
   * what the worker's recovery found), or why it did not.
   */
  async recover(requests: readonly RecoverLogRequest[]): Promise<RecoveredLog[]> {
    const { workers } = this.#options;
    const byLane = groupBy(requests, (request) => workers.laneOf(request.topicPartition));
    const lanes = await Promise.all(
      [...byLane].map(async ([lane, logs]) => {
        const logsToOpen = logs.map(({ dir, config, options }) => ({ dir, config, options }));
        const result = await workers.runOnLane<PartitionTask, TaskResult>(lane, { kind: 'recover', logs: logsToOpen });
        if (result.kind !== 'recover') throw new Error(`partition worker answered ${result.kind} to recover`);
        const recovered = result.outcomes.map((outcome, index): RecoveredLog => {
          if (outcome.status !== 'done') return { dir: outcome.dir, error: outcome.status === 'failed' ? outcome.message : 'closed' };
          try {
            return { dir: outcome.dir, log: Log.open(outcome.dir, logsToOpen[index]!.config, logsToOpen[index]!.options), report: outcome.value };
          } catch (error) {
            return { dir: outcome.dir, error: error instanceof Error ? error.message : String(error) };
          }
        });
        await workers.runOnLane<PartitionTask, TaskResult>(lane, { kind: 'release', dirs: logs.map((log) => log.dir) });
        return recovered;
      }),
    );
    return lanes.flat();
  }

  /** Stops scheduling and waits for rounds in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await Promise.allSettled(this.#running);
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #schedule(round: Round, intervalMs: number): void {
    const timer = setTimeout(() => {
      const run: Promise<unknown> = round === 'clean' ? this.cleanNow() : this.enforceRetentionNow();
      void run
        .catch((error: unknown) => this.#options.onEvent?.({ kind: 'round-failed', round, error }))
        .finally(() => {
          if (!this.#closed) this.#schedule(round, intervalMs);
        });
    }, intervalMs);
    // Maintenance alone must not keep the process alive.
    timer.unref();
    this.#timers.set(round, timer);
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#running.add(promise);
    void promise.then(
      () => this.#running.delete(promise),
      () => this.#running.delete(promise),
    );
    return promise;
  }

  async #perLane<T>(
    wanted: (log: MaintainedLog) => boolean,
    task: (logs: MaintainedLog[]) => PartitionTask,
    kind: Round,
  ): Promise<Map<string, PartitionOutcome<T>>> {
    const { workers, onEvent } = this.#options;
    const logs = [...this.#options.logs()].filter(wanted);
    const byLane = groupBy(logs, (log) => workers.laneOf(log.topicPartition));
    const outcomes = new Map<string, PartitionOutcome<T>>();
    await Promise.all(
      [...byLane].map(async ([lane, laneLogs]) => {
        const result = await workers.runOnLane<PartitionTask, TaskResult>(lane, task(laneLogs));
        if (result.kind !== kind) throw new Error(`partition worker answered ${result.kind} to ${kind}`);
        result.outcomes.forEach((outcome, index) => {
          const topicPartition = laneLogs[index]!.topicPartition;
          outcomes.set(outcome.dir, outcome as PartitionOutcome<T>);
          onEvent?.({ kind, topicPartition, outcome } as MaintenanceEvent);
        });
      }),
    );
    return outcomes;
  }
}

function groupBy<T>(items: Iterable<T>, key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

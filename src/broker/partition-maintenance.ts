/**
 * The broker's log cleaner and retention: starts the partition workers and `LogMaintenance` over the
 * partitions the replica manager has open, and is the only place that runs either. Deleting segments and
 * rewriting compacted ones happen in the workers' threads, so neither unlinks, unmaps nor copies on the
 * event loop that serves clients.
 *
 * Each round asks afresh for every online partition: its directory, its topic's `cleanup.policy` and
 * cleaner settings, and its high watermark, past which nothing is cleaned (a consumer must never find a
 * record it could not read yet already removed). Size and time limits (`retention.*`, `segment.*`) are
 * already the log's own settings, applied by the replica manager whenever a topic's config changes.
 */
import type { Logger } from 'pino';
import type { NativeCleanerConfig } from '../../native/index.js';
import type { ClusterMetadata } from '../cluster/cluster-metadata.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { TopicConfig } from '../config/topic-config.js';
import type { PartitionLogManager } from '../replication/partition-log.js';
import type { ReplicaManager } from '../replication/replica-manager.js';
import { LogMaintenance, type MaintainedLog, type MaintenanceEvent } from '../workers/log-maintenance.js';
import { PartitionWorkers } from '../workers/partition-workers.js';

export interface PartitionMaintenanceOptions {
  readonly config: BrokerConfig;
  readonly metadata: ClusterMetadata;
  readonly replicaManager: ReplicaManager;
  readonly logManager: PartitionLogManager;
  /** The partition workers' module; default the compiled one next to src/workers. */
  readonly taskModule?: string | URL;
  readonly logger: Logger;
}

export class PartitionMaintenance {
  readonly workers: PartitionWorkers;
  readonly maintenance: LogMaintenance;

  private constructor(workers: PartitionWorkers, maintenance: LogMaintenance) {
    this.workers = workers;
    this.maintenance = maintenance;
  }

  /** Starts the worker threads and schedules the rounds; call once the partitions' logs are open. */
  static start(options: PartitionMaintenanceOptions): PartitionMaintenance {
    const { config, logger } = options;
    const workers = new PartitionWorkers({ taskModule: options.taskModule });
    workers.start();
    const maintenance = new LogMaintenance({
      workers,
      logs: () => maintainedLogs(options),
      cleanerBackoffMs: config.int('log.cleaner.backoff.ms'),
      retentionCheckIntervalMs: config.int('log.retention.check.interval.ms'),
      onEvent: (event) => logEvent(logger, event),
    });
    maintenance.start();
    return new PartitionMaintenance(workers, maintenance);
  }

  /** Tasks queued or running in the worker pools. */
  get queueDepth(): number {
    return this.workers.pendingTasks;
  }

  /** Waits for rounds in progress, then ends the worker threads; the logs may close after it. */
  async close(): Promise<void> {
    await this.maintenance.close();
    await this.workers.close();
  }
}

function* maintainedLogs(options: PartitionMaintenanceOptions): Iterable<MaintainedLog> {
  const { config, metadata, replicaManager, logManager } = options;
  const cleanerEnabled = config.bool('log.cleaner.enable');
  const producerIdExpirationMs = config.int('producer.id.expiration.ms');
  for (const topic of metadata.topics()) {
    for (const { partition: index } of topic.partitions) {
      const partition = replicaManager.partition(topic.name, index);
      if (partition === undefined || partition.offline !== undefined) continue;
      const dir = logManager.logDirOf(topic.name, index);
      if (dir === undefined) continue;
      const policy = partition.config.list('cleanup.policy');
      yield {
        topicPartition: { topic: topic.name, partition: index },
        dir,
        cleanupPolicy: cleanerEnabled ? policy : policy.filter((p) => p !== 'compact'),
        cleaner: cleanerConfig(partition.config, producerIdExpirationMs),
        maxCleanableOffset: partition.highWatermark,
      };
    }
  }
}

function cleanerConfig(config: TopicConfig, producerIdExpirationMs: number): NativeCleanerConfig {
  return {
    deleteRetentionMs: config.number('delete.retention.ms'),
    minCleanableDirtyRatio: config.number('min.cleanable.dirty.ratio'),
    minCompactionLagMs: config.number('min.compaction.lag.ms'),
    producerIdExpirationMs,
  };
}

/** Failures as errors, work done as info; rounds with nothing to do stay quiet. */
function logEvent(logger: Logger, event: MaintenanceEvent): void {
  if (event.kind === 'round-failed') {
    logger.error({ err: event.error, round: event.round }, 'log maintenance round failed');
  } else if (event.outcome.status === 'failed') {
    logger.error({ ...event.topicPartition, error: event.outcome.message }, `${event.kind} failed`);
  } else if (event.outcome.status !== 'done') {
    return;
  } else if (event.kind === 'clean' && event.outcome.value.outcome === 'cleaned') {
    const { recordsRead, recordsKept, bytesRead, bytesWritten, elapsedMs, cleanedUpTo } = event.outcome.value;
    logger.info({ ...event.topicPartition, recordsRead, recordsKept, bytesRead, bytesWritten, elapsedMs, cleanedUpTo: String(cleanedUpTo) }, 'log cleaned');
  } else if (event.kind === 'retention' && event.outcome.value > 0) {
    logger.info({ ...event.topicPartition, deletedSegments: event.outcome.value }, 'retention deleted segments');
  }
}

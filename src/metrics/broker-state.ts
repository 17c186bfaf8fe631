/**
 * What the metrics read from the broker when Prometheus scrapes, instead of counting on the hot path:
 * partitions and log sizes, connections, consumer-group lag, the worker-pool queue, client quota usage. The broker and group coordinator
 * supply it; every part is optional so the metrics work before each layer exists.
 */
import type { ReplicationState } from '../replication/replica-manager.js';
import type { QuotaSensorState } from '../security/quota/client-quotas.js';

export type { QuotaSensorState };

export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Logical bytes of the partition's log (what retention counts). */
  readonly sizeBytes: number;
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
}

export interface GroupLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  /** Log end offset minus committed offset; partitions without a committed offset are left out. */
  readonly lag: bigint;
}

export interface LogDirState {
  readonly path: string;
  /** False once the dir failed (an I/O error): its partitions are offline until a restart. */
  readonly online: boolean;
  /** Bytes free for the broker on the dir's filesystem (0 when offline). */
  readonly freeBytes: bigint;
}

/** The log dirs as the log manager lists them. */
export function logDirStates(manager: { logDirs(): readonly { path: string; online: boolean; usableBytes: bigint }[] }): LogDirState[] {
  return manager.logDirs().map((dir) => ({ path: dir.path, online: dir.online, freeBytes: dir.usableBytes }));
}

/** The paths of the offline log dirs, for `/health/ready`. */
export function offlineLogDirs(states: Iterable<LogDirState>): string[] {
  return [...states].filter((dir) => !dir.online).map((dir) => dir.path);
}

export interface BrokerStateSource {
  /** The log dirs with their state. */
  logDirs?(): Iterable<LogDirState>;
  partitions?(): Iterable<PartitionState>;
  consumerGroupLag?(): Iterable<GroupLag> | Promise<Iterable<GroupLag>>;
  /** Client connections open. */
  connectionCount?(): number;
  /** Tasks queued or running in the partition worker pools. */
  workerQueueDepth?(): number;
  /** Unclean leader elections this broker made as controller, since it started. */
  uncleanLeaderElections?(): number;
  /** Partitions without a live leader, as the controller counts them (0 on other brokers: OfflinePartitionsCount). */
  offlinePartitions?(): number;
  replication?(): ReplicationState;
  /** The entities client quotas meter now. */
  quotaSensors?(): Iterable<QuotaSensorState>;
  /** Connections refused since start for exceeding their address's connection creation rate. */
  connectionsThrottled?(): number;
}

/**
 * What the metrics read from the broker when Prometheus scrapes, instead of counting on the hot path:
 * partitions and log sizes, connections, consumer-group lag, the worker-pool queue. The broker and group coordinator
 * supply it; every part is optional so the metrics work before each layer exists.
 */

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

export interface BrokerStateSource {
  partitions?(): Iterable<PartitionState>;
  consumerGroupLag?(): Iterable<GroupLag> | Promise<Iterable<GroupLag>>;
  /** Client connections open. */
  connectionCount?(): number;
  /** Tasks queued or running in the partition worker pools. */
  workerQueueDepth?(): number;
}

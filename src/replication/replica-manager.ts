/**
 * The partitions this node holds and the operations on them (Kafka's ReplicaManager): produce appends with
 * acks 0/1/all, fetch reads with the long-poll purgatory, offsets by time, record deletion. It follows the
 * cluster metadata: the logs of the partitions whose replicas include this node are created, reconfigured
 * and deleted as topics change (and at start, those the metadata no longer gives it: stray-logs.ts), and
 * each replica leads or follows as its partition state says (followers fetch through the FetcherManager); a
 * partition led by another broker answers NOT_LEADER_OR_FOLLOWER. acks=all
 * waits until the high watermark passes the batch (every ISR member has it: woken by the followers' fetches)
 * and, unless `gregor.flush.before.acks.all.enable` is false, until it is flushed to disk here (group-committed
 * across concurrent requests; followers flush before they report it). Leaders shrink and expand the ISR
 * (`replica.lag.time.max.ms`) through compare-and-swap writes of the partition state.
 */
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { ClusterMetadata, PartitionChange, PartitionInfo, TopicInfo } from '../cluster/cluster-metadata.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { TopicConfig } from '../config/topic-config.js';
import { ErrorCode, KafkaError, codeOf } from '../protocol/error-codes.js';
import { interBrokerClientSecurity } from '../security/inter-broker-client.js';
import { StorageFault, storageFaultOf } from '../storage/errors.js';
import { DelayedFetch } from './delayed-fetch.js';
import { FetcherManager } from './fetcher/fetcher-manager.js';
import { type AppendOutcome, Partition } from './partition.js';
import type { PartitionLogManager, TimestampAndOffset, TopicLogConfig } from './partition-log.js';
import type { ProducerStateStore } from './producer-state-store.js';
import { strayReason } from './stray-logs.js';

/** ListOffsets special timestamps. */
export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;
export const MAX_TIMESTAMP = -3n;
export const EARLIEST_LOCAL_TIMESTAMP = -4n;
export const EARLIEST_TIERED_TIMESTAMP = -5n;

export enum IsolationLevel {
  READ_UNCOMMITTED = 0,
  READ_COMMITTED = 1,
}

export interface ProduceEntry {
  readonly topic: string;
  readonly partition: number;
  readonly records: Buffer;
}

/**
 * Told when an operation parks (acks=all waiting for its flush, a fetch waiting in the purgatory) and when
 * it resumes: the request's remote time, in Kafka's terms.
 */
export interface ParkingObserver {
  parked(): void;
  unparked(): void;
}

export interface ProduceOptions {
  /** 0, 1 or -1 (all). */
  readonly acks: number;
  readonly timeoutMs: number;
  /** Internal topics accept appends only from the broker itself (the group coordinator). */
  readonly allowInternal?: boolean;
  readonly parking?: ParkingObserver;
}

export interface ProduceResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
  readonly baseOffset: bigint;
  readonly logAppendTimeMs: bigint;
  readonly logStartOffset: bigint;
}

export interface FetchPartition {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: bigint;
  readonly partitionMaxBytes: number;
  /** -1 when the client does not send one. */
  readonly currentLeaderEpoch: number;
  /** The epoch of the last batch the fetcher has (Fetch v12+); -1 or absent when not sent. */
  readonly lastFetchedEpoch?: number;
}

export interface FetchParams {
  /** -1 for consumers; a follower's node id reads up to the log end instead of the high watermark. */
  readonly replicaId: number;
  /** A follower's broker epoch (Fetch v15+ ReplicaState); -1 or absent when not sent. */
  readonly replicaEpoch?: number;
  /**
   * A consumer's fetch that may be served by a follower replica, up to its high watermark, and told of a
   * closer replica by the leader (Kafka's client metadata, sent from Fetch v11, KIP-392).
   */
  readonly fromClosestReplica?: { readonly rackId: string };
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly isolationLevel: IsolationLevel;
  readonly partitions: readonly FetchPartition[];
  readonly parking?: ParkingObserver;
}

export interface FetchPartitionResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: ErrorCode;
  readonly highWatermark: bigint;
  readonly lastStableOffset: bigint;
  readonly logStartOffset: bigint;
  /** Whole record batches, views into the mapped segments. */
  readonly records: readonly Buffer[];
  readonly bytes: number;
  /** Set, with no records, when the fetcher's log diverges from this one: the epoch to truncate by and where it ends here. */
  readonly divergingEpoch?: { readonly epoch: number; readonly endOffset: bigint };
  /** Set, with no records, when the leader sends a consumer to a replica closer to it (KIP-392). */
  readonly preferredReadReplica?: number;
}

export interface FetchResult {
  readonly partitions: readonly FetchPartitionResult[];
  /** Must be called once the records have been written out (the socket write callback). */
  release(): void;
}

/** Replication as Kafka's ReplicaManager and ReplicaFetcherManager report it (the metrics read it when scraped). */
export interface ReplicationState {
  /** Partitions this broker leads whose ISR is smaller than their replicas (UnderReplicatedPartitions). */
  readonly underReplicatedPartitions: number;
  /** Partitions this broker leads whose ISR is below min.insync.replicas (UnderMinIsrPartitionCount). */
  readonly underMinIsrPartitions: number;
  /** ISR shrinks and expands this broker wrote as leader, since it started (IsrShrinksPerSec, IsrExpandsPerSec). */
  readonly isrShrinks: number;
  readonly isrExpands: number;
  /** Follower fetch requests this broker answered, since it started (RequestsPerSec, request=FetchFollower). */
  readonly followerFetchRequests: number;
  /** The largest lag, in offsets, of a partition this broker follows behind its leader's high watermark (MaxLag). */
  readonly maxFollowerLag: bigint;
}

export interface ListOffsetResult {
  readonly errorCode: ErrorCode;
  readonly timestamp: bigint;
  readonly offset: bigint;
  readonly leaderEpoch: number;
}

export class ReplicaManager {
  readonly #config: BrokerConfig;
  readonly #metadata: ClusterMetadata;
  readonly #logManager: PartitionLogManager;
  readonly #producerStates: ProducerStateStore;
  readonly #partitions = new Map<string, (Partition | undefined)[]>();
  /** Partitions whose log could not be opened (their dir failed): `topic-partition`. */
  readonly #failedToOpen = new Set<string>();
  readonly #delayedFetches = new Set<DelayedFetch>();
  readonly #fetchers: FetcherManager;
  /** Partitions whose ISR change is being written. */
  readonly #alteringIsr = new Set<Partition>();
  #expirationTimer: NodeJS.Timeout | undefined;
  #isrTimer: NodeJS.Timeout | undefined;
  #highWatermarkTimer: NodeJS.Timeout | undefined;
  #isrShrinks = 0;
  #isrExpands = 0;
  #followerFetchRequests = 0;

  /** Where appends report exceptions that are not Kafka errors: clients only see UNKNOWN_SERVER_ERROR. */
  readonly #logger: Logger | undefined;

  constructor(config: BrokerConfig, metadata: ClusterMetadata, logManager: PartitionLogManager, producerStates: ProducerStateStore, logger?: Logger) {
    this.#logger = logger;
    this.#config = config;
    this.#metadata = metadata;
    this.#logManager = logManager;
    this.#producerStates = producerStates;
    this.#fetchers = new FetcherManager(
      {
        nodeId: metadata.nodeId,
        maxWaitMs: config.int('replica.fetch.wait.max.ms'),
        minBytes: config.int('replica.fetch.min.bytes'),
        partitionMaxBytes: config.int('replica.fetch.max.bytes'),
        responseMaxBytes: config.int('replica.fetch.response.max.bytes'),
        backoffMs: config.int('replica.fetch.backoff.ms'),
        requestTimeoutMs: config.int('replica.socket.timeout.ms'),
        flushBeforeFetch: config.bool('gregor.flush.before.acks.all.enable'),
        brokerEpoch: () => metadata.brokerEpoch,
        security: () => interBrokerClientSecurity(config),
      },
      (brokerId) => metadata.brokerEndpoint(brokerId),
      logger,
    );
  }

  /** Opens every partition in the metadata and follows later topic changes. */
  async start(): Promise<void> {
    await this.#metadata.subscribe({
      viewLoaded: () => this.#deleteStrayLogs(),
      topicCreated: (topic) => this.#openPartitions(topic, topic.partitions),
      partitionsCreated: (topic, first) => this.#openPartitions(topic, topic.partitions.slice(first)),
      topicDeleted: (topic) => this.#deletePartitions(topic),
      topicConfigChanged: (topic) => this.#reconfigure(topic),
      partitionsChanged: (topic, changes) => this.#applyPartitionStates(topic, changes),
      sessionLost: () => this.#answerInFlightAsNotLeader(),
    });
    // Kafka checks for lagging followers every half replica.lag.time.max.ms.
    const lagTimeMs = this.#config.int('replica.lag.time.max.ms');
    this.#isrTimer = setInterval(() => this.#checkIsrs(), Math.max(lagTimeMs / 2, 10));
    this.#isrTimer.unref();
    const expirationMs = this.#config.int('producer.id.expiration.ms');
    // Kafka checks for expired producer ids every 10 minutes (producer.id.expiration.check.interval.ms).
    this.#expirationTimer = setInterval(() => this.#expireProducers(expirationMs), Math.min(expirationMs, 600_000));
    this.#expirationTimer.unref();
    this.#highWatermarkTimer = setInterval(() => void this.checkpointHighWatermarks(), this.#config.int('replica.high.watermark.checkpoint.interval.ms'));
    this.#highWatermarkTimer.unref();
  }

  /**
   * Writes every online partition's high watermark into its log dir's `replication-offset-checkpoint`
   * (Kafka's checkpointHighWatermarks): a replica restarted from it serves no more than the ISR had, and
   * a follower without a leader epoch to truncate by truncates to it. The values are taken now; the write
   * and its fsyncs run off the event loop, coalesced with any asked for while one runs.
   */
  checkpointHighWatermarks(): Promise<void> {
    const highWatermarks = [...this.#partitions.values()]
      .flatMap(opened)
      .filter((partition) => partition.offline === undefined)
      .map((partition) => ({ topic: partition.topic, partition: partition.partition, offset: partition.highWatermark }));
    return this.#logManager.checkpointHighWatermarks(highWatermarks);
  }

  /** Answers every parked fetch now with what is there (shutdown: nobody waits out max_wait_ms). */
  completeDelayedFetches(): void {
    for (const fetch of this.#delayedFetches) fetch.forceComplete();
  }

  /** Answers parked fetches, writes producer snapshots and the high watermarks, and closes the logs. */
  async close(): Promise<void> {
    clearInterval(this.#expirationTimer);
    clearInterval(this.#isrTimer);
    clearInterval(this.#highWatermarkTimer);
    await this.#fetchers.close();
    this.completeDelayedFetches();
    const all = [...this.#partitions.values()].flatMap(opened);
    // Appends whose batches are still being validated off the loop finish (or fail) before the logs close.
    await Promise.all(all.map((partition) => partition.appendsSettled()));
    const online = all.filter((p) => p.offline === undefined);
    // A snapshot that fails to write only means a rebuild from the log at the next start; the logs must still close.
    await Promise.allSettled(online.map((partition) => this.#producerStates.save(partition, this.#logManager)));
    await this.checkpointHighWatermarks();
    this.#partitions.clear();
    await this.#logManager.close();
  }

  partition(topic: string, partition: number): Partition | undefined {
    return this.#partitions.get(topic)?.[partition];
  }

  /** The partition this node leads, or KafkaError(NOT_LEADER_OR_FOLLOWER | UNKNOWN_TOPIC_OR_PARTITION | its offline error). */
  onlinePartition(topic: string, partition: number): Partition {
    this.#checkLeader(topic, partition);
    return this.localReplica(topic, partition);
  }

  /** This node's replica, whoever leads it, or KafkaError(UNKNOWN_TOPIC_OR_PARTITION | its offline error). */
  localReplica(topic: string, partition: number): Partition {
    const found = this.partition(topic, partition);
    if (!found) throw this.#missing(topic, partition);
    found.checkOnline();
    return found;
  }

  /**
   * Appends one batch per partition; resolves when acks are satisfied. Never rejects: errors are per partition,
   * and every entry gets exactly one result. A caller may reuse the memory of uncompressed records once this
   * has returned its promise (they are in the log, or copied while an earlier append of their partition waits:
   * the embedded producer builds every batch into one buffer); compressed records are checked off the event
   * loop and must stay unchanged until the promise settles.
   */
  async appendRecords(entries: readonly ProduceEntry[], options: ProduceOptions): Promise<ProduceResult[]> {
    const nowMs = Date.now();
    const waits: AcksWait[] = [];
    const attempts = entries.map((entry, index) => this.#appendEntry(entry, options, nowMs, (wait) => waits.push({ index, wait })));
    const results = attempts.some((attempt) => attempt instanceof Promise) ? await Promise.all(attempts) : (attempts as ProduceResult[]);
    if (waits.length === 0) return results;
    options.parking?.parked();
    const outcomes = await settleWithin(waits, options.timeoutMs);
    options.parking?.unparked();
    return results.map((result, index) => {
      const outcome = outcomes.get(index);
      if (result.errorCode !== ErrorCode.NONE || (outcome !== undefined && outcome.code === ErrorCode.NONE)) return result;
      if (outcome === undefined) return { ...result, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: `not replicated within ${options.timeoutMs} ms` };
      return { ...result, errorCode: outcome.code, errorMessage: outcome.message };
    });
  }

  /**
   * One entry of `appendRecords`: its result, at once or once its batch is validated and appended. With
   * acks=all, what the answer still waits for (replication to the ISR, the local flush) goes to `wait`.
   */
  #appendEntry(
    entry: ProduceEntry,
    options: ProduceOptions,
    nowMs: number,
    wait: (until: Promise<AcksOutcome>) => void,
  ): ProduceResult | Promise<ProduceResult> {
    const appended = (partition: Partition, outcome: AppendOutcome): ProduceResult => {
      if (options.acks === -1) {
        // Leadership may have gone while the batch waited for its turn (a compressed batch, off the loop).
        const replicated = this.#ledElsewhere(entry.topic, entry.partition)
          ? ErrorCode.NOT_LEADER_OR_FOLLOWER
          : partition.waitForReplication(outcome.lastOffset + 1n);
        const flushed =
          !outcome.duplicate && this.#config.bool('gregor.flush.before.acks.all.enable') ? partition.log.flush(outcome.lastOffset + 1n) : undefined;
        if (flushed || replicated instanceof Promise) wait(acksOutcome(replicated, flushed));
        else if (replicated !== ErrorCode.NONE) return { ...success(entry), errorCode: replicated, errorMessage: null };
      }
      return { ...success(entry), baseOffset: outcome.baseOffset, logAppendTimeMs: outcome.logAppendTimeMs, logStartOffset: outcome.logStartOffset };
    };
    const failed = (error: unknown): ProduceResult => {
      if (!(error instanceof KafkaError)) this.#logger?.error({ err: error, topic: entry.topic, partition: entry.partition }, 'unexpected error appending');
      return failure(entry, error);
    };
    try {
      if (options.acks !== 0 && options.acks !== 1 && options.acks !== -1) {
        throw new KafkaError(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, not ${options.acks}`);
      }
      const topic = this.#metadata.topic(entry.topic);
      if (topic?.internal && !options.allowInternal) {
        throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `cannot append to internal topic ${entry.topic}`);
      }
      const partition = this.onlinePartition(entry.topic, entry.partition);
      if (options.acks === -1) this.#checkEnoughReplicas(partition);
      this.#logManager.checkWritable(entry.topic, entry.partition);
      const outcome = this.#withStorageErrors(partition, () => partition.appendAsLeader(entry.records, nowMs));
      if (!(outcome instanceof Promise)) return appended(partition, outcome);
      return outcome.then(
        (later) => appended(partition, later),
        (error: unknown) => {
          this.#noteStorageError(partition, error);
          return failed(error);
        },
      );
    } catch (error) {
      return failed(error);
    }
  }

  /**
   * Reads each partition, up to `max_bytes` over the whole response (at least one batch of the first
   * partition with data, as KIP-74), parking the fetch until `min_bytes` are there or `max_wait_ms` passes.
   * As Kafka, partitions the metadata does not know (a deleted topic) are answered with their error but take
   * no part in the decision to wait: an error, a diverging epoch or a preferred read replica on any other
   * partition answers at once.
   */
  fetch(params: FetchParams): Promise<FetchResult> {
    if (params.replicaId >= 0) this.#followerFetchRequests++;
    const first = this.#read(params);
    const known = first.partitions.filter((p) => this.#metadata.topic(p.topic)?.partitions[p.partition] !== undefined);
    // A diverging epoch is answered at once too: the fetcher must truncate before anything else can come.
    const answerNow = known.some((p) => p.errorCode !== ErrorCode.NONE || p.divergingEpoch !== undefined || p.preferredReadReplica !== undefined);
    const bytes = first.partitions.reduce((sum, p) => sum + p.bytes, 0);
    if (params.maxWaitMs <= 0 || bytes >= params.minBytes || answerNow || known.length === 0) return Promise.resolve(first);
    first.release();
    const watched = known.map((p) => this.partition(p.topic, p.partition)).filter((p): p is Partition => p !== undefined);
    params.parking?.parked();
    return new Promise((resolve) => {
      const delayed = new DelayedFetch(watched, params.minBytes - bytes, params.maxWaitMs, params.replicaId >= 0, () => {
        params.parking?.unparked();
        this.#delayedFetches.delete(delayed);
        resolve(this.#read(params));
      });
      if (!delayed.done) this.#delayedFetches.add(delayed);
    });
  }

  /**
   * ListOffsets for one partition. Without transactions the last stable offset is the high watermark, so
   * both isolation levels get the same answer. `client`: a Kafka client's request (replica id -1), which
   * gets OFFSET_NOT_AVAILABLE from a new leader still learning its high watermark.
   */
  listOffset(
    topic: string,
    partitionIndex: number,
    timestamp: bigint,
    _isolationLevel: IsolationLevel,
    currentLeaderEpoch: number,
    client = false,
  ): ListOffsetResult {
    try {
      const partition = this.onlinePartition(topic, partitionIndex);
      partition.checkLeaderEpoch(currentLeaderEpoch);
      const found = this.#offsetFor(partition, timestamp);
      // As Kafka: a client asking for the latest offset, or looking up a time that finds nothing below the
      // high watermark, waits (retries) until a new leader knows its high watermark.
      if (client && (timestamp === LATEST_TIMESTAMP || (timestamp >= 0n && found === undefined))) partition.checkHighWatermarkKnown();
      return { errorCode: ErrorCode.NONE, timestamp: found?.timestamp ?? -1n, offset: found?.offset ?? -1n, leaderEpoch: found ? partition.leaderEpoch : -1 };
    } catch (error) {
      return { errorCode: codeOf(error), timestamp: -1n, offset: -1n, leaderEpoch: -1 };
    }
  }

  /** DeleteRecords for one partition: the new low watermark. */
  deleteRecords(topic: string, partitionIndex: number, offset: bigint): bigint {
    const partition = this.onlinePartition(topic, partitionIndex);
    return this.#withStorageErrors(partition, () => partition.deleteRecordsBefore(offset));
  }

  /** Partitions grouped by log dir, for DescribeLogDirs. */
  partitionsByLogDir(): Map<string, Partition[]> {
    const byDir = new Map<string, Partition[]>();
    for (const partitions of this.#partitions.values()) {
      for (const partition of opened(partitions)) {
        const dir = this.#logDirOf(partition);
        if (dir === undefined) continue;
        byDir.set(dir, [...(byDir.get(dir) ?? []), partition]);
      }
    }
    return byDir;
  }

  /**
   * Replication's health as Kafka's ReplicaManager and ReplicaFetcherManager report it: the partitions this
   * broker leads with fewer in-sync replicas than replicas, or than `min.insync.replicas`; the ISR shrinks
   * and expands it wrote and the follower fetches it answered, since it started; the largest lag of a
   * partition it follows.
   */
  replicationState(): ReplicationState {
    let underReplicated = 0;
    let underMinIsr = 0;
    for (const partitions of this.#partitions.values()) {
      for (const partition of opened(partitions)) {
        if (!partition.isLeader || partition.offline !== undefined) continue;
        const isr = partition.role.isr.length;
        if (isr < partition.role.replicas.length) underReplicated++;
        if (isr < partition.config.number('min.insync.replicas')) underMinIsr++;
      }
    }
    return {
      underReplicatedPartitions: underReplicated,
      underMinIsrPartitions: underMinIsr,
      isrShrinks: this.#isrShrinks,
      isrExpands: this.#isrExpands,
      followerFetchRequests: this.#followerFetchRequests,
      maxFollowerLag: this.#fetchers.maxLag,
    };
  }

  /** Fetches parked in the purgatory (Kafka's fetch purgatory size). */
  get delayedFetchCount(): number {
    return this.#delayedFetches.size;
  }

  get logManager(): PartitionLogManager {
    return this.#logManager;
  }

  #offsetFor(partition: Partition, timestamp: bigint): TimestampAndOffset | undefined {
    switch (timestamp) {
      case LATEST_TIMESTAMP:
        return { timestamp: -1n, offset: partition.highWatermark };
      case EARLIEST_TIMESTAMP:
      case EARLIEST_LOCAL_TIMESTAMP:
        return { timestamp: -1n, offset: partition.logStartOffset };
      case EARLIEST_TIERED_TIMESTAMP:
        return undefined;
      case MAX_TIMESTAMP:
        return partition.log.maxTimestamp();
      default: {
        if (timestamp < 0n) throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown special timestamp ${timestamp}`);
        const found = partition.log.offsetForTimestamp(timestamp);
        return found && found.offset < partition.highWatermark ? found : undefined;
      }
    }
  }

  #read(params: FetchParams): FetchResult {
    const untilLogEnd = params.replicaId >= 0;
    let remaining = params.maxBytes;
    const releases: (() => void)[] = [];
    const partitions = params.partitions.map((request): FetchPartitionResult => {
      const partition = this.partition(request.topic, request.partition);
      try {
        if (!(params.fromClosestReplica && partition)) this.#checkLeader(request.topic, request.partition);
        if (!partition) throw this.#missing(request.topic, request.partition);
        partition.checkLeaderEpoch(request.currentLeaderEpoch);
        const preferred = params.fromClosestReplica && this.#preferredReadReplica(partition, params.fromClosestReplica.rackId, request.fetchOffset);
        if (preferred !== undefined) return { ...noRecords(request, ErrorCode.NONE, partition), preferredReadReplica: preferred };
        if (untilLogEnd) this.#checkFollower(partition, params.replicaId, request.currentLeaderEpoch);
        const divergingEpoch = (request.lastFetchedEpoch ?? -1) >= 0 ? partition.divergingEpoch(request.fetchOffset, request.lastFetchedEpoch!) : undefined;
        if (divergingEpoch) return { ...noRecords(request, ErrorCode.NONE, partition), divergingEpoch };
        if (untilLogEnd) {
          this.#checkBrokerEpoch(params.replicaId, params.replicaEpoch ?? -1);
          this.#followerFetched(partition, params.replicaId, request.fetchOffset);
        }
        const budget = Math.min(request.partitionMaxBytes, remaining);
        if (budget <= 0) {
          partition.checkOnline();
          return noRecords(request, ErrorCode.NONE, partition);
        }
        const read = this.#withStorageErrors(partition, () => partition.read(request.fetchOffset, budget, untilLogEnd));
        if (read.bytes > budget && remaining < params.maxBytes) {
          // Only the first partition with data may exceed the limits with its first batch (KIP-74).
          read.release();
          return noRecords(request, ErrorCode.NONE, read);
        }
        releases.push(() => read.release());
        remaining -= read.bytes;
        return {
          topic: request.topic,
          partition: request.partition,
          errorCode: ErrorCode.NONE,
          highWatermark: read.highWatermark,
          lastStableOffset: read.highWatermark,
          logStartOffset: read.logStartOffset,
          records: read.views,
          bytes: read.bytes,
        };
      } catch (error) {
        const code = codeOf(error);
        return noRecords(request, code, partition && code === ErrorCode.OFFSET_OUT_OF_RANGE ? partition : undefined);
      }
    });
    let released = false;
    return {
      partitions,
      release: () => {
        if (released) return;
        released = true;
        for (const release of releases) release();
      },
    };
  }

  /** The log dir (not the partition's own directory) holding the partition. */
  #logDirOf(partition: Partition): string | undefined {
    const own = this.#logManager.logDirOf(partition.topic, partition.partition);
    return own === undefined ? undefined : resolve(dirname(own));
  }

  #missing(topic: string, partition: number): KafkaError {
    return this.#failedToOpen.has(`${topic}-${partition}`)
      ? new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `${topic}-${partition} is in a failed log dir`)
      : new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}`);
  }

  #checkLeader(topic: string, partition: number): void {
    if (this.#ledElsewhere(topic, partition)) {
      const leader = this.#metadata.topic(topic)?.partitions[partition]?.leader;
      const why = leader === this.#metadata.nodeId ? 'this broker has lost its metadata session' : `it is led by broker ${leader}`;
      throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${topic}-${partition}: ${why}`);
    }
  }

  /** The metadata knows the partition and this broker cannot claim to lead it (another does, or its session is gone). */
  #ledElsewhere(topic: string, partition: number): boolean {
    return this.#metadata.topic(topic)?.partitions[partition]?.leader !== undefined && !this.#metadata.leads(topic, partition);
  }

  #checkEnoughReplicas(partition: Partition): void {
    const minInsync = partition.config.number('min.insync.replicas');
    const isr = partition.role.isr.length;
    if (isr < minInsync) {
      throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, `${isr} in-sync replica(s), min.insync.replicas is ${minInsync}`);
    }
  }

  /** A failed disk takes the partition's whole log dir offline (its other partitions fail the same way); a
   * full disk or a lack of file descriptors fails only the request (the log manager tells which). */
  #withStorageErrors<T>(partition: Partition, action: () => T): T {
    try {
      return action();
    } catch (error) {
      this.#noteStorageError(partition, error);
      throw error;
    }
  }

  /** A failed disk takes the partition's whole log dir offline (its other partitions fail the same way); a
   * full disk or a lack of file descriptors fails only the request (the log manager tells which). */
  #noteStorageError(partition: Partition, error: unknown): void {
    if (
      error instanceof KafkaError &&
      error.code === ErrorCode.KAFKA_STORAGE_ERROR &&
      this.#logManager.reportFailure(partition.topic, partition.partition, error)
    ) {
      this.#takeDirOffline(partition);
    }
  }

  #takeDirOffline(failed: Partition): void {
    const dir = this.#logDirOf(failed);
    for (const partitions of this.#partitions.values()) {
      for (const partition of opened(partitions)) {
        if (partition === failed || (dir !== undefined && this.#logDirOf(partition) === dir)) {
          partition.markOffline(ErrorCode.KAFKA_STORAGE_ERROR);
        }
      }
    }
  }

  /**
   * Opens this node's replicas among `partitions` of a topic. A partition in a failed log dir stays
   * a hole (KAFKA_STORAGE_ERROR); a lack of descriptors or space fails the whole change: the logs opened
   * here are closed and removed again and the error is thrown to the metadata, whose creator rolls back.
   */
  async #openPartitions(topic: TopicInfo, partitions: readonly PartitionInfo[]): Promise<void> {
    const config = this.#metadata.topicConfig(topic.name);
    const offlineDirs = new Set(
      this.#logManager
        .logDirs()
        .filter((d) => !d.online)
        .map((d) => resolve(d.path)),
    );
    const placed = new Map<number, string>();
    // Logs open one after the other (each call runs synchronously up to its first await), while the producer
    // states load concurrently: each is a few file reads, and awaited one partition at a time they cost a
    // restart with 1,000 partitions a libuv round trip per read. Only this node's replicas are opened.
    const local = partitions.filter((info) => info.replicas.includes(this.#metadata.nodeId));
    // After a failure that fails the whole change (no descriptors, no space), the partitions behind it are not
    // opened at all: they would only be removed again.
    let failed = false;
    const outcomes = await Promise.allSettled(
      local.map(async (info): Promise<Partition | undefined> => {
        if (failed) return undefined;
        const ids = { topic: topic.name, partition: info.partition, topicId: topic.topicId, leaderEpoch: info.leaderEpoch };
        let created = false;
        try {
          if (info.logDir !== undefined && offlineDirs.has(info.logDir)) {
            throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log dir ${info.logDir} of ${topic.name}-${info.partition} is offline`);
          }
          const log = this.#logManager.getOrCreateLog(topic.name, info.partition, topic.topicId, logConfig(config));
          created = true;
          const producerState = await this.#producerStates.load(ids, log, this.#logManager);
          const checkpointedHighWatermark = this.#logManager.checkpointedHighWatermark(topic.name, info.partition);
          const partition = new Partition({ ...ids, nodeId: this.#metadata.nodeId, checkpointedHighWatermark }, log, config, producerState, info);
          const logDir = this.#logDirOf(partition);
          if (logDir !== undefined && logDir !== info.logDir) placed.set(info.partition, logDir);
          return partition;
        } catch (error) {
          if (storageFaultOf(error) !== StorageFault.FAILED_DISK) {
            failed = true;
            // The whole change is rolled back: a log opened before its producer state failed goes too.
            if (created) await this.#logManager.deleteLog(topic.name, info.partition);
            throw error;
          }
          this.#failedToOpen.add(`${topic.name}-${info.partition}`);
          return undefined;
        }
      }),
    );
    const openedNow = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value ? [outcome.value] : []));
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure) {
      for (const partition of openedNow) await this.#logManager.deleteLog(topic.name, partition.partition);
      throw failure.reason;
    }
    const held = this.#partitions.get(topic.name) ?? [];
    for (const partition of openedNow) held[partition.partition] = partition;
    this.#partitions.set(topic.name, held);
    for (const partition of openedNow) if (!partition.isLeader) this.#fetchers.follow(partition, partition.role.leader);
    // Recorded after the metadata change that created the partitions (this runs inside it). Losing a record
    // to a failed write only means it is recorded again at the next start.
    if (placed.size > 0) void this.#metadata.assignLogDirs(topic.name, placed).catch(() => undefined);
  }

  /**
   * Deletes the logs this node holds that the metadata, as loaded at start, no longer gives it (Kafka's stray
   * replicas): those of topics deleted while it was down or before it had deleted them (a crash), including a
   * topic since created again under the same name (another topic id), of partitions the topic does not have,
   * and replicas a reassignment moved away meanwhile. It runs before any partition opens, so a topic created
   * again never serves, nor follows from, the records of the one it replaced.
   */
  async #deleteStrayLogs(): Promise<void> {
    for (const log of this.#logManager.heldLogs()) {
      const reason = strayReason(log, this.#metadata.topic(log.topic), this.#metadata.nodeId);
      if (reason === undefined) continue;
      await this.#logManager.deleteLog(log.topic, log.partition);
      this.#logger?.warn({ topic: log.topic, partition: log.partition, topicId: log.topicId, reason }, 'stray log deleted');
    }
  }

  async #deletePartitions(topic: TopicInfo): Promise<void> {
    const partitions = this.#partitions.get(topic.name) ?? [];
    this.#partitions.delete(topic.name);
    for (const info of topic.partitions) this.#failedToOpen.delete(`${topic.name}-${info.partition}`);
    for (const partition of opened(partitions)) {
      this.#fetchers.unfollow(partition);
      partition.markOffline(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      await this.#logManager.deleteLog(topic.name, partition.partition);
    }
  }

  #reconfigure(topic: TopicInfo): void {
    const config = this.#metadata.topicConfig(topic.name);
    for (const partition of opened(this.#partitions.get(topic.name) ?? [])) {
      partition.config = config;
      if (partition.offline === undefined) this.#logManager.updateConfig(topic.name, partition.partition, logConfig(config));
    }
  }

  /**
   * The replica a consumer in rack `rackId` should fetch from instead of this leader (Kafka's
   * findPreferredReadReplica with its RackAwareReplicaSelector): with `replica.selector.class` set and a
   * rack given, among the live in-sync followers that have `fetchOffset` and this leader, those in the
   * consumer's rack; the leader when it is one of them or none is, else the one furthest ahead (then the
   * one caught up last). Undefined means the leader itself.
   */
  #preferredReadReplica(partition: Partition, rackId: string, fetchOffset: bigint): number | undefined {
    if (rackId === '' || !partition.isLeader || !this.#config.has('replica.selector.class')) return undefined;
    const racks = new Map(this.#metadata.brokers().map((b) => [b.nodeId, b.rack]));
    if (racks.get(this.#metadata.nodeId) === rackId) return undefined;
    const nowMs = Date.now();
    let best: { readonly id: number; readonly logEndOffset: bigint; readonly sinceCaughtUpMs: number } | undefined;
    for (const id of partition.role.isr) {
      const follower = partition.followerState(id);
      if (!follower || racks.get(id) !== rackId || follower.logEndOffset < fetchOffset) continue;
      const candidate = { id, logEndOffset: follower.logEndOffset, sinceCaughtUpMs: nowMs - follower.lastCaughtUpMs };
      const ahead =
        !best ||
        candidate.logEndOffset > best.logEndOffset ||
        (candidate.logEndOffset === best.logEndOffset && candidate.sinceCaughtUpMs < best.sinceCaughtUpMs);
      if (ahead) best = candidate;
    }
    return best?.id;
  }

  /**
   * Kafka's followerReplicaOrThrow: a fetch from a broker that is not a replica of the partition is refused,
   * UNKNOWN_LEADER_EPOCH when it names the current epoch (it may be a replica this leader has not learned
   * of yet, so it retries), else NOT_LEADER_OR_FOLLOWER.
   */
  #checkFollower(partition: Partition, replicaId: number, currentLeaderEpoch: number): void {
    if (partition.followerState(replicaId)) return;
    const code = currentLeaderEpoch >= 0 ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.NOT_LEADER_OR_FOLLOWER;
    throw new KafkaError(code, `broker ${replicaId} is not a replica of ${partition.topic}-${partition.partition} in leader epoch ${partition.leaderEpoch}`);
  }

  /**
   * A follower fetch from an earlier incarnation of its broker (a broker epoch older than the one it is
   * registered with now) must not move the follower's state: NOT_LEADER_OR_FOLLOWER, as Kafka's
   * Replica.updateFetchStateOrThrow. -1 (not sent) and epochs this broker has not seen registered pass.
   */
  #checkBrokerEpoch(replicaId: number, replicaEpoch: number): void {
    const registered = this.#metadata.brokerEpochOf(replicaId);
    if (replicaEpoch === -1 || registered === undefined || registered <= replicaEpoch) return;
    throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${replicaId} fetched with broker epoch ${replicaEpoch}, registered with ${registered}`);
  }

  /** A follower's fetch at `fetchOffset` tells the leader what it has; it may then rejoin the ISR. */
  #followerFetched(partition: Partition, replicaId: number, fetchOffset: bigint): void {
    const wasInIsr = partition.role.isr.includes(replicaId);
    partition.updateFollowerFetch(replicaId, fetchOffset, Date.now());
    if (!wasInIsr && partition.followerState(replicaId)) this.#maybeAlterIsr(partition);
  }

  /**
   * The broker lost its metadata session: another broker may lead its partitions already, so what waits on
   * them as leader is answered now (Kafka's delayed operations on a leadership change). acks=all produces get
   * NOT_LEADER_OR_FOLLOWER; parked fetches are read again and refused the same way. The partitions keep
   * their role: the partition states the session brings back decide it.
   */
  #answerInFlightAsNotLeader(): void {
    for (const partitions of this.#partitions.values()) {
      for (const partition of opened(partitions)) if (partition.isLeader) partition.failWaitingProduces(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    this.completeDelayedFetches();
  }

  /** Every partition this broker leads shrinks or expands its ISR where the followers' progress says so. */
  #checkIsrs(): void {
    for (const partitions of this.#partitions.values()) {
      for (const partition of opened(partitions)) if (partition.isLeader && partition.offline === undefined) this.#maybeAlterIsr(partition);
    }
  }

  /**
   * Writes the ISR the leader's view of its followers calls for (one write per partition at a time). A write
   * refused because the partition state moved on is not retried: the new state reaches this broker through
   * the metadata, and with it the role it now has.
   */
  #maybeAlterIsr(partition: Partition): void {
    if (this.#alteringIsr.has(partition)) return;
    const registered = (id: number): boolean => this.#metadata.brokerEpochOf(id) !== undefined;
    const isr = partition.proposedIsr(Date.now(), this.#config.int('replica.lag.time.max.ms'), registered);
    if (!isr) return;
    this.#alteringIsr.add(partition);
    this.#logger?.info({ topic: partition.topic, partition: partition.partition, from: partition.role.isr, to: isr }, 'changing the ISR');
    const before = partition.role.isr;
    this.#metadata
      .alterPartition(partition.topic, partition.partition, partition.role, isr)
      .then((written) => {
        if (!written) return;
        if (before.some((id) => !isr.includes(id))) this.#isrShrinks++;
        if (isr.some((id) => !before.includes(id))) this.#isrExpands++;
      })
      .catch((error: unknown) => this.#logger?.warn({ err: error, topic: partition.topic, partition: partition.partition }, 'ISR change failed'))
      .finally(() => this.#alteringIsr.delete(partition));
  }

  /**
   * This broker's replicas take the role their new partition state gives them; a replica a reassignment
   * adds here is opened (empty, it follows the leader from its log start), and one it removed from here
   * stops and is deleted, as Kafka's StopReplica with deletion.
   */
  async #applyPartitionStates(topic: TopicInfo, changes: readonly PartitionChange[]): Promise<void> {
    const added: PartitionInfo[] = [];
    for (const { before, after } of changes) {
      const partition = this.partition(topic.name, after.partition);
      const hosted = after.replicas.includes(this.#metadata.nodeId);
      if (!hosted) {
        if (partition) await this.#removeReplica(partition);
        this.#failedToOpen.delete(`${topic.name}-${after.partition}`);
      } else if (!partition) {
        if (!before.replicas.includes(this.#metadata.nodeId)) added.push(after);
      } else {
        this.#takeRole(partition, after, before.leader !== after.leader || before.leaderEpoch !== after.leaderEpoch);
      }
    }
    if (added.length === 0) return;
    // The reassignment waits for a replica that could not open (an operator may cancel it); the other
    // changes of this revision still apply.
    await this.#openPartitions(topic, added).catch((error: unknown) =>
      this.#logger?.error({ err: error, topic: topic.name, partitions: added.map((p) => p.partition) }, 'could not open the replicas a reassignment adds here'),
    );
  }

  async #removeReplica(partition: Partition): Promise<void> {
    this.#fetchers.unfollow(partition);
    partition.markOffline(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const held = this.#partitions.get(partition.topic);
    if (held) held[partition.partition] = undefined;
    await partition.appendsSettled();
    await this.#logManager.deleteLog(partition.topic, partition.partition);
    this.#logger?.info({ topic: partition.topic, partition: partition.partition }, 'replica removed from this broker by a reassignment');
  }

  /** Leads or follows as `info` says; a follower whose leader or epoch changed truncates and fetches anew. */
  #takeRole(partition: Partition, info: PartitionInfo, leadershipChanged: boolean): void {
    if (info.leader === this.#metadata.nodeId) {
      this.#fetchers.unfollow(partition);
      try {
        partition.makeLeader(info, Date.now());
      } catch (error) {
        // Only recording the new epoch's start failed: the partition leads, its first append records it.
        this.#noteStorageError(partition, error);
        this.#logger?.error({ err: error, topic: partition.topic, partition: partition.partition }, 'the new leader epoch could not be recorded');
      }
      return;
    }
    partition.makeFollower(info);
    if (leadershipChanged || this.#fetchers.leaderOf(partition) === undefined) this.#fetchers.follow(partition, info.leader);
  }

  #expireProducers(expirationMs: number): void {
    const now = Date.now();
    for (const partitions of this.#partitions.values()) {
      for (const partition of opened(partitions)) partition.producerState.expire(now, expirationMs);
    }
  }
}

/** The partitions of a topic that are open (those whose log dir failed are holes). */
function opened(partitions: readonly (Partition | undefined)[]): Partition[] {
  return partitions.filter((p): p is Partition => p !== undefined);
}

/** The topic settings the storage engine applies, by Kafka name. */
function logConfig(config: TopicConfig): TopicLogConfig {
  const values: Record<string, string | number | boolean | readonly string[] | null> = {};
  for (const entry of config.entries()) values[entry.def.name] = entry.value;
  return values;
}

function success(entry: ProduceEntry): ProduceResult {
  return {
    topic: entry.topic,
    partition: entry.partition,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
  };
}

function failure(entry: ProduceEntry, error: unknown): ProduceResult {
  return { ...success(entry), errorCode: codeOf(error), errorMessage: errorMessage(error) };
}

/** A fetch answer without records; with the partition's offsets when they may be told (no error, or out of range). */
function noRecords(request: FetchPartition, errorCode: ErrorCode, offsets?: { highWatermark: bigint; logStartOffset: bigint }): FetchPartitionResult {
  const highWatermark = offsets?.highWatermark ?? -1n;
  return {
    topic: request.topic,
    partition: request.partition,
    errorCode,
    highWatermark,
    lastStableOffset: highWatermark,
    logStartOffset: offsets?.logStartOffset ?? -1n,
    records: [],
    bytes: 0,
  };
}

function errorMessage(error: unknown): string | null {
  return error instanceof Error ? error.message : null;
}

interface AcksOutcome {
  readonly code: ErrorCode;
  readonly message: string | null;
}

interface AcksWait {
  readonly index: number;
  readonly wait: Promise<AcksOutcome>;
}

/** An acks=all answer once replicated (its code) and flushed here (a failed flush: KAFKA_STORAGE_ERROR). */
async function acksOutcome(replicated: ErrorCode | Promise<ErrorCode>, flushed: Promise<void> | undefined): Promise<AcksOutcome> {
  try {
    await flushed;
  } catch (error) {
    return { code: ErrorCode.KAFKA_STORAGE_ERROR, message: errorMessage(error) };
  }
  return { code: await replicated, message: null };
}

/** The outcomes by entry index of the waits that settled within `timeoutMs` (the others timed out). */
async function settleWithin(waits: readonly AcksWait[], timeoutMs: number): Promise<Map<number, AcksOutcome>> {
  const outcomes = new Map<number, AcksOutcome>();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(timeoutMs, 0));
  });
  try {
    await Promise.race([Promise.all(waits.map(({ index, wait }) => wait.then((outcome) => void outcomes.set(index, outcome)))), timeout]);
  } finally {
    clearTimeout(timer);
  }
  return new Map(outcomes);
}

/**
 * Replicates from one leader broker (Kafka's ReplicaFetcherThread): one connection, and one Fetch at a time
 * carrying every partition this broker follows from that leader, with this broker's id and broker epoch
 * (ReplicaState, Fetch v15) so the leader can fence an earlier incarnation of it. A partition is fetched
 * from its log end with its latest epoch as the last fetched one: where its log diverges from the leader's,
 * the leader answers with the diverging epoch and the partition truncates to where the two agree (truncation
 * on fetch, as Kafka 2.7+). OffsetForLeaderEpoch (KIP-101/279) remains for what the fetch cannot settle: a
 * diverging epoch this log does not hold, out-of-range and epoch errors; a log without epochs truncates to
 * its high watermark. The leader's batches are appended as they are and the leader's high watermark taken.
 * Errors back off (`replica.fetch.backoff.ms`): a broken connection for the whole fetcher, a partition's
 * error for that partition until its leadership changes.
 */
import type { Logger } from 'pino';
import { ApiKey } from '../../protocol/api-keys.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { FetchRequest, OffsetForLeaderEpochRequest } from '../../protocol/messages.js';
import type { Partition } from '../partition.js';
import { BrokerConnection, type ConnectionSecurity } from './broker-connection.js';

/** The first Fetch version with ReplicaState (the follower's broker epoch); topics go by id from v13. */
const FETCH_VERSION = 15;
const OFFSET_FOR_LEADER_EPOCH_VERSION = 4;

export interface FetcherSettings {
  readonly nodeId: number;
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly partitionMaxBytes: number;
  readonly responseMaxBytes: number;
  readonly backoffMs: number;
  readonly requestTimeoutMs: number;
  /** With gregor.flush.before.acks.all.enable, fetched batches are flushed before the next fetch reports them. */
  readonly flushBeforeFetch: boolean;
  /** This broker's current broker epoch (-1 outside a cluster), sent in every fetch. */
  readonly brokerEpoch: () => number;
  /** How to connect to the leader's inter-broker listener (TLS, SASL login); throws when that is misconfigured. */
  readonly security: () => ConnectionSecurity;
}

export interface LeaderEndpoint {
  readonly host: string;
  readonly port: number;
}

/** What a follower partition's fetching is at. */
interface FetchState {
  readonly partition: Partition;
  truncating: boolean;
  /** No fetch for it before this time (after an error). */
  delayedUntilMs: number;
  /** Offsets the leader's high watermark was ahead of this log's end at the last fetch (Kafka's fetcher lag). */
  lag: bigint;
}

export class ReplicaFetcher {
  readonly leaderId: number;
  readonly #settings: FetcherSettings;
  readonly #endpoint: () => LeaderEndpoint | undefined;
  readonly #logger: Logger | undefined;
  readonly #states = new Map<Partition, FetchState>();
  #connection: BrokerConnection | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #failing = false;
  #wake: (() => void) | undefined;

  constructor(leaderId: number, settings: FetcherSettings, endpoint: () => LeaderEndpoint | undefined, logger?: Logger) {
    this.leaderId = leaderId;
    this.#settings = settings;
    this.#endpoint = endpoint;
    this.#logger = logger;
  }

  get partitionCount(): number {
    return this.#states.size;
  }

  /** Follows `partition` from this leader; a log without epochs truncates to its high watermark first. */
  add(partition: Partition): void {
    this.#states.set(partition, { partition, truncating: partition.log.leaderEpochs().length === 0, delayedUntilMs: 0, lag: 0n });
    this.#running ??= this.#run();
    this.#wake?.();
  }

  remove(partition: Partition): void {
    this.#states.delete(partition);
  }

  /** The largest lag, in offsets, of the partitions fetched from this leader (Kafka's MaxLag). */
  get maxLag(): bigint {
    let max = 0n;
    for (const state of this.#states.values()) if (state.lag > max) max = state.lag;
    return max;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    this.#connection?.close();
    await this.#running;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const now = Date.now();
      const ready = [...this.#states.values()].filter((s) => s.delayedUntilMs <= now && s.partition.offline === undefined);
      if (ready.length === 0) {
        const next = Math.min(...[...this.#states.values()].map((s) => s.delayedUntilMs));
        await this.#sleep(Number.isFinite(next) ? Math.max(next - now, 10) : 60_000);
        continue;
      }
      try {
        const connection = this.#connect();
        const truncating = ready.filter((s) => s.truncating);
        if (truncating.length > 0) await this.#truncate(connection, truncating);
        const fetching = ready.filter((s) => !s.truncating && this.#states.get(s.partition) === s);
        if (fetching.length > 0) await this.#fetch(connection, fetching);
        this.#failing = false;
      } catch (error) {
        if (this.#stopped) break;
        // The first failure is worth a warning; its repetitions while the leader stays unreachable are not.
        if (this.#failing) this.#logger?.debug({ err: error, leader: this.leaderId }, 'replica fetch failed again; backing off');
        else this.#logger?.warn({ err: error, leader: this.leaderId }, 'replica fetch failed; backing off');
        this.#failing = true;
        this.#connection?.close();
        this.#connection = undefined;
        await this.#sleep(this.#settings.backoffMs);
      }
    }
    this.#connection?.close();
  }

  #connect(): BrokerConnection {
    if (this.#connection && !this.#connection.closed) return this.#connection;
    const endpoint = this.#endpoint();
    if (!endpoint) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `no endpoint for broker ${this.leaderId}`);
    const clientId = `gregor-replica-fetcher-${this.#settings.nodeId}`;
    this.#connection = new BrokerConnection(endpoint.host, endpoint.port, clientId, this.#settings.security(), this.#settings.requestTimeoutMs);
    return this.#connection;
  }

  /**
   * One round of KIP-279 truncation for each partition: asks the leader where the follower's latest epoch
   * ends there. When the leader answers with the same epoch, the follower truncates to the smaller of both
   * ends and is done; when it answers an older epoch, the follower truncates to where that epoch ends
   * locally and asks again next round; when it cannot tell, the follower truncates to its high watermark.
   */
  async #truncate(connection: BrokerConnection, states: readonly FetchState[]): Promise<void> {
    const asking: { state: FetchState; epoch: number }[] = [];
    for (const state of states) {
      const latest = state.partition.log.leaderEpochs().at(-1);
      if (latest === undefined) {
        state.partition.truncateTo(state.partition.highWatermark);
        state.truncating = false;
      } else {
        asking.push({ state, epoch: latest.epoch });
      }
    }
    if (asking.length === 0) return;
    const request: OffsetForLeaderEpochRequest = {
      replicaId: this.#settings.nodeId,
      topics: groupByTopic(asking, ({ state, epoch }) => ({
        partition: state.partition.partition,
        currentLeaderEpoch: state.partition.leaderEpoch,
        leaderEpoch: epoch,
      })),
    };
    const response = await connection.request(ApiKey.OffsetForLeaderEpoch, OFFSET_FOR_LEADER_EPOCH_VERSION, request, this.#settings.requestTimeoutMs);
    for (const { state } of asking) {
      const answer = response.topics.find((t) => t.topic === state.partition.topic)?.partitions.find((p) => p.partition === state.partition.partition);
      if (this.#states.get(state.partition) !== state) continue;
      if (!answer || answer.errorCode !== ErrorCode.NONE) {
        this.#delay(state, answer?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
        continue;
      }
      if (answer.endOffset < 0n || answer.leaderEpoch < 0) {
        state.partition.truncateTo(state.partition.highWatermark);
        state.truncating = false;
        continue;
      }
      this.#truncateToLeaderEpochEnd(state, answer.leaderEpoch, answer.endOffset);
    }
  }

  /**
   * Truncates to where the leader says `epoch` ends (`endOffset`), as Kafka's getOffsetTruncationState: when
   * this log holds the same epoch, to the smaller of both ends, and it is done; when its largest epoch not
   * above it is another, to that epoch's end here, and OffsetForLeaderEpoch asks again for the epoch left.
   */
  #truncateToLeaderEpochEnd(state: FetchState, epoch: number, endOffset: bigint): void {
    const partition = state.partition;
    const local = partition.log.endOffsetForEpoch(epoch);
    if (local === undefined) {
      partition.truncateTo(endOffset);
      state.truncating = false;
    } else if (local.epoch !== epoch) {
      partition.truncateTo(local.endOffset);
      state.truncating = true;
    } else {
      partition.truncateTo(endOffset < local.endOffset ? endOffset : local.endOffset);
      state.truncating = false;
    }
  }

  async #fetch(connection: BrokerConnection, states: readonly FetchState[]): Promise<void> {
    const topicIds = new Map(states.map((state) => [state.partition.topic, state.partition.topicId]));
    const request: FetchRequest = {
      replicaId: this.#settings.nodeId,
      replicaState: { replicaId: this.#settings.nodeId, replicaEpoch: BigInt(this.#settings.brokerEpoch()) },
      maxWaitMs: this.#settings.maxWaitMs,
      minBytes: this.#settings.minBytes,
      maxBytes: this.#settings.responseMaxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: groupByTopic(states, (state) => ({
        partition: state.partition.partition,
        currentLeaderEpoch: state.partition.leaderEpoch,
        fetchOffset: state.partition.logEndOffset,
        lastFetchedEpoch: state.partition.log.leaderEpochs().at(-1)?.epoch ?? -1,
        logStartOffset: state.partition.logStartOffset,
        partitionMaxBytes: this.#settings.partitionMaxBytes,
      })).map((t) => ({ ...t, topicId: topicIds.get(t.topic)! })),
      forgottenTopicsData: [],
      rackId: '',
    };
    const response = await connection.request(ApiKey.Fetch, FETCH_VERSION, request, this.#settings.requestTimeoutMs + this.#settings.maxWaitMs);
    const flushes: Promise<void>[] = [];
    const byId = new Map(states.map((state) => [`${state.partition.topicId}\0${state.partition.partition}`, state]));
    for (const topic of response.responses) {
      for (const data of topic.partitions) {
        const state = byId.get(`${topic.topicId}\0${data.partitionIndex}`);
        if (!state || this.#states.get(state.partition) !== state) continue;
        const partition = state.partition;
        try {
          if (data.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
            this.#outOfRange(state, data.logStartOffset);
            continue;
          }
          if (data.errorCode !== ErrorCode.NONE) {
            this.#delay(state, data.errorCode);
            continue;
          }
          if (data.divergingEpoch !== undefined && data.divergingEpoch.epoch >= 0) {
            this.#truncateToLeaderEpochEnd(state, data.divergingEpoch.epoch, data.divergingEpoch.endOffset);
            continue;
          }
          const records = wholeBatches(data.records);
          if (records.length > 0) {
            partition.appendAsFollower(records, Date.now());
            if (this.#settings.flushBeforeFetch) flushes.push(partition.log.flush(partition.logEndOffset));
          }
          partition.updateFollowerHighWatermark(data.highWatermark);
          partition.updateFollowerLogStart(data.logStartOffset);
          state.lag = data.highWatermark > partition.logEndOffset ? data.highWatermark - partition.logEndOffset : 0n;
        } catch (error) {
          this.#logger?.warn({ err: error, topic: partition.topic, partition: partition.partition }, 'replicated batches could not be appended');
          this.#delay(state, error instanceof KafkaError ? error.code : ErrorCode.UNKNOWN_SERVER_ERROR);
        }
      }
    }
    // Durable before the next fetch tells the leader this replica has them.
    await Promise.all(flushes);
  }

  /** Behind the leader's log start: start over there; otherwise the logs disagree, so truncate again. */
  #outOfRange(state: FetchState, leaderLogStart: bigint): void {
    if (leaderLogStart >= 0n && state.partition.logEndOffset < leaderLogStart) state.partition.truncateFullyAndStartAt(leaderLogStart);
    else state.truncating = true;
  }

  #delay(state: FetchState, code: ErrorCode): void {
    const where = { topic: state.partition.topic, partition: state.partition.partition, leader: this.leaderId, code: ErrorCode[code] };
    // A leader that refuses this broker (no CLUSTER_ACTION for its principal) stops replication until an operator acts: said at every retry, as Kafka does.
    if (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED || code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED) {
      this.#logger?.error(where, 'the leader refuses to replicate to this broker: its principal needs CLUSTER_ACTION on the cluster');
    } else {
      this.#logger?.debug(where, 'replica fetch backs off');
    }
    state.delayedUntilMs = Date.now() + this.#settings.backoffMs;
    // A fenced or unknown epoch, or another leader: the metadata will say what is next; until then, retry
    // slowly. No truncation round is needed first: the next fetch's last fetched epoch has the leader check
    // this log again.
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

/** Groups per-partition entries of a request by topic name, in first-seen order. */
function groupByTopic<S extends { partition: Partition } | { state: { partition: Partition } }, P>(
  items: readonly S[],
  entry: (item: S) => P,
): { topic: string; partitions: P[] }[] {
  const byTopic = new Map<string, P[]>();
  for (const item of items) {
    const partition = 'state' in item ? item.state.partition : item.partition;
    const list = byTopic.get(partition.topic) ?? [];
    list.push(entry(item));
    byTopic.set(partition.topic, list);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/** The whole batches of a fetched records field (a leader may end a response inside a batch). */
function wholeBatches(data: Buffer | readonly Buffer[] | null | undefined): Buffer {
  if (!data) return EMPTY;
  const records = Buffer.isBuffer(data) ? data : Buffer.concat(data);
  let end = 0;
  while (end + 12 <= records.length) {
    const size = records.readInt32BE(end + 8) + 12;
    if (end + size > records.length) break;
    end += size;
  }
  return records.subarray(0, end);
}

const EMPTY = Buffer.alloc(0);

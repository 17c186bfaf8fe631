/**
 * The embedded consumer: reads partitions straight from the ReplicaManager (the same long-poll fetch the
 * Fetch handler uses) and hands out records whose keys and values are views into the mapped segments, not
 * copies. A fetched read stays unreleased, so its segment stays mapped, until the iterator moves past its
 * batches or the consumer closes. With a `groupId` it joins the broker's group coordinator as a classic
 * `consumer` member (src/embedded/group-member.ts), sharing partitions and committed offsets with network
 * consumers of the same group; without one it reads every partition of its topics.
 */
import { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AsyncCloseable } from '../lifecycle/async-closeable.js';
import type { ClusterMetadata } from '../cluster/cluster-metadata.js';
import type { FetchedOffset, GroupCoordinator } from '../group/group-coordinator.js';
import { GroupMember } from './group-member.js';
import type { TopicPartitions } from './assignors.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { EARLIEST_TIMESTAMP, type FetchResult, IsolationLevel, LATEST_TIMESTAMP, type ReplicaManager } from '../replication/replica-manager.js';
import { RecordBatchView } from '../record/records.js';

export type StartFrom = 'earliest' | 'latest' | { readonly offset: bigint } | { readonly timestamp: number };

export interface ConsumerOptions {
  readonly topics: readonly string[];
  readonly groupId?: string;
  /** Kafka's client.id: names the member in the group (its member id starts with it). */
  readonly clientId?: string;
  /** Where to start a partition without a committed offset (default 'latest', as Kafka's auto.offset.reset). */
  readonly from?: StartFrom;
  /** Commit the positions reached when partitions are revoked, every `autoCommitIntervalMs`, and on close (default true with a group). */
  readonly autoCommit?: boolean;
  readonly autoCommitIntervalMs?: number;
  /** Longest a fetch waits for new records (bounds how long close() waits for the fetch in progress). */
  readonly maxWaitMs?: number;
  readonly maxBytes?: number;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
}

export interface ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: number;
  /** Views into the log: valid until the iterator moves past this record's batch or the consumer closes. */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | null>>;
}

export interface ConsumerServices {
  readonly replicaManager: ReplicaManager;
  readonly metadata: ClusterMetadata;
  readonly groupCoordinator: GroupCoordinator;
}

export class Consumer extends AsyncCloseable implements AsyncIterable<ConsumerRecord> {
  readonly #services: ConsumerServices;
  readonly #options: ConsumerOptions;
  /** Next offset to read, by `partition:topic`, for the partitions this consumer holds. */
  readonly #positions = new Map<string, { topic: string; partition: number; offset: bigint }>();
  readonly #paused = new Set<string>();
  #member: GroupMember | null = null;
  #held: FetchResult | null = null;
  #wake: (() => void) | null = null;
  #commitTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #reading: Promise<unknown> | null = null;

  private constructor(services: ConsumerServices, options: ConsumerOptions) {
    super();
    this.#services = services;
    this.#options = options;
  }

  static async create(services: ConsumerServices, options: ConsumerOptions): Promise<Consumer> {
    const consumer = new Consumer(services, options);
    for (const topic of options.topics) {
      if (!services.metadata.topic(topic)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${topic}`);
    }
    if (options.groupId === undefined) {
      consumer.#assign(options.topics.map((topic) => ({ topic, partitions: consumer.#partitionsOf(topic) })));
    } else {
      consumer.#member = await GroupMember.join(services.groupCoordinator, {
        groupId: options.groupId,
        topics: options.topics,
        clientId: options.clientId ?? 'gregor-embedded',
        sessionTimeoutMs: options.sessionTimeoutMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        partitionCount: (topic) => services.metadata.topic(topic)?.partitions.length ?? 0,
        onRevoked: async () => {
          if (consumer.#autoCommit) await consumer.commit();
          consumer.#positions.clear();
        },
        onAssigned: (assigned) => consumer.#assign(assigned),
      });
      if (consumer.#autoCommit) consumer.#scheduleCommit();
    }
    return consumer;
  }

  /** The partitions this consumer reads now. */
  get assignment(): TopicPartitions[] {
    const byTopic = new Map<string, number[]>();
    for (const p of this.#positions.values()) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
  }

  /** Next offset this consumer reads from a partition it holds. */
  position(topic: string, partition: number): bigint | undefined {
    return this.#positions.get(`${partition}:${topic}`)?.offset;
  }

  /** Batches of records as fetched (one native decode per batch); the previous batch's views are released when the next is asked for. */
  async *batches(): AsyncGenerator<ConsumerRecord[], void, undefined> {
    try {
      while (!this.#closed) {
        this.#release();
        // A fetch of records already there resolves at once: without this, reading a backlog would be one
        // unbroken chain of promises, and the embedding service's timers and I/O would wait for its end.
        await yieldToEventLoop();
        const fetch = await this.#fetch();
        if (!fetch) continue;
        const { fetched, fetchOffsets } = fetch;
        this.#held = fetched;
        for (const partition of fetched.partitions) {
          const id = `${partition.partition}:${partition.topic}`;
          // Sought while earlier records of this response were out: its records here no longer follow the position.
          if (this.#positions.get(id)?.offset !== fetchOffsets.get(id)) continue;
          if (partition.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
            this.#reset(id);
            continue;
          }
          if (partition.errorCode !== ErrorCode.NONE) throw new KafkaError(partition.errorCode, `${partition.topic}-${partition.partition}`);
          for (const batch of partition.records) {
            const position = this.#positions.get(id);
            if (!position || this.#paused.has(id) || this.#closed) break;
            const from = position.offset;
            const records = decode(partition.topic, partition.partition, batch, from);
            const last = records.at(-1);
            if (last === undefined) continue;
            // The position moves past what is handed out, as a Kafka consumer's does past what poll returned.
            const next = (position.offset = last.offset + 1n);
            yield records;
            if (position.offset !== next) break;
          }
        }
      }
    } finally {
      this.#release();
    }
  }

  /** Records one by one; the position (what commits store) is just past the last record handed out. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord, void, undefined> {
    for await (const batch of this.batches()) {
      const [first] = batch;
      if (first === undefined) continue;
      const id = `${first.partition}:${first.topic}`;
      const position = this.#positions.get(id);
      if (!position) continue;
      for (const record of batch) {
        const next = (position.offset = record.offset + 1n);
        yield record;
        // A seek while the record was out, or a rebalance that took the partition: leave the rest of the batch.
        if (position.offset !== next || this.#positions.get(id) !== position) break;
      }
    }
  }

  /** The records as an objectMode Readable: reading stops while the stream's buffer is full. */
  stream(): Readable {
    return Readable.from(this, { objectMode: true, highWaterMark: 1024 });
  }

  /** Commits the positions reached (the group's; a no-op without a group). */
  async commit(): Promise<void> {
    const member = this.#member;
    if (!member || this.#positions.size === 0) return;
    const codes = await member.commit([...this.#positions.values()]);
    const failed = codes.find((code) => code !== ErrorCode.NONE);
    if (failed !== undefined) throw new KafkaError(failed, 'offset commit');
  }

  /** Moves the position of a held partition; the next fetch reads from there. */
  seek(topic: string, partition: number, offset: bigint): void {
    const position = this.#positions.get(`${partition}:${topic}`);
    if (!position) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition} is not assigned to this consumer`);
    position.offset = offset;
    this.#wake?.();
  }

  pause(partitions: readonly TopicPartitions[]): void {
    for (const tp of partitions) for (const p of tp.partitions) this.#paused.add(`${p}:${tp.topic}`);
  }

  resume(partitions: readonly TopicPartitions[]): void {
    for (const tp of partitions) for (const p of tp.partitions) this.#paused.delete(`${p}:${tp.topic}`);
    this.#wake?.();
  }

  /** Commits (with autoCommit), leaves the group and releases every view it handed out. */
  protected async closeOnce(): Promise<void> {
    this.#closed = true;
    if (this.#commitTimer) clearInterval(this.#commitTimer);
    this.#wake?.();
    await this.#reading?.catch(() => undefined);
    if (this.#autoCommit) await this.commit().catch(() => undefined);
    await this.#member?.leave();
    this.#release();
  }

  get #autoCommit(): boolean {
    return this.#member !== null && (this.#options.autoCommit ?? true);
  }

  #scheduleCommit(): void {
    this.#commitTimer = setInterval(() => void this.commit().catch(() => undefined), this.#options.autoCommitIntervalMs ?? 5000);
    this.#commitTimer.unref();
  }

  #release(): void {
    this.#held?.release();
    this.#held = null;
  }

  #partitionsOf(topic: string): number[] {
    return Array.from({ length: this.#services.metadata.topic(topic)?.partitions.length ?? 0 }, (_, i) => i);
  }

  #assign(assigned: readonly TopicPartitions[]): void {
    this.#positions.clear();
    const committed = this.#options.groupId === undefined ? [] : this.#committed(assigned, this.#options.groupId);
    const committedById = new Map(committed.map((c) => [`${c.partition}:${c.topic}`, c.offset]));
    for (const tp of assigned) {
      for (const partition of tp.partitions) {
        const id = `${partition}:${tp.topic}`;
        const offset = committedById.get(id);
        this.#positions.set(id, { topic: tp.topic, partition, offset: offset !== undefined && offset >= 0n ? offset : this.#startOffset(tp.topic, partition) });
      }
    }
    this.#wake?.();
  }

  /** Read from the coordinator, not the member: the first assignment arrives before `GroupMember.join` resolves. */
  #committed(partitions: readonly TopicPartitions[], groupId: string): FetchedOffset[] {
    const { errorCode, offsets } = this.#services.groupCoordinator.fetchOffsets(
      groupId,
      partitions.map((tp) => ({ topic: tp.topic, partitions: tp.partitions })),
    );
    if (errorCode !== ErrorCode.NONE) throw new KafkaError(errorCode, `committed offsets of ${groupId}`);
    return offsets;
  }

  #startOffset(topic: string, partition: number): bigint {
    const from = this.#options.from ?? 'latest';
    if (typeof from === 'object' && 'offset' in from) return from.offset;
    const timestamp = from === 'earliest' ? EARLIEST_TIMESTAMP : from === 'latest' ? LATEST_TIMESTAMP : BigInt(from.timestamp);
    const found = this.#services.replicaManager.listOffset(topic, partition, timestamp, IsolationLevel.READ_UNCOMMITTED, -1);
    if (found.errorCode !== ErrorCode.NONE) throw new KafkaError(found.errorCode, `${topic}-${partition}`);
    // No record at or after the timestamp: start at the end, as Kafka's offsetsForTimes answers.
    if (found.offset < 0n) return this.#services.replicaManager.listOffset(topic, partition, LATEST_TIMESTAMP, IsolationLevel.READ_UNCOMMITTED, -1).offset;
    return found.offset;
  }

  /** A position past either end of the log restarts from the `from` rule (earliest when it names an offset). */
  #reset(id: string): void {
    const position = this.#positions.get(id);
    if (!position) return;
    const from = this.#options.from ?? 'latest';
    const timestamp = from === 'latest' ? LATEST_TIMESTAMP : EARLIEST_TIMESTAMP;
    position.offset = this.#services.replicaManager.listOffset(position.topic, position.partition, timestamp, IsolationLevel.READ_UNCOMMITTED, -1).offset;
  }

  /**
   * One long-poll fetch of the held, unpaused partitions, with the offset each was fetched from; null when
   * there are none (waits for a change first).
   */
  async #fetch(): Promise<{ fetched: FetchResult; fetchOffsets: Map<string, bigint> } | null> {
    const maxWaitMs = this.#options.maxWaitMs ?? 100;
    const partitions = [...this.#positions]
      .filter(([id]) => !this.#paused.has(id))
      .map(([, p]) => ({
        topic: p.topic,
        partition: p.partition,
        fetchOffset: p.offset,
        partitionMaxBytes: this.#options.maxBytes ?? 1 << 20,
        currentLeaderEpoch: -1,
      }));
    if (partitions.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxWaitMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
      return null;
    }
    const reading = this.#services.replicaManager.fetch({
      replicaId: -1,
      maxWaitMs,
      minBytes: 1,
      maxBytes: this.#options.maxBytes ?? 50 << 20,
      isolationLevel: IsolationLevel.READ_UNCOMMITTED,
      partitions,
    });
    this.#reading = reading;
    const result = await reading;
    this.#reading = null;
    if (this.#closed) {
      result.release();
      return null;
    }
    return { fetched: result, fetchOffsets: new Map(partitions.map((p) => [`${p.partition}:${p.topic}`, p.fetchOffset])) };
  }
}

/** The records of one batch at or after `from`, with key, value and header values as views of the batch. */
function decode(topic: string, partition: number, batch: Buffer, from: bigint): ConsumerRecord[] {
  const view = RecordBatchView.decode(batch);
  const records: ConsumerRecord[] = [];
  for (let i = 0; i < view.count; i++) {
    const offset = view.offset(i);
    if (offset < from) continue;
    records.push({ topic, partition, offset, timestamp: Number(view.timestamp(i)), key: view.key(i), value: view.value(i), headers: view.headers(i) });
  }
  return records;
}

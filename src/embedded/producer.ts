/**
 * The embedded producer: records sent concurrently are gathered per partition into RecordBatch v2 batches
 * built natively (one N-API call per batch) and appended through the ReplicaManager, so they get the same
 * validation, high watermark and fetch wake-ups as a Produce request, without a socket or request encoding.
 * Unkeyed records go round-robin over the partitions; keyed records use Kafka's murmur2 partitioner.
 * `bufferMemory` bounds the bytes waiting to be appended: `send` awaits while it is full, as the Java
 * producer blocks in `send` when `buffer.memory` is exhausted.
 */
import { native } from '../storage/native.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { ReplicaManager } from '../replication/replica-manager.js';
import type { ClusterMetadata } from '../cluster/cluster-metadata.js';
import { partitionForKey } from './murmur2.js';

export interface ProducerRecord {
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, Buffer | string>>;
  /** Milliseconds since the epoch; now when absent. */
  readonly timestamp?: number;
  /** Overrides the partitioner. */
  readonly partition?: number;
}

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

export type Partitioner = (key: Buffer | null, partitions: number, topic: string) => number;

export const COMPRESSION = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type Compression = keyof typeof COMPRESSION;

export interface ProducerOptions {
  /** 0, 1 or -1/'all' (on one node: after the batch is flushed, unless gregor.flush.before.acks.all.enable is false). */
  readonly acks?: 0 | 1 | -1 | 'all';
  /** How long a partition's records wait for more before their batch is appended (0: the end of the current event-loop turn). */
  readonly lingerMs?: number;
  /** Bytes of records that close a batch at once. */
  readonly batchSize?: number;
  /** Bytes of records waiting to be appended before `send` awaits. */
  readonly bufferMemory?: number;
  readonly compression?: Compression;
  readonly partitioner?: Partitioner;
  readonly timeoutMs?: number;
}

interface Pending {
  readonly values: (Buffer | null)[];
  readonly keys: (Buffer | null)[];
  readonly timestamps: number[];
  readonly headers: ({ key: string; value: Buffer }[] | null)[];
  readonly waiters: Waiter[];
  bytes: number;
  timer: NodeJS.Timeout | NodeJS.Immediate | null;
  /** Whether any record came with its own timestamp (else the batch's base timestamp, now, serves all). */
  timestamped: boolean;
  hasHeaders: boolean;
}

/** Records `first .. first+count-1` of a pending batch, sent by one `send` call. */
interface Waiter {
  readonly first: number;
  count: number;
  resolve: (baseOffset: bigint) => void;
  reject: (error: Error) => void;
}

/** Per-record overhead counted against the batch size and buffer memory (Kafka's record framing, roughly). */
const RECORD_OVERHEAD = 21;

export class Producer {
  readonly #replicaManager: ReplicaManager;
  readonly #metadata: ClusterMetadata;
  readonly #acks: 0 | 1 | -1;
  readonly #lingerMs: number;
  readonly #batchSize: number;
  readonly #bufferMemory: number;
  readonly #compression: number;
  readonly #partitioner: Partitioner;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #roundRobin = new Map<string, number>();
  #buffered = 0;
  #spaceWaiters: (() => void)[] = [];
  #closed = false;

  constructor(replicaManager: ReplicaManager, metadata: ClusterMetadata, options: ProducerOptions = {}) {
    this.#replicaManager = replicaManager;
    this.#metadata = metadata;
    this.#acks = options.acks === 'all' ? -1 : (options.acks ?? -1);
    this.#lingerMs = options.lingerMs ?? 0;
    this.#batchSize = options.batchSize ?? 1024 * 1024;
    this.#bufferMemory = options.bufferMemory ?? 32 * 1024 * 1024;
    this.#compression = COMPRESSION[options.compression ?? 'none'];
    this.#partitioner = options.partitioner ?? this.#defaultPartitioner;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Bytes of records accepted but not yet appended. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  send(topic: string, record: ProducerRecord): Promise<RecordMetadata>;
  send(topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]>;
  async send(topic: string, input: ProducerRecord | readonly ProducerRecord[]): Promise<RecordMetadata | RecordMetadata[]> {
    if (this.#closed) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'producer is closed');
    const info = this.#metadata.topic(topic);
    if (!info) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${topic}`);
    const partitions = info.partitions.length;
    const records = Array.isArray(input) ? (input as readonly ProducerRecord[]) : [input as ProducerRecord];
    const results: RecordMetadata[] = new Array(records.length);
    // Consecutive records landing in the same pending batch share one waiter: one promise per run, not per record.
    const runs: Promise<void>[] = [];
    let run: Waiter | null = null;
    let runPending: Pending | null = null;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const key = toBuffer(record.key);
      const value = toBuffer(record.value);
      const partition = record.partition ?? this.#partitioner(key, partitions, topic);
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
        throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic} has no partition ${partition}`);
      }
      const size = RECORD_OVERHEAD + (key?.length ?? 0) + (value?.length ?? 0);
      while (this.#buffered > 0 && this.#buffered + size > this.#bufferMemory) await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
      const id = `${partition}:${topic}`;
      const pending = this.#pendingFor(id);
      pending.values.push(value);
      pending.keys.push(key);
      pending.timestamps.push(record.timestamp ?? -1);
      if (record.timestamp !== undefined) pending.timestamped = true;
      const headers = record.headers ? Object.entries(record.headers).map(([k, v]) => ({ key: k, value: toBuffer(v)! })) : null;
      pending.headers.push(headers);
      if (headers) pending.hasHeaders = true;
      pending.bytes += size;
      this.#buffered += size;
      if (run && runPending === pending) {
        run.count++;
      } else {
        const first = pending.values.length - 1;
        const at = i;
        runPending = pending;
        const waiter: Waiter = { first, count: 1, resolve: null!, reject: null! };
        runs.push(
          new Promise<bigint>((resolve, reject) => {
            waiter.resolve = resolve;
            waiter.reject = reject;
          }).then((base) => {
            for (let k = 0; k < waiter.count; k++) results[at + k] = { topic, partition, offset: base + BigInt(first + k) };
          }),
        );
        pending.waiters.push(waiter);
        run = waiter;
      }
      if (pending.bytes >= this.#batchSize) {
        this.#drain(id);
        run = null;
      } else if (!pending.timer) {
        pending.timer = this.#lingerMs > 0 ? setTimeout(() => this.#drain(id), this.#lingerMs) : setImmediate(() => this.#drain(id));
      }
    }
    await (runs.length === 1 ? runs[0] : Promise.all(runs));
    return Array.isArray(input) ? results : results[0]!;
  }

  /** Appends everything accepted so far and resolves once it is acknowledged. */
  async flush(): Promise<void> {
    for (const key of [...this.#pending.keys()]) this.#drain(key);
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Flushes, then refuses further sends. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  #pendingFor(id: string): Pending {
    let pending = this.#pending.get(id);
    if (!pending) {
      pending = { values: [], keys: [], timestamps: [], headers: [], waiters: [], bytes: 0, timer: null, timestamped: false, hasHeaders: false };
      this.#pending.set(id, pending);
    }
    return pending;
  }

  #drain(id: string): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (pending.timer) {
      clearTimeout(pending.timer as NodeJS.Timeout);
      clearImmediate(pending.timer as NodeJS.Immediate);
    }
    const separator = id.indexOf(':');
    const partition = Number(id.slice(0, separator));
    const topic = id.slice(separator + 1);
    const task = this.#append(topic, partition, pending).finally(() => {
      this.#inFlight.delete(task);
      this.#buffered -= pending.bytes;
      for (const wake of this.#spaceWaiters.splice(0)) wake();
    });
    this.#inFlight.add(task);
  }

  async #append(topic: string, partition: number, pending: Pending): Promise<void> {
    try {
      const now = BigInt(Date.now());
      const timestamps = pending.timestamped ? BigInt64Array.from(pending.timestamps, (t) => (t < 0 ? now : BigInt(t))) : undefined;
      const batch = native.buildRecordBatch(
        { values: pending.values, keys: pending.keys, timestamps, headers: pending.hasHeaders ? pending.headers : undefined },
        { compression: this.#compression },
      );
      const [result] = await this.#replicaManager.appendRecords([{ topic, partition, records: batch }], { acks: this.#acks, timeoutMs: this.#timeoutMs });
      if (result!.errorCode !== ErrorCode.NONE) throw new KafkaError(result!.errorCode, result!.errorMessage ?? undefined);
      for (const waiter of pending.waiters) waiter.resolve(result!.baseOffset);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const waiter of pending.waiters) waiter.reject(failure);
    }
  }

  readonly #defaultPartitioner: Partitioner = (key, partitions, topic) => {
    if (key) return partitionForKey(key, partitions);
    const next = this.#roundRobin.get(topic) ?? 0;
    this.#roundRobin.set(topic, next + 1);
    return next % partitions;
  };
}

function toBuffer(value: Buffer | string | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/**
 * The embedded producer: records sent concurrently are gathered per partition into RecordBatch v2 batches
 * built natively (one N-API call per batch) and appended through the ReplicaManager, so they get the same
 * validation, high watermark and fetch wake-ups as a Produce request, without a socket or request encoding.
 * Keyed records use Kafka's murmur2 partitioner; unkeyed ones stick to one partition until its batch
 * closes, then move to the next (the Java producer's sticky partitioner, KIP-480), so batches stay large.
 * `bufferMemory` bounds the bytes waiting to be appended: `send` awaits while it is full, as the Java
 * producer blocks in `send` when `buffer.memory` is exhausted.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { ProduceResult, ReplicaManager } from '../replication/replica-manager.js';
import type { ClusterMetadata } from '../cluster/cluster-metadata.js';
import { buildPackedRecordBatch, buildPackedRecordBatchAsync } from '../record/builder.js';
import { Compression, type CompressionName, compressionNamed } from '../record/compression.js';
import { partitionForKey } from './murmur2.js';
import { ProducerBatch, recordBytes, StagingArea } from './producer-batch.js';

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

export interface ProducerOptions {
  /** 0, 1 or -1/'all' (on one node: after the batch is flushed, unless gregor.flush.before.acks.all.enable is false). */
  readonly acks?: 0 | 1 | -1 | 'all';
  /** How long a partition's records wait for more before their batch is appended (0: the end of the current event-loop turn). */
  readonly lingerMs?: number;
  /** Bytes of records that close a batch at once. */
  readonly batchSize?: number;
  /** Bytes of records waiting to be appended before `send` awaits. */
  readonly bufferMemory?: number;
  readonly compression?: CompressionName;
  readonly partitioner?: Partitioner;
  readonly timeoutMs?: number;
}

/** Records `first .. first+count-1` of a batch, sent by one `send` call, whose results go from `at` on. */
interface Waiter {
  readonly first: number;
  count: number;
  readonly results: RecordMetadata[];
  readonly at: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A partition's open batch: the staged records and who waits for their offsets. */
interface OpenBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: ProducerBatch;
  readonly waiters: Waiter[];
  /** What its records count against the batch size and buffer memory (`recordBytes`). */
  bytes: number;
  timer: NodeJS.Timeout | NodeJS.Immediate | null;
}
/** Staging areas kept for reuse; beyond these a drained batch's memory goes to the garbage collector. */
const SPARE_AREAS = 8;
const INITIAL_AREA_BYTES = 16 * 1024;

export class Producer {
  readonly #replicaManager: ReplicaManager;
  readonly #metadata: ClusterMetadata;
  readonly #acks: 0 | 1 | -1;
  readonly #lingerMs: number;
  readonly #batchSize: number;
  readonly #bufferMemory: number;
  readonly #compression: Compression;
  readonly #partitioner: Partitioner | null;
  readonly #timeoutMs: number;
  /** Open batches by topic, indexed by partition. */
  readonly #open = new Map<string, (OpenBatch | undefined)[]>();
  readonly #inFlight = new Set<Promise<void>>();
  /** The partition unkeyed records of a topic go to until its batch closes (Kafka's sticky partitioner, KIP-480). */
  readonly #sticky = new Map<string, number>();
  readonly #spare: StagingArea[] = [];
  /** Where uncompressed batches are built, reused batch after batch (see `#buildAndAppend`). */
  #output = Buffer.allocUnsafeSlow(64 * 1024);
  #nextSticky = 0;
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
    this.#compression = compressionNamed(options.compression ?? 'none') ?? Compression.None;
    this.#partitioner = options.partitioner ?? null;
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
    let open = this.#open.get(topic);
    if (!open) this.#open.set(topic, (open = []));
    // Every record is checked before any is staged: a send is refused whole, never appended in part.
    const partitionOf = records.map((record) => this.#partitionOf(topic, record, partitions));
    // Consecutive records landing in the same batch share one waiter: one promise per run, not per record.
    const runs: Promise<void>[] = [];
    let run: Waiter | null = null;
    let runBatch: OpenBatch | null = null;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const size = recordBytes(record.key, record.value, record.headers);
      while (this.#buffered > 0 && this.#buffered + size > this.#bufferMemory) await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
      const partition = partitionOf[i]!;
      const batch = (open[partition] ??= this.#openBatch(topic, partition));
      batch.records.add(record.key, record.value, record.headers, record.timestamp ?? -1);
      batch.bytes += size;
      this.#buffered += size;
      if (run && runBatch === batch) {
        run.count++;
      } else {
        run = this.#waiter(batch, i, results, runs);
        runBatch = batch;
      }
      if (batch.bytes >= this.#batchSize) {
        this.#drain(batch);
        run = null;
      } else if (!batch.timer) {
        batch.timer = this.#lingerMs > 0 ? setTimeout(() => this.#drain(batch), this.#lingerMs) : setImmediate(() => this.#drain(batch));
      }
    }
    await (runs.length === 1 ? runs[0] : Promise.all(runs));
    return Array.isArray(input) ? results : results[0]!;
  }

  /** Appends everything accepted so far and resolves once it is acknowledged. */
  async flush(): Promise<void> {
    for (const open of this.#open.values()) for (const batch of open) if (batch) this.#drain(batch);
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Flushes, then refuses further sends. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  /** The record's partition, after checking it and the record's timestamp. */
  #partitionOf(topic: string, record: ProducerRecord, partitions: number): number {
    let partition = record.partition;
    if (partition === undefined) {
      const key = record.key === null || record.key === undefined ? null : typeof record.key === 'string' ? Buffer.from(record.key) : record.key;
      if (this.#partitioner) partition = this.#partitioner(key, partitions, topic);
      else if (key) partition = partitionForKey(key, partitions);
      else partition = this.#sticky.get(topic) ?? this.#stick(topic, partitions);
    }
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic} has no partition ${partition}`);
    }
    const timestamp = record.timestamp;
    if (timestamp !== undefined && !(Number.isSafeInteger(timestamp) && timestamp >= 0)) {
      throw new KafkaError(ErrorCode.INVALID_TIMESTAMP, `timestamp ${timestamp} is not a non-negative integer of milliseconds`);
    }
    return partition;
  }

  #stick(topic: string, partitions: number): number {
    const partition = this.#nextSticky++ % partitions;
    this.#sticky.set(topic, partition);
    return partition;
  }

  #openBatch(topic: string, partition: number): OpenBatch {
    // Areas start small and grow with their batch: a thousand partitions' open batches must not each take a megabyte.
    const area = this.#spare.pop() ?? new StagingArea(INITIAL_AREA_BYTES);
    return { topic, partition, records: new ProducerBatch(area), waiters: [], bytes: 0, timer: null };
  }

  /** A waiter for the records of this `send` from `at` on, added to `batch` from its last record on. */
  #waiter(batch: OpenBatch, at: number, results: RecordMetadata[], runs: Promise<void>[]): Waiter {
    const waiter: Waiter = { first: batch.records.count - 1, count: 1, results, at, resolve: null!, reject: null! };
    runs.push(
      new Promise<void>((resolve, reject) => {
        waiter.resolve = resolve;
        waiter.reject = reject;
      }),
    );
    batch.waiters.push(waiter);
    return waiter;
  }

  #drain(batch: OpenBatch): void {
    const open = this.#open.get(batch.topic);
    if (open?.[batch.partition] !== batch) return;
    open[batch.partition] = undefined;
    if (this.#sticky.get(batch.topic) === batch.partition) this.#sticky.delete(batch.topic);
    if (batch.timer) {
      clearTimeout(batch.timer as NodeJS.Timeout);
      clearImmediate(batch.timer as NodeJS.Immediate);
    }
    const task = this.#append(batch).finally(() => {
      this.#inFlight.delete(task);
      this.#buffered -= batch.bytes;
      for (const wake of this.#spaceWaiters.splice(0)) wake();
    });
    this.#inFlight.add(task);
  }

  async #append(batch: OpenBatch): Promise<void> {
    try {
      const [result] = await (this.#compression === Compression.None ? this.#buildAndAppend(batch) : this.#buildOffLoopAndAppend(batch));
      if (result!.errorCode !== ErrorCode.NONE) throw new KafkaError(result!.errorCode, result!.errorMessage ?? undefined);
      const { topic, partition } = batch;
      for (const waiter of batch.waiters) {
        let offset = result!.baseOffset + BigInt(waiter.first);
        for (let k = waiter.at, end = k + waiter.count; k < end; k++, offset++) waiter.results[k] = { topic, partition, offset };
        waiter.resolve();
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const waiter of batch.waiters) waiter.reject(failure);
    }
  }

  /**
   * Builds the batch into the reused output buffer and appends it in the same synchronous step: the
   * ReplicaManager has copied it into the log by the time `appendRecords` returns, and nothing else can
   * build into the buffer in between.
   */
  #buildAndAppend(batch: OpenBatch): Promise<ProduceResult[]> {
    const records = buildPackedRecordBatch(batch.records.columns(), { compression: Compression.None }, this.#output);
    this.#recycle(batch.records.area);
    // Built elsewhere because the output was too small: grow it for the next batch.
    if (records.buffer !== this.#output.buffer) this.#output = Buffer.allocUnsafeSlow(records.length + (records.length >> 2));
    return this.#appendRecords(batch, records);
  }

  /** Compressing takes about a millisecond per megabyte, so the batch is built on the libuv pool. */
  async #buildOffLoopAndAppend(batch: OpenBatch): Promise<ProduceResult[]> {
    const records = await buildPackedRecordBatchAsync(batch.records.columns(), { compression: this.#compression }).finally(() =>
      this.#recycle(batch.records.area),
    );
    return this.#appendRecords(batch, records);
  }

  #appendRecords(batch: OpenBatch, records: Buffer): Promise<ProduceResult[]> {
    return this.#replicaManager.appendRecords([{ topic: batch.topic, partition: batch.partition, records }], { acks: this.#acks, timeoutMs: this.#timeoutMs });
  }

  #recycle(area: StagingArea): void {
    if (this.#spare.length < SPARE_AREAS) this.#spare.push(area);
  }
}

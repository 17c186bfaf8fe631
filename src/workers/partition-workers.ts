/**
 * Partition-affine background work: a few single-thread piscina pools, each topic-partition always routed
 * to the same pool, so the work on one partition runs in submission order and in one thread.
 *
 * Piscina has no affinity of its own; one single-thread pool per "lane" gives it, and a pool's FIFO queue
 * gives per-partition order. Tasks carry partition directories and offsets only: a mapped segment's bytes
 * are never posted to a worker (transferring a mapped ArrayBuffer copies the whole segment). A round trip
 * costs tens of microseconds and every worker is another V8 isolate, so this is for work of a millisecond
 * or more: compaction, retention, recovery of many partitions at start, index rebuilds.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface PartitionWorkersOptions {
  /** Number of single-thread pools; defaults to half the cores, at least one, at most four. */
  readonly pools?: number;
  /** The worker module (a file path or file: URL); defaults to partition-task.js next to this module. */
  readonly taskModule?: string | URL;
}

/** 32-bit FNV-1a over the topic's UTF-8 bytes and the partition number: stable across processes and runs. */
export function topicPartitionHash(tp: TopicPartition): number {
  let hash = 0x811c9dc5;
  const mix = (byte: number): void => {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  };
  for (const byte of Buffer.from(tp.topic, 'utf8')) mix(byte);
  mix(0x2d);
  for (let shift = 0; shift < 32; shift += 8) mix((tp.partition >>> shift) & 0xff);
  return hash;
}

export function defaultPoolCount(): number {
  return Math.min(4, Math.max(1, Math.floor(availableParallelism() / 2)));
}

export class PartitionWorkers {
  readonly #poolCount: number;
  readonly #taskModule: string;
  #pools: Piscina[] = [];
  readonly #outstanding = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  constructor(options: PartitionWorkersOptions = {}) {
    this.#poolCount = options.pools ?? defaultPoolCount();
    if (!Number.isInteger(this.#poolCount) || this.#poolCount < 1) {
      throw new RangeError(`pools must be a positive integer, got ${this.#poolCount}`);
    }
    const module = options.taskModule ?? new URL('./partition-task.js', import.meta.url);
    this.#taskModule = module instanceof URL ? module.href : module;
  }

  get poolCount(): number {
    return this.#poolCount;
  }

  get started(): boolean {
    return this.#pools.length > 0;
  }

  /** Thread ids of the live worker threads (one per started pool; none after `close`). */
  threadIds(): number[] {
    return this.#pools.flatMap((pool) => pool.threads.map((thread) => thread.threadId));
  }

  /** Tasks queued or running in every pool. */
  get pendingTasks(): number {
    return this.#outstanding.size;
  }

  /** Starts the pools' threads now rather than on first use, so the first task does not pay for a V8 boot. */
  start(): void {
    if (this.#closing) throw new Error('PartitionWorkers is closed');
    if (this.started) return;
    this.#pools = Array.from(
      { length: this.#poolCount },
      (_, lane) =>
        new Piscina({
          filename: this.#taskModule,
          name: 'default',
          minThreads: 1,
          maxThreads: 1,
          concurrentTasksPerWorker: 1,
          // Without it piscina reorders queued tasks, which would break per-partition order.
          stricterFIFO: true,
          idleTimeout: Number.POSITIVE_INFINITY,
          env: { ...process.env, GREGOR_PARTITION_WORKER_LANE: String(lane) },
        }),
    );
  }

  /** The pool that every task of this partition runs in. */
  laneOf(tp: TopicPartition): number {
    return topicPartitionHash(tp) % this.#poolCount;
  }

  /** Queues a task on the partition's pool; tasks for one partition run one at a time, in call order. */
  run<Task, Result>(tp: TopicPartition, task: Task): Promise<Result> {
    return this.runOnLane(this.laneOf(tp), task);
  }

  /** Queues a task that covers several partitions of one lane (see `laneOf`) as one round trip. */
  runOnLane<Task, Result>(lane: number, task: Task): Promise<Result> {
    if (this.#closing) return Promise.reject(new Error('PartitionWorkers is closed'));
    if (!this.started) this.start();
    const pool = this.#pools[lane];
    if (pool === undefined) return Promise.reject(new RangeError(`no partition worker lane ${lane}`));
    const result = pool.run(task) as Promise<Result>;
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.#outstanding.add(settled);
    void settled.then(() => this.#outstanding.delete(settled));
    return result;
  }

  /** Refuses new tasks, lets queued ones finish, then ends every worker thread; resolves once none is left. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(this.#outstanding);
      await Promise.all(this.#pools.map((pool) => pool.destroy()));
      this.#pools = [];
    })();
    return this.#closing;
  }
}

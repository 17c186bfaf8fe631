/**
 * The fetch purgatory: a fetch that found fewer than `min_bytes` parks here until appends to its partitions
 * bring enough bytes, one of its partitions goes offline or is deleted, its `max_wait_ms` passes, or the
 * broker shuts down. Woken by appends (the partitions' append listeners), never by polling.
 */
import type { Partition } from './partition.js';

export class DelayedFetch {
  readonly #minBytes: number;
  readonly #complete: () => void;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #timer: NodeJS.Timeout;
  #accumulated = 0;
  #done = false;

  /** `complete` runs exactly once, when the fetch may be answered. */
  constructor(partitions: readonly Partition[], minBytes: number, maxWaitMs: number, complete: () => void) {
    this.#minBytes = minBytes;
    this.#complete = complete;
    for (const partition of partitions) {
      this.#unsubscribe.push(partition.onAppend((p, bytes) => this.#onAppend(p, bytes)));
    }
    this.#timer = setTimeout(() => this.forceComplete(), maxWaitMs);
  }

  /** Answers now with whatever is there (timeout, shutdown). */
  forceComplete(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#complete();
  }

  get done(): boolean {
    return this.#done;
  }

  #onAppend(partition: Partition, bytes: number): void {
    this.#accumulated += bytes;
    if (this.#accumulated >= this.#minBytes || partition.offline !== undefined) this.forceComplete();
  }
}

/**
 * The fetch purgatory: a fetch that found fewer than `min_bytes` parks here until its partitions bring enough
 * bytes (a follower's fetch counts appended bytes, a consumer's the bytes the high watermark passed), one of
 * its partitions goes offline, is deleted or loses leadership, its `max_wait_ms` passes, or the broker shuts
 * down. Woken by the partitions' append listeners, never by polling.
 */
import type { Partition } from './partition.js';

export class DelayedFetch {
  readonly #minBytes: number;
  readonly #complete: () => void;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #timer: NodeJS.Timeout;
  #accumulated = 0;
  #done = false;

  /** `complete` runs exactly once, when the fetch may be answered; `untilLogEnd`: a follower's fetch. */
  constructor(partitions: readonly Partition[], minBytes: number, maxWaitMs: number, untilLogEnd: boolean, complete: () => void) {
    this.#minBytes = minBytes;
    this.#complete = complete;
    for (const partition of partitions) {
      this.#unsubscribe.push(
        partition.onAppend((p, bytes, committed) => {
          if (committed !== untilLogEnd) this.#onAppend(p, bytes);
        }),
      );
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
    if (this.#accumulated >= this.#minBytes || partition.offline !== undefined || !partition.isLeader) this.forceComplete();
  }
}

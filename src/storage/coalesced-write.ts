/**
 * One asynchronous write at a time, coalesced: a write asked for while one runs waits for it and is then
 * done once with the newest value asked for meanwhile (the values in between are never written).
 */
interface Pending<T> {
  value: T;
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class CoalescedWrite<T> {
  readonly #write: (value: T) => Promise<void>;
  #running = false;
  #pending: Pending<T> | undefined;

  constructor(write: (value: T) => Promise<void>) {
    this.#write = write;
  }

  /** Resolves once `value`, or a value asked for after it, is written; rejects with the error of that write. */
  write(value: T): Promise<void> {
    if (this.#pending) {
      this.#pending.value = value;
      return this.#pending.promise;
    }
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#pending = { value, promise, resolve, reject };
    if (!this.#running) void this.#drain();
    return promise;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    for (let next = this.#pending; next !== undefined; next = this.#pending) {
      this.#pending = undefined;
      try {
        await this.#write(next.value);
        next.resolve();
      } catch (error) {
        next.reject(error);
      }
    }
    this.#running = false;
  }
}

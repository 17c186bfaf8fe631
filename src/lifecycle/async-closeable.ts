/**
 * Idempotent asynchronous close with `await using` support, for the objects a user or the broker opens and
 * later shuts: every `close()` call gets the same promise, so a second caller waits for the first shutdown
 * instead of starting another. Subclasses say what closing does in `closeOnce`.
 */
export abstract class AsyncCloseable implements AsyncDisposable {
  #closing: Promise<void> | undefined;

  close(): Promise<void> {
    this.#closing ??= this.closeOnce();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Runs once, on the first `close()`. */
  protected abstract closeOnce(): Promise<void>;
}

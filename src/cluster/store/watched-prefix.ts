/**
 * One key prefix of a metadata store kept in memory and current: read once, then followed through a watch,
 * so every broker sharing the store sees a write of any of them within the watch's delay. Security state that
 * is not topic metadata (client quotas, ACLs, SCRAM credentials) lives this way, beside ClusterMetadata's
 * own keys and independent of them. The watch is its own, or one that already sees the prefix feeds it
 * (ClusterMetadata's, over every key of the cluster). Keys are given and returned without the prefix.
 */
import type { Compare, KeyValue, MetadataStore, Watch, WatchEvent } from './metadata-store.js';

/** A key's value after a change; `undefined` once deleted. */
export interface PrefixChange {
  readonly key: string;
  readonly value: string | undefined;
}

/** A write: a value to put, or `undefined` to delete the key. */
export type PrefixWrite = PrefixChange;

/** What a user of a watched prefix reads and writes through (tests may stand in for the store with it). */
export type PrefixRecords = Pick<WatchedPrefix, 'entries' | 'get' | 'modRevision' | 'write'>;

/** Opens a watched prefix whose later changes go to `onChange` (ClusterMetadata.watchPrefix bound to a prefix). */
export type OpenPrefix = (onChange: (changes: readonly PrefixChange[]) => void) => Promise<PrefixRecords>;

export class WatchedPrefix {
  readonly #store: MetadataStore;
  readonly #prefix: string;
  readonly #onChange: (changes: readonly PrefixChange[]) => void;
  readonly #values = new Map<string, KeyValue>();
  readonly #waiters = new Set<{ readonly revision: number; readonly resolve: () => void }>();
  #revision = 0;
  #watch: Watch | undefined;
  #closed = false;

  private constructor(store: MetadataStore, prefix: string, onChange: (changes: readonly PrefixChange[]) => void) {
    this.#store = store;
    this.#prefix = prefix;
    this.#onChange = onChange;
  }

  /**
   * Reads the keys under `prefix` and follows them; `onChange` hears of every later change, a store
   * transaction's changes together, in revision order (not of the keys present at opening: read `entries`).
   */
  static async open(store: MetadataStore, prefix: string, onChange: (changes: readonly PrefixChange[]) => void = () => undefined): Promise<WatchedPrefix> {
    const watched = new WatchedPrefix(store, prefix, onChange);
    await watched.#follow(false);
    return watched;
  }

  /**
   * A watched prefix without a watch of its own: `read` is the store's keys (any, those outside the prefix
   * are ignored) at its revision, and the caller, following the store from there, passes every later change
   * to `receive` in revision order and every re-read to `reload`.
   */
  static fed(
    store: MetadataStore,
    prefix: string,
    read: { readonly kvs: readonly KeyValue[]; readonly revision: number },
    onChange: (changes: readonly PrefixChange[]) => void = () => undefined,
  ): WatchedPrefix {
    const watched = new WatchedPrefix(store, prefix, onChange);
    watched.reload(read.kvs, read.revision, false);
    return watched;
  }

  /** The value of a key now. */
  get(key: string): string | undefined {
    return this.#values.get(key)?.value;
  }

  /** Every key and value now, in key order. */
  entries(): Map<string, string> {
    return new Map([...this.#values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, kv]) => [key, kv.value]));
  }

  /**
   * Writes the puts and deletes in one transaction, if every `guard` holds (keys under the prefix) and every
   * deleted key exists; resolves with whether it did, once the write has been applied here. (A transaction
   * that changes nothing would leave no event to wait for, hence the deleted keys' condition.)
   */
  async write(writes: readonly PrefixWrite[], guard: readonly Compare[] = []): Promise<boolean> {
    if (writes.length === 0) return true;
    const deletedExist = writes
      .filter((write) => write.value === undefined)
      .map((write): Compare => ({ key: write.key, target: 'createRevision', result: '>', value: 0 }));
    const result = await this.#store.txn({
      compare: [...guard, ...deletedExist].map((compare) => ({ ...compare, key: this.#prefix + compare.key })),
      success: writes.map(({ key, value }) =>
        value === undefined ? { type: 'delete' as const, key: this.#prefix + key } : { type: 'put' as const, key: this.#prefix + key, value },
      ),
    });
    if (result.succeeded) await this.#applied(result.revision);
    return result.succeeded;
  }

  /** Mod revision of a key as last seen (0 when absent): what a compare-and-swap guard compares. */
  modRevision(key: string): number {
    return this.#values.get(key)?.modRevision ?? 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watch?.cancel();
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters.clear();
  }

  /** Replaces the keys with a read of the store at `revision`, telling `onChange` the difference when `announce`. */
  reload(kvs: readonly KeyValue[], revision: number, announce = true): void {
    if (this.#closed) return;
    const read = new Map(
      kvs.filter((kv) => kv.key.startsWith(this.#prefix)).map((kv) => [kv.key.slice(this.#prefix.length), { ...kv, key: kv.key.slice(this.#prefix.length) }]),
    );
    const changes: PrefixChange[] = [];
    for (const key of this.#values.keys()) if (!read.has(key)) changes.push({ key, value: undefined });
    for (const [key, kv] of read) if (this.#values.get(key)?.modRevision !== kv.modRevision) changes.push({ key, value: kv.value });
    this.#values.clear();
    for (const [key, kv] of read) this.#values.set(key, kv);
    this.#advance(revision);
    if (announce && changes.length > 0) this.#onChange(changes);
  }

  /** Applies the store's changes after the last seen (any, those outside the prefix are ignored), in revision order. */
  receive(events: readonly WatchEvent[]): void {
    if (this.#closed) return;
    const changes: PrefixChange[] = [];
    let revision = this.#revision;
    for (const event of events) {
      if (event.kv.modRevision <= this.#revision) continue;
      revision = Math.max(revision, event.kv.modRevision);
      if (!event.kv.key.startsWith(this.#prefix)) continue;
      const key = event.kv.key.slice(this.#prefix.length);
      if (event.type === 'put') this.#values.set(key, { ...event.kv, key });
      else this.#values.delete(key);
      changes.push({ key, value: event.type === 'put' ? event.kv.value : undefined });
    }
    if (changes.length > 0) this.#onChange(changes);
    this.#advance(revision);
  }

  /** Reads everything under the prefix (telling the difference when re-reading) and watches from there. */
  async #follow(announce: boolean): Promise<void> {
    const { kvs, revision } = await this.#store.range(this.#prefix);
    this.reload(kvs, revision, announce);
    this.#watch = await this.#store.watch(this.#prefix, {
      fromRevision: revision + 1,
      onEvents: (events) => this.receive(events),
      // The watch lost its history (compaction): read again and carry on.
      onError: () => void this.#resync(),
    });
  }

  async #resync(): Promise<void> {
    if (this.#closed) return;
    await this.#watch?.cancel();
    await this.#follow(true);
  }

  #advance(revision: number): void {
    this.#revision = Math.max(this.#revision, revision);
    for (const waiter of this.#waiters) {
      if (waiter.revision <= this.#revision) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  #applied(revision: number): Promise<void> {
    if (revision <= this.#revision || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.add({ revision, resolve }));
  }
}

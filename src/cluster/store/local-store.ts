/**
 * The in-process metadata store of a single node: etcd's data model (one revision per write transaction,
 * create/mod revisions and versions per key, compare-then-write transactions, watches from a revision,
 * leases whose keys vanish when they expire) kept in memory and persisted, after every write and before it
 * is acknowledged, as one JSON document replaced atomically. Watch history lives in memory only: as after an
 * etcd compaction, a watch from a revision older than the store's opening (or than the kept history) fails
 * with CompactedError.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-file.js';
import {
  CompactedError,
  type Compare,
  type CompareResult,
  type KeyValue,
  type Lease,
  type LeaseId,
  LeaseNotFoundError,
  type LeaseOptions,
  MAX_TXN_OPS,
  type MetadataStore,
  type RangeResult,
  type Txn,
  type TxnOp,
  type TxnResult,
  TxnTooLargeError,
  type Watch,
  type WatchEvent,
  type WatchOptions,
} from './metadata-store.js';

/** The persisted document's format number; format 1 was ClusterMetadata's own document, before the store. */
export const LOCAL_STORE_FORMAT = 2;

export interface PersistedStore {
  readonly version: typeof LOCAL_STORE_FORMAT;
  readonly revision: number;
  readonly nextLeaseId: number;
  readonly kvs: readonly KeyValue[];
  readonly leases: readonly { readonly id: LeaseId; readonly ttlSeconds: number }[];
}

/** Revisions of watch history kept in memory; older ones are compacted away. */
const HISTORY_REVISIONS = 10_000;

interface LeaseState {
  readonly ttlSeconds: number;
  timer: NodeJS.Timeout;
  readonly lostListeners: ((error: Error) => void)[];
  /** When the lease was granted or last renewed. */
  renewedAt: number;
}

interface LocalWatcher {
  readonly prefix: string;
  readonly options: WatchOptions;
}

export class LocalMetadataStore implements MetadataStore {
  readonly #file: string;
  #kvs: Map<string, KeyValue>;
  #revision: number;
  #compactRevision: number;
  #nextLeaseId: number;
  readonly #history: { readonly revision: number; readonly events: readonly WatchEvent[] }[] = [];
  readonly #leases = new Map<LeaseId, LeaseState>();
  readonly #watchers = new Set<LocalWatcher>();
  readonly #keepAlives = new Set<NodeJS.Timeout>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(file: string, persisted: PersistedStore) {
    this.#file = file;
    this.#kvs = new Map(persisted.kvs.map((kv) => [kv.key, kv]));
    this.#revision = persisted.revision;
    this.#compactRevision = persisted.revision;
    this.#nextLeaseId = persisted.nextLeaseId;
    // As etcd does on restart, every surviving lease gets a full TTL: its holder may still be alive.
    for (const lease of persisted.leases) this.#trackLease(lease.id, lease.ttlSeconds);
  }

  /**
   * Opens the store kept in `file`, creating it empty if absent. `initial` supplies the first content of a
   * store that does not exist yet (a migration from an older document), written as revision 1.
   */
  static async open(file: string, initial: (legacy: unknown) => readonly TxnOp[] = noLegacy): Promise<LocalMetadataStore> {
    let document: unknown;
    try {
      document = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (isPersistedStore(document)) return new LocalMetadataStore(file, document);
    const store = new LocalMetadataStore(file, { version: LOCAL_STORE_FORMAT, revision: 0, nextLeaseId: 1, kvs: [], leases: [] });
    const ops = document === undefined ? [] : initial(document);
    if (ops.length > 0) await store.txn({ compare: [], success: ops });
    else await store.#serial(() => store.#persist(store.#kvs));
    return store;
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.#serial(async () => this.#kvs.get(key));
  }

  range(prefix: string): Promise<RangeResult> {
    return this.#serial(async () => ({
      kvs: [...this.#kvs.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1)),
      revision: this.#revision,
    }));
  }

  async put(key: string, value: string, options: { readonly lease?: LeaseId } = {}): Promise<number> {
    return (await this.txn({ compare: [], success: [{ type: 'put', key, value, ...options }] })).revision;
  }

  async delete(key: string): Promise<number> {
    return (await this.txn({ compare: [], success: [{ type: 'delete', key }] })).revision;
  }

  txn(txn: Txn): Promise<TxnResult> {
    return this.#serial(async () => {
      if ([txn.compare, txn.success, txn.failure ?? []].some((part) => part.length > MAX_TXN_OPS)) throw new TxnTooLargeError();
      const succeeded = txn.compare.every((compare) => this.#holds(compare));
      const ops = succeeded ? txn.success : (txn.failure ?? []);
      for (const op of ops) {
        if (op.type === 'put' && op.lease !== undefined && !this.#leases.has(op.lease)) throw new LeaseNotFoundError(op.lease);
      }
      await this.#commit(ops);
      return { succeeded, revision: this.#revision };
    });
  }

  async watch(prefix: string, options: WatchOptions): Promise<Watch> {
    const watcher: LocalWatcher = { prefix, options };
    await this.#serial(async () => {
      const from = options.fromRevision ?? this.#revision + 1;
      if (from <= this.#compactRevision) {
        const error = new CompactedError(this.#compactRevision);
        queueMicrotask(() => options.onError?.(error));
        return;
      }
      for (const entry of this.#history) if (entry.revision >= from) deliver(watcher, entry.events);
      this.#watchers.add(watcher);
    });
    return { cancel: async () => void this.#watchers.delete(watcher) };
  }

  async grantLease(ttlSeconds: number, options: LeaseOptions = {}): Promise<Lease> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new RangeError(`a lease TTL is a whole number of seconds, at least 1: ${ttlSeconds}`);
    const id = await this.#serial(async () => {
      const leaseId = String(this.#nextLeaseId);
      this.#nextLeaseId++;
      this.#trackLease(leaseId, ttlSeconds);
      await this.#persist(this.#kvs);
      return leaseId;
    });
    const keepAliveOnce = (): Promise<void> =>
      this.#serial(async () => {
        const lease = this.#leases.get(id);
        if (!lease) throw new LeaseNotFoundError(id);
        lease.timer.refresh();
        lease.renewedAt = Date.now();
      });
    const lostListeners = this.#leases.get(id)!.lostListeners;
    let keepAlive: NodeJS.Timeout | undefined;
    if (options.keepAlive ?? true) {
      keepAlive = setInterval(() => keepAliveOnce().catch(() => this.#stopKeepAlive(keepAlive)), (ttlSeconds * 1000) / 3).unref();
      this.#keepAlives.add(keepAlive);
    }
    return {
      id,
      ttlSeconds,
      keepAliveOnce,
      revoke: () => {
        this.#stopKeepAlive(keepAlive);
        return this.#serial(() => this.#endLease(id));
      },
      onLost: (listener) => void lostListeners.push(listener),
      expiresAt: () => {
        const lease = this.#leases.get(id);
        return lease ? lease.renewedAt + lease.ttlSeconds * 1000 : 0;
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    for (const lease of this.#leases.values()) clearTimeout(lease.timer);
    for (const keepAlive of this.#keepAlives) clearInterval(keepAlive);
    this.#watchers.clear();
  }

  #holds(compare: Compare): boolean {
    const kv = this.#kvs.get(compare.key);
    if (compare.target === 'value') return kv !== undefined && holds(kv.value, compare.result, compare.value);
    return holds(kv?.[compare.target] ?? 0, compare.result, compare.value);
  }

  /** Applies writes as one revision: persisted first, then visible to reads and watches. */
  async #commit(ops: readonly TxnOp[]): Promise<void> {
    const revision = this.#revision + 1;
    const kvs = new Map(this.#kvs);
    const events: WatchEvent[] = [];
    for (const op of ops) {
      const previous = kvs.get(op.key);
      if (op.type === 'put') {
        const kv: KeyValue = {
          key: op.key,
          value: op.value,
          createRevision: previous?.createRevision ?? revision,
          modRevision: revision,
          version: (previous?.version ?? 0) + 1,
          lease: op.lease,
        };
        kvs.set(op.key, kv);
        events.push({ type: 'put', kv });
      } else if (previous) {
        kvs.delete(op.key);
        events.push({ type: 'delete', kv: { key: op.key, value: '', createRevision: 0, modRevision: revision, version: 0, lease: undefined } });
      }
    }
    if (events.length === 0) return;
    await this.#persist(kvs, revision);
    this.#revision = revision;
    this.#kvs = kvs;
    this.#history.push({ revision, events });
    if (this.#history.length > HISTORY_REVISIONS) this.#compactRevision = this.#history.shift()!.revision;
    for (const watcher of this.#watchers) deliver(watcher, events);
  }

  #trackLease(id: LeaseId, ttlSeconds: number): void {
    const timer = setTimeout(() => void this.#serial(() => this.#expire(id)).catch(() => undefined), ttlSeconds * 1000).unref();
    this.#leases.set(id, { ttlSeconds, timer, lostListeners: [], renewedAt: Date.now() });
  }

  async #expire(id: LeaseId): Promise<void> {
    const lease = this.#leases.get(id);
    await this.#endLease(id);
    for (const listener of lease?.lostListeners ?? []) listener(new LeaseNotFoundError(id));
  }

  async #endLease(id: LeaseId): Promise<void> {
    const lease = this.#leases.get(id);
    if (!lease) throw new LeaseNotFoundError(id);
    clearTimeout(lease.timer);
    this.#leases.delete(id);
    const attached = [...this.#kvs.values()].filter((kv) => kv.lease === id);
    if (attached.length > 0) await this.#commit(attached.map((kv) => ({ type: 'delete', key: kv.key })));
    else await this.#persist(this.#kvs);
  }

  #stopKeepAlive(keepAlive: NodeJS.Timeout | undefined): void {
    if (!keepAlive) return;
    clearInterval(keepAlive);
    this.#keepAlives.delete(keepAlive);
  }

  async #persist(kvs: ReadonlyMap<string, KeyValue>, revision = this.#revision): Promise<void> {
    const document: PersistedStore = {
      version: LOCAL_STORE_FORMAT,
      revision,
      nextLeaseId: this.#nextLeaseId,
      kvs: [...kvs.values()],
      leases: [...this.#leases].map(([id, lease]) => ({ id, ttlSeconds: lease.ttlSeconds })),
    };
    await writeFileAtomic(this.#file, `${JSON.stringify(document, null, 1)}\n`);
  }

  /** Runs store operations one at a time, in call order (etcd's linearizable order, on one node). */
  #serial<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the metadata store is closed'));
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

function noLegacy(legacy: unknown): never {
  throw new Error(`not a metadata store document: ${JSON.stringify(legacy).slice(0, 80)}`);
}

function isPersistedStore(document: unknown): document is PersistedStore {
  return typeof document === 'object' && document !== null && (document as { version?: unknown }).version === LOCAL_STORE_FORMAT;
}

/** Watchers see only their prefix; a throwing handler must not stop the store, so its error is rethrown apart. */
function deliver(watcher: LocalWatcher, events: readonly WatchEvent[]): void {
  const mine = events.filter((event) => event.kv.key.startsWith(watcher.prefix));
  if (mine.length === 0) return;
  try {
    watcher.options.onEvents(mine);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

function holds<T extends number | string>(actual: T, result: CompareResult, expected: T): boolean {
  switch (result) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '>':
      return actual > expected;
  }
}

/**
 * A view of a metadata store under a key prefix: keys are given and returned without it, and nothing outside
 * it is visible, so several clusters (one prefix per cluster id) share one etcd without seeing each other.
 * Leases are not prefixed (etcd's leases belong to the whole store).
 */
import type { Compare, KeyValue, Lease, LeaseOptions, MetadataStore, RangeResult, Txn, TxnOp, TxnResult, Watch, WatchOptions } from './metadata-store.js';

/** The prefix of a cluster's keys: every key of cluster `clusterId` starts with it. */
export function clusterPrefix(clusterId: string): string {
  return `/gregor/${clusterId}/`;
}

export class PrefixedStore implements MetadataStore {
  readonly #inner: MetadataStore;
  readonly #prefix: string;

  constructor(inner: MetadataStore, prefix: string) {
    this.#inner = inner;
    this.#prefix = prefix;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const kv = await this.#inner.get(this.#prefix + key);
    return kv && this.#strip(kv);
  }

  async range(prefix: string): Promise<RangeResult> {
    const result = await this.#inner.range(this.#prefix + prefix);
    return { kvs: result.kvs.map((kv) => this.#strip(kv)), revision: result.revision };
  }

  put(key: string, value: string, options?: { readonly lease?: string }): Promise<number> {
    return this.#inner.put(this.#prefix + key, value, options);
  }

  delete(key: string): Promise<number> {
    return this.#inner.delete(this.#prefix + key);
  }

  txn(txn: Txn): Promise<TxnResult> {
    return this.#inner.txn({
      compare: txn.compare.map((compare): Compare => ({ ...compare, key: this.#prefix + compare.key })),
      success: txn.success.map((op) => this.#op(op)),
      failure: txn.failure?.map((op) => this.#op(op)),
    });
  }

  watch(prefix: string, options: WatchOptions): Promise<Watch> {
    return this.#inner.watch(this.#prefix + prefix, {
      ...options,
      onEvents: (events) => options.onEvents(events.map((event) => ({ type: event.type, kv: this.#strip(event.kv) }))),
    });
  }

  grantLease(ttlSeconds: number, options?: LeaseOptions): Promise<Lease> {
    return this.#inner.grantLease(ttlSeconds, options);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #op(op: TxnOp): TxnOp {
    return { ...op, key: this.#prefix + op.key };
  }

  #strip(kv: KeyValue): KeyValue {
    return { ...kv, key: kv.key.slice(this.#prefix.length) };
  }
}

/**
 * The key-value contract every metadata store keeps, modelled on etcd's v3 API so that the in-process store
 * and etcd behave alike: one revision counter for the whole store, bumped once per write transaction; each
 * key carries its create and mod revisions and a version; transactions compare those, then write; watches
 * replay every change after a revision in revision order; keys may be attached to a lease and vanish with it.
 */

/** etcd's lease ids are 64-bit: kept as decimal strings so no precision is lost. */
export type LeaseId = string;

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** Revision of the write that created the key (since its last deletion). */
  readonly createRevision: number;
  /** Revision of the last write to the key. */
  readonly modRevision: number;
  /** Writes since the key was created: 1 after creation. */
  readonly version: number;
  readonly lease: LeaseId | undefined;
}

/**
 * One condition of a transaction. As in etcd, a missing key compares as revision 0, version 0 and no lease,
 * so `createRevision = 0` means "does not exist".
 */
export type Compare =
  | { readonly key: string; readonly target: 'createRevision' | 'modRevision' | 'version'; readonly result: CompareResult; readonly value: number }
  | { readonly key: string; readonly target: 'value'; readonly result: CompareResult; readonly value: string };

export type CompareResult = '=' | '!=' | '<' | '>';

export type TxnOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly lease?: LeaseId }
  | { readonly type: 'delete'; readonly key: string };

/**
 * The most comparisons, and the most operations per branch, one transaction may hold: etcd's default
 * `--max-txn-ops`, which every store keeps so that a change too large for etcd fails alike everywhere.
 */
export const MAX_TXN_OPS = 128;

export interface Txn {
  readonly compare: readonly Compare[];
  /** Applied, as one revision, when every comparison holds. */
  readonly success: readonly TxnOp[];
  /** Applied, as one revision, otherwise. */
  readonly failure?: readonly TxnOp[];
}

export interface TxnResult {
  readonly succeeded: boolean;
  /** The store's revision after the transaction (unchanged when the applied branch wrote nothing). */
  readonly revision: number;
}

export interface RangeResult {
  readonly kvs: readonly KeyValue[];
  /** The revision the read saw: watching from `revision + 1` misses nothing after it. */
  readonly revision: number;
}

/** A change seen by a watch; a deleted key's `kv` carries only its key and the deletion's revision as modRevision. */
export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly kv: KeyValue;
}

export interface WatchOptions {
  /** First revision to deliver; by default the changes after the watch is created. */
  readonly fromRevision?: number;
  /** Called with changes in revision order, each change once; a transaction's changes arrive together. */
  readonly onEvents: (events: readonly WatchEvent[]) => void;
  /** The watch ended without being cancelled (for instance its start revision was compacted). */
  readonly onError?: (error: Error) => void;
}

export interface Watch {
  cancel(): Promise<void>;
}

export interface LeaseOptions {
  /** Renew the lease every third of its TTL until it is revoked or lost (default true). */
  readonly keepAlive?: boolean;
}

export interface Lease {
  readonly id: LeaseId;
  readonly ttlSeconds: number;
  /** Renews the lease once; rejects with LeaseNotFoundError when it has expired. */
  keepAliveOnce(): Promise<void>;
  /** Ends the lease now, deleting its keys. */
  revoke(): Promise<void>;
  /** Called once if the lease expires or cannot be renewed within its TTL: whoever held it must stop acting on it. */
  onLost(listener: (error: Error) => void): void;
  /**
   * Until when (ms since the epoch) the lease is certainly alive: its TTL from when the last renewal that was
   * acknowledged was sent. Past it, the holder cannot prove it still holds the lease, whether or not `onLost` fired.
   */
  expiresAt(): number;
}

export interface MetadataStore {
  get(key: string): Promise<KeyValue | undefined>;
  /** Every key starting with `prefix`, in key order. */
  range(prefix: string): Promise<RangeResult>;
  /** Unconditional write; returns the new revision. */
  put(key: string, value: string, options?: { readonly lease?: LeaseId }): Promise<number>;
  /** Unconditional delete; returns the new revision (unchanged if the key did not exist). */
  delete(key: string): Promise<number>;
  txn(txn: Txn): Promise<TxnResult>;
  /** Watches every key starting with `prefix`; resolves once the watch is in place. */
  watch(prefix: string, options: WatchOptions): Promise<Watch>;
  grantLease(ttlSeconds: number, options?: LeaseOptions): Promise<Lease>;
  /** Releases the store's resources (its watches, its leases' keep-alives); idempotent. */
  close(): Promise<void>;
}

export class LeaseNotFoundError extends Error {
  constructor(readonly leaseId: LeaseId) {
    super(`lease ${leaseId} not found (expired or revoked)`);
    this.name = 'LeaseNotFoundError';
  }
}

/** A watch asked for revisions the store no longer keeps; the watcher must re-read and watch again. */
export class CompactedError extends Error {
  /** The newest compacted revision, when the store says it. */
  constructor(readonly compactRevision: number | undefined) {
    super(`the requested revision has been compacted${compactRevision === undefined ? '' : ` (oldest kept: ${compactRevision + 1})`}`);
    this.name = 'CompactedError';
  }
}

/** A transaction held more than MAX_TXN_OPS comparisons or operations per branch (etcd's `--max-txn-ops`). */
export class TxnTooLargeError extends Error {
  constructor(options?: ErrorOptions) {
    super(`a metadata transaction exceeded ${MAX_TXN_OPS} comparisons or operations per branch (etcd's --max-txn-ops)`, options);
    this.name = 'TxnTooLargeError';
  }
}

/** The store could not be reached; the operation may be retried once it is back. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

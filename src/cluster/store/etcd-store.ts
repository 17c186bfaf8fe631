/**
 * The metadata store on etcd (v3 API, through the `etcd3` client's raw gRPC clients so that revisions,
 * transactions and watches keep etcd's exact meaning). The client reconnects by itself after etcd restarts;
 * its watches resume from the revision after the last one they delivered, so no change is lost or repeated.
 * Calls made while etcd is unreachable reject with StoreUnavailableError.
 */
import {
  type ICompare,
  type IKeyValue,
  type IOptions,
  type IRequestOp,
  type IWatchResponse,
  type Lease as EtcdLease,
  Etcd3,
  EtcdLeaseInvalidError,
  isRecoverableError,
} from 'etcd3';
import {
  CompactedError,
  type Compare,
  type KeyValue,
  type Lease,
  LeaseNotFoundError,
  type LeaseOptions,
  type MetadataStore,
  type RangeResult,
  StoreUnavailableError,
  type Txn,
  type TxnOp,
  type TxnResult,
  TxnTooLargeError,
  type Watch,
  type WatchOptions,
} from './metadata-store.js';

/** A unary call that takes longer fails, so that nothing waits forever on an etcd that is gone. */
const CALL_TIMEOUT_MS = 5_000;

/** Watches retry their stream every quarter second while etcd is away (the client's default grows to 30 s). */
const WATCH_RETRY: NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']> = { duration: 250, next: () => WATCH_RETRY };

const COMPARE_TARGETS = { createRevision: 'Create', modRevision: 'Mod', version: 'Version', value: 'Value' } as const;
const COMPARE_RESULTS = { '=': 'Equal', '!=': 'NotEqual', '<': 'Less', '>': 'Greater' } as const;

export class EtcdMetadataStore implements MetadataStore {
  readonly #client: Etcd3;
  readonly #leases = new Set<EtcdLease>();
  readonly #watches = new Set<Watch>();
  #closed = false;

  /** `endpoints` as host:port (or http://host:port). */
  constructor(endpoints: readonly string[]) {
    this.#client = new Etcd3({
      hosts: endpoints.map((endpoint) => (endpoint.includes('://') ? endpoint : `http://${endpoint}`)),
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_TIMEOUT_MS }),
      // gRPC's default reconnect backoff grows to two minutes: a broker must notice etcd's return within seconds.
      faultHandling: { watchBackoff: WATCH_RETRY },
      grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1_000 },
    });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const response = await call(() => this.#client.kv.range({ key: Buffer.from(key) }));
    const kv = response.kvs[0];
    return kv && keyValue(kv);
  }

  async range(prefix: string): Promise<RangeResult> {
    const response = await call(() =>
      this.#client.kv.range({
        key: prefix === '' ? Buffer.from([0]) : Buffer.from(prefix),
        range_end: prefixEnd(prefix),
        sort_target: 'Key',
        sort_order: 'Ascend',
      }),
    );
    return { kvs: response.kvs.map(keyValue), revision: Number(response.header.revision) };
  }

  async put(key: string, value: string, options: { readonly lease?: string } = {}): Promise<number> {
    const response = await call(() => this.#client.kv.put({ key: Buffer.from(key), value: Buffer.from(value), lease: options.lease }));
    return Number(response.header.revision);
  }

  async delete(key: string): Promise<number> {
    const response = await call(() => this.#client.kv.deleteRange({ key: Buffer.from(key) }));
    return Number(response.header.revision);
  }

  async txn(txn: Txn): Promise<TxnResult> {
    const response = await call(() =>
      this.#client.kv.txn({ compare: txn.compare.map(compareOf), success: txn.success.map(requestOf), failure: (txn.failure ?? []).map(requestOf) }),
    );
    return { succeeded: response.succeeded, revision: Number(response.header.revision) };
  }

  async watch(prefix: string, options: WatchOptions): Promise<Watch> {
    const builder = this.#client.watch().prefix(prefix);
    if (options.fromRevision !== undefined) builder.startRevision(String(options.fromRevision));
    const watcher = await call(() => builder.create());
    watcher.on('data', (response: IWatchResponse) => {
      if (response.events.length === 0) return;
      options.onEvents(response.events.map((event) => ({ type: event.type === 'Put' ? ('put' as const) : ('delete' as const), kv: keyValue(event.kv) })));
    });
    watcher.on('error', (error: Error) => {
      options.onError?.(/compacted/.test(error.message) ? new CompactedError(undefined) : error);
    });
    const watch: Watch = {
      cancel: async () => {
        this.#watches.delete(watch);
        await watcher.cancel();
      },
    };
    this.#watches.add(watch);
    return watch;
  }

  async grantLease(ttlSeconds: number, options: LeaseOptions = {}): Promise<Lease> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new RangeError(`a lease TTL is a whole number of seconds, at least 1: ${ttlSeconds}`);
    const lease = this.#client.lease(ttlSeconds, { autoKeepAlive: options.keepAlive ?? true });
    // A grant that fails also reports `lost`; nobody listens yet, so keep it from being an unhandled 'error'.
    lease.on('lost', () => undefined);
    // A renewal counts from when it was sent (etcd restarts the TTL on receiving it), once it is acknowledged.
    let sentAt = Date.now();
    const id = await call(() => lease.grant());
    let renewedAt = sentAt;
    lease.on('keepaliveFired', () => {
      sentAt = Date.now();
    });
    lease.on('keepaliveSucceeded', () => {
      renewedAt = sentAt;
    });
    this.#leases.add(lease);
    return {
      id,
      ttlSeconds,
      keepAliveOnce: async () => {
        const sent = Date.now();
        await call(() => lease.keepaliveOnce());
        renewedAt = Math.max(renewedAt, sent);
      },
      revoke: async () => {
        this.#leases.delete(lease);
        await call(() => lease.revoke());
      },
      onLost: (listener) => void lease.on('lost', (error: Error) => listener(error instanceof EtcdLeaseInvalidError ? new LeaseNotFoundError(id) : error)),
      expiresAt: () => renewedAt + ttlSeconds * 1000,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#watches].map((watch) => watch.cancel().catch(() => undefined)));
    for (const lease of this.#leases) lease.release();
    this.#client.close();
  }
}

/** Runs one etcd call, translating its failures into the store's errors. */
async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof EtcdLeaseInvalidError) throw new LeaseNotFoundError(leaseIdOf(error));
    if (error instanceof Error && /too many operations in txn request/.test(error.message)) throw new TxnTooLargeError({ cause: error });
    if (error instanceof Error && (isRecoverableError(error) || error.name === 'BrokenCircuitError' || /deadline/i.test(error.message))) {
      throw new StoreUnavailableError(`etcd unavailable: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function leaseIdOf(error: Error): string {
  return /(\d+)/.exec(error.message)?.[1] ?? 'unknown';
}

function keyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: kv.lease === '0' || kv.lease === undefined ? undefined : String(kv.lease),
  };
}

function compareOf(compare: Compare): ICompare {
  const base = { key: Buffer.from(compare.key), result: COMPARE_RESULTS[compare.result], target: COMPARE_TARGETS[compare.target] };
  switch (compare.target) {
    case 'createRevision':
      return { ...base, create_revision: compare.value };
    case 'modRevision':
      return { ...base, mod_revision: compare.value };
    case 'version':
      return { ...base, version: compare.value };
    case 'value':
      return { ...base, value: Buffer.from(compare.value) };
  }
}

function requestOf(op: TxnOp): IRequestOp {
  if (op.type === 'delete') return { request_delete_range: { key: Buffer.from(op.key) } };
  return { request_put: { key: Buffer.from(op.key), value: Buffer.from(op.value), lease: op.lease } };
}

/**
 * etcd's range end for "every key with this prefix": the prefix with its last byte below 0xff incremented;
 * for the empty prefix, "\0" (with "\0" as the start too, etcd's spelling of "every key").
 */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

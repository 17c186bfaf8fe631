/**
 * Leader election on a metadata store, from a lease and compare-and-swap: the candidate that creates the
 * election key (attached to its lease) leads until it resigns or its lease ends; the others watch the key
 * and try again when it is deleted. The leadership's revision (the key's create revision) fences the
 * leader's writes: a write guarded by it fails once someone else has been elected.
 */
import type { Compare, KeyValue, Lease, MetadataStore } from './metadata-store.js';

export interface Leadership {
  readonly key: string;
  /** Create revision of the election key: unique to this term, growing with each new leader. */
  readonly revision: number;
  /** Add to a transaction's comparisons so that it applies only while this leadership lasts. */
  readonly guard: Compare;
  /** Ends the leadership (if it still holds), letting another candidate in. */
  resign(): Promise<void>;
}

/** Waits until this candidate leads (`value` names it to observers); an aborted `signal` rejects. */
export async function campaign(store: MetadataStore, key: string, value: string, lease: Lease, signal?: AbortSignal): Promise<Leadership> {
  for (;;) {
    signal?.throwIfAborted();
    const created = await store.txn({
      compare: [{ key, target: 'createRevision', result: '=', value: 0 }],
      success: [{ type: 'put', key, value, lease: lease.id }],
    });
    if (created.succeeded) return leadership(store, key, created.revision);
    const holder = await store.get(key);
    if (holder?.lease === lease.id) return leadership(store, key, holder.createRevision);
    if (holder) await deletion(store, key, holder.modRevision + 1, signal);
  }
}

/** The current leader's key (its value names the leader), if any. */
export function currentLeader(store: MetadataStore, key: string): Promise<KeyValue | undefined> {
  return store.get(key);
}

function leadership(store: MetadataStore, key: string, revision: number): Leadership {
  const guard: Compare = { key, target: 'createRevision', result: '=', value: revision };
  return {
    key,
    revision,
    guard,
    resign: async () => void (await store.txn({ compare: [guard], success: [{ type: 'delete', key }] })),
  };
}

/** Resolves when `key` is deleted at or after `fromRevision`. */
async function deletion(store: MetadataStore, key: string, fromRevision: number, signal?: AbortSignal): Promise<void> {
  let settle!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  // Settled before it is awaited (an abort while the watch is being set up): not an unhandled rejection.
  done.catch(() => undefined);
  const onAbort = (): void => settle(signal!.reason as Error);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const watch = await store.watch(key, {
    fromRevision,
    onEvents: (events) => {
      if (events.some((event) => event.type === 'delete' && event.kv.key === key)) settle();
    },
    onError: (error) => settle(error),
  });
  try {
    await done;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await watch.cancel();
  }
}

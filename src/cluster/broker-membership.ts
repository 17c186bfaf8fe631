/**
 * A broker's membership of a cluster whose metadata is in a shared store: the cluster id check (the store
 * keeps the cluster id, created by the first broker; a data dir of another cluster is refused) and the
 * broker's registration under its lease, which vanishes when the broker stops renewing it.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { Lease, MetadataStore } from './store/metadata-store.js';
import { type BrokerRegistration, SharedMetadata } from './store/shared-metadata.js';

const CLUSTER_ID_KEY = 'cluster-id';

/** Pause between registration attempts while an earlier incarnation's registration is still there. */
const REGISTRATION_RETRY_MS = 200;

/**
 * The cluster id kept in the store: `proposed` if the store has none yet. INCONSISTENT_CLUSTER_ID if the
 * data dir (`own`, from meta.properties) belongs to another cluster.
 */
export async function joinClusterId(store: MetadataStore, own: string | undefined, proposed: string): Promise<string> {
  await store.txn({
    compare: [{ key: CLUSTER_ID_KEY, target: 'createRevision', result: '=', value: 0 }],
    success: [{ type: 'put', key: CLUSTER_ID_KEY, value: own ?? proposed }],
  });
  const stored = (await store.get(CLUSTER_ID_KEY))!.value;
  if (own !== undefined && own !== stored) {
    throw new KafkaError(
      ErrorCode.INCONSISTENT_CLUSTER_ID,
      `this broker's data dir belongs to cluster ${own}, but the metadata store holds cluster ${stored}: refusing to join`,
    );
  }
  return stored;
}

/**
 * Registers the broker under a new lease of `sessionTimeoutMs`, renewed by the store well within it. A
 * registration of the same node id still present may be this broker's previous incarnation, whose lease
 * runs out within the session timeout: it is waited for that long. One that outlives it belongs to a live
 * broker: DUPLICATE_BROKER_REGISTRATION, the lease is revoked.
 */
export async function registerBroker(
  store: MetadataStore,
  registration: BrokerRegistration,
  sessionTimeoutMs: number,
): Promise<{ lease: Lease; brokerEpoch: number }> {
  const lease = await store.grantLease(Math.ceil(sessionTimeoutMs / 1000));
  const shared = new SharedMetadata(store);
  const deadline = Date.now() + sessionTimeoutMs + 1000;
  for (;;) {
    try {
      const { brokerEpoch } = await shared.registerBroker(registration, lease);
      return { lease, brokerEpoch };
    } catch (error) {
      const duplicate = error instanceof KafkaError && error.code === ErrorCode.DUPLICATE_BROKER_REGISTRATION;
      if (!duplicate || Date.now() > deadline) {
        await lease.revoke().catch(() => undefined);
        if (!duplicate) throw error;
        throw new KafkaError(
          ErrorCode.DUPLICATE_BROKER_REGISTRATION,
          `node.id ${registration.nodeId} is registered by another live broker: every broker of a cluster needs its own node.id`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, REGISTRATION_RETRY_MS));
    }
  }
}

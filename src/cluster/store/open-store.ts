/**
 * Opens the metadata store the configuration names (`gregor.metadata.store`): the local file or etcd
 * (`gregor.etcd.endpoints`), seen under the cluster's key prefix either way so that keys are laid out alike.
 */
import type { BrokerConfig } from '../../config/broker-config.js';
import { EtcdMetadataStore } from './etcd-store.js';
import { LocalMetadataStore } from './local-store.js';
import type { MetadataStore, TxnOp } from './metadata-store.js';
import { PrefixedStore, clusterPrefix } from './prefixed-store.js';

export interface StoreLocation {
  readonly clusterId: string;
  /** The local store's file. */
  readonly localFile: string;
  /** The first content (keys under the cluster's prefix) of a local store whose file holds an older document (see LocalMetadataStore.open). */
  readonly migrate?: (legacy: unknown) => readonly TxnOp[];
}

export async function openMetadataStore(config: BrokerConfig, location: StoreLocation): Promise<MetadataStore> {
  const prefix = clusterPrefix(location.clusterId);
  const migrate = location.migrate;
  const inner: MetadataStore =
    config.string('gregor.metadata.store') === 'etcd'
      ? new EtcdMetadataStore(config.list('gregor.etcd.endpoints'))
      : await LocalMetadataStore.open(location.localFile, migrate && ((legacy) => migrate(legacy).map((op) => ({ ...op, key: prefix + op.key }))));
  return new PrefixedStore(inner, prefix);
}

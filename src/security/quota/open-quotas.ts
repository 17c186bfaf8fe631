/** Opens the broker's client quotas over the cluster metadata store, with Kafka's `quota.window.*` and `controller.quota.window.*` settings. */
import { performance } from 'node:perf_hooks';
import type { ClusterMetadata } from '../../cluster/cluster-metadata.js';
import type { BrokerConfig } from '../../config/broker-config.js';
import { ClientQuotas, QUOTAS_PREFIX } from './client-quotas.js';

export function openClientQuotas(config: BrokerConfig, metadata: ClusterMetadata, clock: () => number = () => performance.now()): Promise<ClientQuotas> {
  const windows = { samples: config.int('quota.window.num'), windowMs: config.int('quota.window.size.seconds') * 1000 };
  const mutationWindows = { samples: config.int('controller.quota.window.num'), windowMs: config.int('controller.quota.window.size.seconds') * 1000 };
  return ClientQuotas.open((onChange) => metadata.watchPrefix(QUOTAS_PREFIX, onChange), windows, clock, mutationWindows);
}

/**
 * One node's replication layer for unit tests: cluster metadata (in a temporary directory), partition
 * logs in memory (MemoryLogManager) and a started ReplicaManager over them, without a network or a
 * storage engine. Replication's leader/follower tests start one per node.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterMetadata } from '../../src/cluster/cluster-metadata.js';
import { BrokerConfig, type BrokerSettings } from '../../src/config/broker-config.js';
import { ProducerStateStore } from '../../src/replication/producer-state-store.js';
import { ReplicaManager } from '../../src/replication/replica-manager.js';
import { MemoryLogManager } from '../support/memory-log.js';

export interface ReplicaNode {
  readonly config: BrokerConfig;
  readonly metadata: ClusterMetadata;
  readonly logs: MemoryLogManager;
  readonly replicaManager: ReplicaManager;
  /** Closes the replica manager (and so the logs) and removes the metadata directory. */
  close(): Promise<void>;
}

export async function startReplicaNode(settings: BrokerSettings = {}): Promise<ReplicaNode> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-replica-node-'));
  const config = BrokerConfig.create({ 'log.dirs': dir, ...settings });
  const metadata = await ClusterMetadata.open(config, [dir]);
  const logs = new MemoryLogManager();
  const replicaManager = new ReplicaManager(config, metadata, logs, new ProducerStateStore());
  await replicaManager.start();
  let closed = false;
  return {
    config,
    metadata,
    logs,
    replicaManager,
    async close() {
      if (closed) return;
      closed = true;
      await metadata.close();
      await replicaManager.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Converts the metadata document ClusterMetadata kept before the metadata store (format 1: topics with their
 * partitions, configs and log dirs, and the end of the last producer-id block) into the store's first keys,
 * so that a data dir written by an older gregor opens with its topics, ids and producer ids intact.
 */
import { logDirsKey } from './metadata-view.js';
import type { TxnOp } from './store/metadata-store.js';
import { KEYS, type PartitionState, type TopicRecord } from './store/shared-metadata.js';

interface LegacyDocument {
  readonly version: 1;
  readonly topics: readonly {
    readonly name: string;
    readonly topicId: string;
    readonly internal: boolean;
    readonly configs: Readonly<Record<string, string>>;
    readonly partitions: readonly {
      readonly partition: number;
      readonly leader: number;
      readonly leaderEpoch: number;
      readonly replicas: readonly number[];
      readonly isr: readonly number[];
      readonly logDir?: string;
    }[];
  }[];
  readonly producerIdBlockEnd: string;
}

/** The store writes equivalent to a format-1 document of node `nodeId` (whose log dirs it records). */
export function legacyMetadataOps(nodeId: number, legacy: unknown): TxnOp[] {
  if (!isLegacyDocument(legacy)) throw new Error(`unknown cluster metadata document: ${JSON.stringify(legacy).slice(0, 80)}`);
  const ops: TxnOp[] = [{ type: 'put', key: KEYS.producerIdBlock, value: legacy.producerIdBlockEnd }];
  for (const topic of legacy.topics) {
    const record: TopicRecord = { name: topic.name, topicId: topic.topicId, internal: topic.internal };
    ops.push(put(KEYS.topic(topic.name), record), put(KEYS.topicConfigs(topic.name), topic.configs));
    const logDirs: Record<number, string> = {};
    for (const p of topic.partitions) {
      const state: PartitionState = { leader: p.leader, leaderEpoch: p.leaderEpoch, partitionEpoch: 0, replicas: p.replicas, isr: p.isr };
      ops.push(put(KEYS.partition(topic.topicId, p.partition), state));
      if (p.logDir !== undefined) logDirs[p.partition] = p.logDir;
    }
    if (Object.keys(logDirs).length > 0) ops.push(put(logDirsKey(topic.topicId, nodeId), logDirs));
  }
  return ops;
}

function isLegacyDocument(document: unknown): document is LegacyDocument {
  return (
    typeof document === 'object' && document !== null && (document as { version?: unknown }).version === 1 && Array.isArray((document as LegacyDocument).topics)
  );
}

function put(key: string, value: unknown): TxnOp {
  return { type: 'put', key, value: JSON.stringify(value) };
}

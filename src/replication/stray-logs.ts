/**
 * Which logs a node holds that the metadata no longer gives it (Kafka's findStrayReplicas), and why.
 */
import type { TopicInfo } from '../cluster/cluster-metadata.js';
import type { HeldLog } from './partition-log.js';

/**
 * Why `log` is stray on node `nodeId`, given the topic the metadata has under its name (undefined: none), or
 * undefined when the log is one of the node's replicas. A log whose topic id record was lost (a machine crash
 * before `partition.metadata` reached the disk) is judged by its name alone, and kept where that name's topic
 * places a replica here.
 */
export function strayReason(log: HeldLog, topic: TopicInfo | undefined, nodeId: number): string | undefined {
  if (!topic) return 'its topic no longer exists';
  if (log.topicId !== undefined && log.topicId !== topic.topicId) return `its topic was deleted; ${topic.name} now is topic id ${topic.topicId}`;
  const partition = topic.partitions[log.partition];
  if (!partition) return `its topic has ${topic.partitions.length} partition(s)`;
  if (!partition.replicas.includes(nodeId)) return 'this broker is no longer one of its replicas';
  return undefined;
}

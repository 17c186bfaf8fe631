/**
 * How a partition is described to clients, shared by Metadata and DescribeTopicPartitions: leader, leader
 * epoch, replicas, ISR and offline replicas. A broker knows the state of its own replica only: when it is
 * offline (its log dir failed) it is listed offline, and if this broker leads the partition the partition
 * has no leader and carries the replica's error. Replicas on other brokers are described as the metadata says;
 * a partition without a leader (offline in the metadata) answers LEADER_NOT_AVAILABLE.
 */
import type { PartitionInfo, TopicInfo } from '../../cluster/cluster-metadata.js';
import { ErrorCode, codeOf } from '../../protocol/error-codes.js';
import { NO_LEADER } from '../../cluster/controller/partition-election.js';
import type { RequestContext } from '../handler.js';

export interface PartitionDescription {
  errorCode: ErrorCode;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export function describePartition(topic: TopicInfo, partition: PartitionInfo, context: RequestContext): PartitionDescription {
  if (partition.leader === NO_LEADER) return leaderless(partition, context);
  const nodeId = context.metadata.nodeId;
  let offline: ErrorCode | undefined;
  if (partition.replicas.includes(nodeId)) {
    try {
      context.replicaManager.localReplica(topic.name, partition.partition);
    } catch (error) {
      offline = codeOf(error);
    }
  }
  const leaderError = partition.leader === nodeId ? offline : undefined;
  return {
    errorCode: leaderError ?? ErrorCode.NONE,
    partitionIndex: partition.partition,
    leaderId: leaderError === undefined ? partition.leader : -1,
    leaderEpoch: partition.leaderEpoch,
    replicaNodes: [...partition.replicas],
    isrNodes: leaderError === undefined ? partition.isr.filter((id) => offline === undefined || id !== nodeId) : [],
    offlineReplicas: leaderError === undefined ? (offline === undefined ? [] : [nodeId]) : [...partition.replicas],
  };
}

/** A partition the controller took offline (no live in-sync replica): LEADER_NOT_AVAILABLE, its dead replicas offline, as Kafka answers. */
function leaderless(partition: PartitionInfo, context: RequestContext): PartitionDescription {
  const live = new Set(context.metadata.brokers().map((b) => b.nodeId));
  return {
    errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
    partitionIndex: partition.partition,
    leaderId: NO_LEADER,
    leaderEpoch: partition.leaderEpoch,
    replicaNodes: [...partition.replicas],
    isrNodes: [...partition.isr],
    offlineReplicas: partition.replicas.filter((id) => !live.has(id)),
  };
}

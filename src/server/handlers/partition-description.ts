/**
 * How a partition is described to clients, shared by Metadata and DescribeTopicPartitions: leader, leader
 * epoch, replicas, ISR and offline replicas, with the partition's error when its log dir is offline.
 */
import type { PartitionInfo, TopicInfo } from '../../cluster/cluster-metadata.js';
import { ErrorCode, codeOf } from '../../protocol/error-codes.js';
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
  let offline: ErrorCode | undefined;
  try {
    context.replicaManager.onlinePartition(topic.name, partition.partition);
  } catch (error) {
    offline = codeOf(error);
  }
  return {
    errorCode: offline ?? ErrorCode.NONE,
    partitionIndex: partition.partition,
    leaderId: offline === undefined ? partition.leader : -1,
    leaderEpoch: partition.leaderEpoch,
    replicaNodes: [...partition.replicas],
    isrNodes: offline === undefined ? [...partition.isr] : [],
    offlineReplicas: offline === undefined ? [] : [...partition.replicas],
  };
}

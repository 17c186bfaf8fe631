/**
 * DescribeProducers (61), v0: the idempotent producers each partition keeps state for (Admin.describeProducers,
 * `kafka-transactions.sh describe-producers`). Without transactions the coordinator epoch and the current
 * transaction's start offset are always -1. The partitions of a topic without READ are answered
 * TOPIC_AUTHORIZATION_FAILED, as Kafka does before it looks the partition up.
 */
import { ErrorCode, codeOf } from '../../protocol/error-codes.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import type { DescribeProducersRequest, DescribeProducersResponse } from '../../protocol/messages.js';
import type { Handler, RequestContext } from '../handler.js';

type PartitionResponse = DescribeProducersResponse.PartitionResponse;

export const describeProducersHandler: Handler<DescribeProducersRequest, DescribeProducersResponse> = {
  apiKey: 61,
  minVersion: 0,
  maxVersion: 0,
  handle: (request, context) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((index) => describePartition(t.name, index, context)) })),
  }),
  errorResponse: (request, code) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: code, errorMessage: null, activeProducers: [] })),
    })),
  }),
};

function describePartition(topic: string, partitionIndex: number, context: RequestContext): PartitionResponse {
  if (!context.authorize(AclOperation.READ, ResourceType.TOPIC, topic)) {
    return { partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, activeProducers: [] };
  }
  try {
    const partition = context.replicaManager.onlinePartition(topic, partitionIndex);
    const activeProducers = [...partition.producerState.activeProducers()].map(({ producerId, producerEpoch, lastBatch }) => ({
      producerId,
      producerEpoch,
      lastSequence: lastBatch?.lastSequence ?? -1,
      lastTimestamp: lastBatch?.timestamp ?? -1n,
      coordinatorEpoch: -1,
      currentTxnStartOffset: -1n,
    }));
    return { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers };
  } catch (error) {
    return { partitionIndex, errorCode: codeOf(error), errorMessage: error instanceof Error ? error.message : null, activeProducers: [] };
  }
}

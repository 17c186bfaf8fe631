/**
 * AlterPartitionReassignments (45), v0–1: moves partitions to the replicas an operator names
 * (`kafka-reassign-partitions.sh`, Admin.alterPartitionReassignments), or cancels a move (null replicas),
 * made by the controller; another broker answers NOT_CONTROLLER and the admin client asks the controller
 * Metadata names, as with ElectLeaders. ALTER on the cluster is required, as Kafka checks it. The answer
 * comes once each move is recorded; it completes when the new replicas are in sync.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../../protocol/messages.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';

export const alterPartitionReassignmentsHandler: Handler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse> = {
  apiKey: 45,
  minVersion: 0,
  maxVersion: 1,
  handle: async (request, context) => {
    if (!context.authorize(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)) return errorResponse(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const requested = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas })));
    const results = await context.metadata.alterPartitionReassignments(requested, request.allowReplicationFactorChange);
    const byTopic = new Map<string, AlterPartitionReassignmentsResponse.ReassignablePartitionResponse[]>();
    for (const { topic, partition, errorCode, errorMessage } of results) {
      const partitions = byTopic.get(topic) ?? [];
      partitions.push({ partitionIndex: partition, errorCode, errorMessage });
      byTopic.set(topic, partitions);
    }
    return {
      throttleTimeMs: 0,
      allowReplicationFactorChange: request.allowReplicationFactorChange,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    };
  },
  errorResponse,
};

/** The request's error at the top level, as Kafka answers a refused request (NOT_CONTROLLER, authorization). */
function errorResponse(request: AlterPartitionReassignmentsRequest | undefined, errorCode: ErrorCode): AlterPartitionReassignmentsResponse {
  return { throttleTimeMs: 0, allowReplicationFactorChange: request?.allowReplicationFactorChange ?? true, errorCode, errorMessage: null, responses: [] };
}

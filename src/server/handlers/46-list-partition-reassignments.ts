/**
 * ListPartitionReassignments (46), v0: the partitions being reassigned, with their replicas and those being
 * added and removed, of the topics asked for (null: every topic; partitions that do not exist are left out,
 * as Kafka does). Answered by the controller (NOT_CONTROLLER elsewhere, as AlterPartitionReassignments);
 * DESCRIBE on the cluster is required, as Kafka checks it.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../../protocol/messages.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';

export const listPartitionReassignmentsHandler: Handler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse> = {
  apiKey: 46,
  minVersion: 0,
  maxVersion: 0,
  handle: (request, context) => {
    if (!context.authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)) return errorResponse(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const requested = request.topics?.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }));
    const listed = context.metadata.listPartitionReassignments(requested);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: listed.map(({ topic, partitions }) => ({
        name: topic,
        partitions: partitions.map((p) => ({
          partitionIndex: p.partition,
          replicas: [...p.replicas],
          addingReplicas: [...(p.addingReplicas ?? [])],
          removingReplicas: [...(p.removingReplicas ?? [])],
        })),
      })),
    };
  },
  errorResponse,
};

function errorResponse(_request: ListPartitionReassignmentsRequest | undefined, errorCode: ErrorCode): ListPartitionReassignmentsResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage: null, topics: [] };
}

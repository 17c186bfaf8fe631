/**
 * ElectLeaders (43), v0–2: preferred (0, the only type before v1) or unclean (1) leader elections an
 * operator asks for (`kafka-leader-election.sh`, Admin.electLeaders), made by the controller; another broker
 * answers NOT_CONTROLLER and the admin client asks the controller Metadata names. ALTER on the cluster is
 * required, as Kafka checks it; a null partition list means every partition.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { ElectLeadersRequest, ElectLeadersResponse } from '../../protocol/messages.js';
import { ElectionType } from '../../cluster/controller/partition-election.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';

export const electLeadersHandler: Handler<ElectLeadersRequest, ElectLeadersResponse> = {
  apiKey: 43,
  minVersion: 0,
  maxVersion: 2,
  handle: async (request, context) => {
    if (!context.authorize(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)) return everyPartition(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const type = context.apiVersion === 0 ? ElectionType.PREFERRED : request.electionType;
    if (type !== ElectionType.PREFERRED && type !== ElectionType.UNCLEAN) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown election type ${request.electionType}`);
    }
    const requested = request.topicPartitions?.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const results = await context.metadata.electLeaders(type, requested);
    const byTopic = new Map<string, ElectLeadersResponse.PartitionResult[]>();
    for (const { topic, partition, errorCode } of results) {
      const partitions = byTopic.get(topic) ?? [];
      partitions.push({ partitionId: partition, errorCode, errorMessage: null });
      byTopic.set(topic, partitions);
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      replicaElectionResults: [...byTopic].map(([topic, partitionResult]) => ({ topic, partitionResult })),
    };
  },
  errorResponse: everyPartition,
};

/** One error for the request and each partition it names (none when it asked for every partition). */
function everyPartition(request: ElectLeadersRequest, code: ErrorCode): ElectLeadersResponse {
  return {
    throttleTimeMs: 0,
    errorCode: code,
    replicaElectionResults: (request.topicPartitions ?? []).map((t) => ({
      topic: t.topic,
      partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode: code, errorMessage: null })),
    })),
  };
}

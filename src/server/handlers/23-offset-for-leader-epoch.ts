/**
 * OffsetForLeaderEpoch (23), v2–4: where a leader epoch ends on the leader, from its leader-epoch cache
 * (Kafka's rules, `Partition.endOffsetForEpoch`). Followers truncate to it when they start following
 * (KIP-101/279) and consumers detect log truncation with it. The current leader epoch a request carries is
 * checked first (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH); consumers are told offsets up to the high
 * watermark only, followers (replicaId ≥ 0) up to the log end. As Kafka (KIP-320 opened the API to
 * consumers): CLUSTER_ACTION on the cluster answers every topic, otherwise a topic needs DESCRIBE
 * (TOPIC_AUTHORIZATION_FAILED for its partitions, answered after the authorized topics); only a principal
 * with CLUSTER_ACTION is treated as a follower.
 */
import { ErrorCode, codeOf } from '../../protocol/error-codes.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler, RequestContext } from '../handler.js';
import type { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/messages.js';

type EpochEndOffset = OffsetForLeaderEpochResponse.EpochEndOffset;
type OffsetForLeaderTopic = OffsetForLeaderEpochRequest.OffsetForLeaderTopic;

export const offsetForLeaderEpochHandler: Handler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> = {
  apiKey: 23,
  minVersion: 2,
  maxVersion: 4,
  handle(request, context) {
    const clusterAction = context.authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME);
    const follower = clusterAction && request.replicaId >= 0;
    const describable = (t: OffsetForLeaderTopic) => clusterAction || context.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, t.topic);
    const authorized = request.topics.filter(describable);
    const unauthorized = request.topics.filter((t) => !authorized.includes(t));
    return {
      throttleTimeMs: 0,
      topics: [
        ...authorized.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => endOffset(t.topic, p, follower, context)) })),
        ...unauthorized.map((t) => failedTopic(t, ErrorCode.TOPIC_AUTHORIZATION_FAILED)),
      ],
    };
  },
  errorResponse: (request, code) => ({ throttleTimeMs: 0, topics: request.topics.map((t) => failedTopic(t, code)) }),
};

function failedTopic(t: OffsetForLeaderTopic, code: ErrorCode): OffsetForLeaderEpochResponse['topics'][number] {
  return { topic: t.topic, partitions: t.partitions.map((p) => refused(p.partition, code)) };
}

function endOffset(
  topic: string,
  request: { partition: number; currentLeaderEpoch: number; leaderEpoch: number },
  follower: boolean,
  context: RequestContext,
): EpochEndOffset {
  try {
    const partition = context.replicaManager.onlinePartition(topic, request.partition);
    partition.checkLeaderEpoch(request.currentLeaderEpoch);
    const found = partition.endOffsetForEpoch(request.leaderEpoch);
    const visible = follower || found.endOffset <= partition.highWatermark ? found.endOffset : partition.highWatermark;
    return { errorCode: ErrorCode.NONE, partition: request.partition, leaderEpoch: found.epoch, endOffset: visible };
  } catch (error) {
    return refused(request.partition, codeOf(error));
  }
}

function refused(partition: number, errorCode: ErrorCode): EpochEndOffset {
  return { errorCode, partition, leaderEpoch: -1, endOffset: -1n };
}

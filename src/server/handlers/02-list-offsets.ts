/**
 * ListOffsets (2), v1–9: -2 earliest, -1 latest (the high watermark, which is also the last stable offset),
 * -3 max timestamp, -4 earliest local (v8+), -5 earliest tiered (v9+: -1 without tiered storage), or the first
 * offset at or after a timestamp. A topic without DESCRIBE answers TOPIC_AUTHORIZATION_FAILED, as in Kafka.
 * Only leaders answer (NOT_LEADER_OR_FOLLOWER elsewhere); a new leader whose high watermark has not reached
 * the start of its epoch answers a client's latest offset OFFSET_NOT_AVAILABLE (LEADER_NOT_AVAILABLE before v5).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/messages.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';

export const listOffsetsHandler: Handler<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: 2,
  minVersion: 1,
  maxVersion: 9,
  handle: (request, context) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) =>
      context.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, t.name)
        ? {
            name: t.name,
            partitions: t.partitions.map((p) => {
              const found = context.replicaManager.listOffset(
                t.name,
                p.partitionIndex,
                p.timestamp,
                request.isolationLevel,
                p.currentLeaderEpoch,
                request.replicaId === -1,
              );
              // OFFSET_NOT_AVAILABLE came with v5; older clients retry LEADER_NOT_AVAILABLE, as Kafka answers them.
              const errorCode = found.errorCode === ErrorCode.OFFSET_NOT_AVAILABLE && context.apiVersion < 5 ? ErrorCode.LEADER_NOT_AVAILABLE : found.errorCode;
              return { partitionIndex: p.partitionIndex, oldStyleOffsets: [], ...found, errorCode };
            }),
          }
        : topicError(t, ErrorCode.TOPIC_AUTHORIZATION_FAILED),
    ),
  }),
  errorResponse: (request, code) => ({ throttleTimeMs: 0, topics: request.topics.map((t) => topicError(t, code)) }),
};

function topicError(topic: ListOffsetsRequest['topics'][number], code: ErrorCode): ListOffsetsResponse['topics'][number] {
  return {
    name: topic.name,
    partitions: topic.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      oldStyleOffsets: [],
      errorCode: code,
      timestamp: -1n,
      offset: -1n,
      leaderEpoch: -1,
    })),
  };
}

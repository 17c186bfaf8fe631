/**
 * DeleteRecords (21), v0–2: moves each partition's log start offset (-1 = up to the high watermark); the
 * partitions of a topic without DELETE are answered TOPIC_AUTHORIZATION_FAILED, as Kafka does before it looks
 * the topic up.
 */
import { ErrorCode, codeOf } from '../../protocol/error-codes.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';
import type { DeleteRecordsRequest, DeleteRecordsResponse } from '../../protocol/messages.js';

export const deleteRecordsHandler: Handler<DeleteRecordsRequest, DeleteRecordsResponse> = {
  apiKey: 21,
  minVersion: 0,
  maxVersion: 2,
  handle: (request, context) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => {
      if (!context.authorize(AclOperation.DELETE, ResourceType.TOPIC, t.name)) return failed(t, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          try {
            return {
              partitionIndex: p.partitionIndex,
              lowWatermark: context.replicaManager.deleteRecords(t.name, p.partitionIndex, p.offset),
              errorCode: ErrorCode.NONE,
            };
          } catch (error) {
            return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: codeOf(error) };
          }
        }),
      };
    }),
  }),
  errorResponse: (request, code) => ({ throttleTimeMs: 0, topics: request.topics.map((t) => failed(t, code)) }),
};

function failed(topic: DeleteRecordsRequest['topics'][number], errorCode: ErrorCode): DeleteRecordsResponse['topics'][number] {
  return { name: topic.name, partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode })) };
}

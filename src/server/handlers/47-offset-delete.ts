/**
 * OffsetDelete (47), v0: removes committed offsets of a group; refused with GROUP_SUBSCRIBED_TO_TOPIC for
 * topics a live consumer group subscribes to (read from its members' ConsumerProtocolSubscription). As Kafka:
 * DELETE on the group (GROUP_AUTHORIZATION_FAILED for the request), READ on each topic (TOPIC_AUTHORIZATION_FAILED
 * on its partitions, which are left alone).
 */
import { decodeData } from '../../protocol/codec.js';
import { consumerProtocolSubscription } from '../../protocol/definitions/consumer-protocol.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/messages.js';
import { CONSUMER_PROTOCOL_TYPE } from '../../group/group-coordinator.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';
import { requireAuthorized } from '../request-authorization.js';

export const offsetDeleteHandler: Handler<OffsetDeleteRequest, OffsetDeleteResponse> = {
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context) {
    requireAuthorized(context, AclOperation.DELETE, ResourceType.GROUP, request.groupId);
    const readable = new Set(request.topics.filter((t) => context.authorize(AclOperation.READ, ResourceType.TOPIC, t.name)).map((t) => t.name));
    const partitions = request.topics
      .filter((t) => readable.has(t.name))
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    const { errorCode, partitionErrors } = await context.groupCoordinator.deleteOffsets(request.groupId, partitions, subscribedTopics);
    if (errorCode !== ErrorCode.NONE) return { errorCode, throttleTimeMs: 0, topics: [] };
    let i = 0;
    return response(request, errorCode, (topic) => (readable.has(topic) ? partitionErrors[i++]! : ErrorCode.TOPIC_AUTHORIZATION_FAILED));
  },
  errorResponse: (_request, code) => ({ errorCode: code, throttleTimeMs: 0, topics: [] }),
};

function response(request: OffsetDeleteRequest, errorCode: ErrorCode, errorFor: (topic: string) => ErrorCode): OffsetDeleteResponse {
  return {
    errorCode,
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errorFor(t.name) })),
    })),
  };
}

/** The topics a consumer's JoinGroup metadata subscribes to; other protocol types name none. */
function subscribedTopics(protocolType: string, metadata: Buffer): readonly string[] {
  if (protocolType !== CONSUMER_PROTOCOL_TYPE) return [];
  try {
    return decodeData(consumerProtocolSubscription, metadata).body.topics as string[];
  } catch {
    return [];
  }
}

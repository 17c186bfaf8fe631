/**
 * OffsetDelete (47), v0: removes committed offsets of a group; refused with GROUP_SUBSCRIBED_TO_TOPIC for
 * topics a live consumer group subscribes to (read from its members' ConsumerProtocolSubscription).
 */
import { decodeData } from '../../protocol/codec.js';
import { consumerProtocolSubscription } from '../../protocol/definitions/consumer-protocol.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/messages.js';
import { CONSUMER_PROTOCOL_TYPE } from '../../group/group-coordinator.js';
import type { ErrorCode } from '../../protocol/error-codes.js';
import type { Handler } from '../handler.js';

export const offsetDeleteHandler: Handler<OffsetDeleteRequest, OffsetDeleteResponse> = {
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context) {
    const partitions = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    const { errorCode, partitionErrors } = await context.groupCoordinator.deleteOffsets(request.groupId, partitions, subscribedTopics);
    if (partitionErrors.length === 0) return { errorCode, throttleTimeMs: 0, topics: [] };
    let i = 0;
    return response(request, errorCode, () => partitionErrors[i++]!);
  },
  errorResponse: (_request, code) => ({ errorCode: code, throttleTimeMs: 0, topics: [] }),
};

function response(request: OffsetDeleteRequest, errorCode: ErrorCode, errorFor: () => ErrorCode): OffsetDeleteResponse {
  return {
    errorCode,
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errorFor() })) })),
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

/**
 * OffsetCommit (8), v0–9: stores committed offsets (with metadata and, from v6, the leader epoch) in
 * `__consumer_offsets`. v0 carries no generation or member: a commit outside group management, like
 * generation -1 in later versions. v1's per-partition commit timestamp and v2–4's retention time are
 * ignored, as Kafka has done since offsets expire by group state (KIP-211).
 */
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import { requireAuthorized } from '../request-authorization.js';
import type { Handler } from '../handler.js';

export const offsetCommitHandler: Handler<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: 8,
  minVersion: 0,
  maxVersion: 9,
  async handle(request, context) {
    requireAuthorized(context, AclOperation.READ, ResourceType.GROUP, request.groupId);
    // Kafka commits only the topics the principal may READ; the others answer TOPIC_AUTHORIZATION_FAILED.
    const readable = request.topics.map((t) => context.authorize(AclOperation.READ, ResourceType.TOPIC, t.name));
    const offsets = request.topics.flatMap((t, i) =>
      (readable[i] ? t.partitions : []).map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata,
      })),
    );
    const errors = await context.groupCoordinator.commitOffsets(request.groupId, {
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      generationId: request.generationIdOrMemberEpoch,
      offsets,
    });
    let next = 0;
    return response(request, (topicIndex) => (readable[topicIndex] ? errors[next++]! : ErrorCode.TOPIC_AUTHORIZATION_FAILED));
  },
  errorResponse: (request, code) => response(request, () => code),
};

function response(request: OffsetCommitRequest, errorFor: (topicIndex: number) => ErrorCode): OffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t, i) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errorFor(i) })),
    })),
  };
}

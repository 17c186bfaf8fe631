/**
 * OffsetCommit (8), v0–9: stores committed offsets (with metadata and, from v6, the leader epoch) in
 * `__consumer_offsets`. v0 carries no generation or member: a commit outside group management, like
 * generation -1 in later versions. v1's per-partition commit timestamp and v2–4's retention time are
 * ignored, as Kafka has done since offsets expire by group state (KIP-211).
 */
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages.js';
import type { ErrorCode } from '../../protocol/error-codes.js';
import type { Handler } from '../handler.js';

export const offsetCommitHandler: Handler<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: 8,
  minVersion: 0,
  maxVersion: 9,
  async handle(request, context) {
    const offsets = request.topics.flatMap((t) =>
      t.partitions.map((p) => ({
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
    let i = 0;
    return response(request, () => errors[i++]!);
  },
  errorResponse: (request, code) => response(request, () => code),
};

function response(request: OffsetCommitRequest, errorFor: () => ErrorCode): OffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errorFor() })) })),
  };
}

/**
 * OffsetForLeaderEpoch (23), v2–4: the end offset of a leader epoch, which clients use to detect log
 * truncation. Partitions here have one leader epoch each (leadership never moves on a single node), so the
 * current epoch ends at the log end offset and any other epoch is unknown (-1, -1), as Kafka answers for
 * an epoch it has no entry for.
 */
import { ErrorCode, codeOf } from '../../protocol/error-codes.js';
import type { Handler, RequestContext } from '../handler.js';
import type { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/messages.js';

type EpochEndOffset = OffsetForLeaderEpochResponse.EpochEndOffset;

export const offsetForLeaderEpochHandler: Handler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> = {
  apiKey: 23,
  minVersion: 2,
  maxVersion: 4,
  handle: (request, context) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => endOffset(t.topic, p, request.replicaId, context)) })),
  }),
  errorResponse: (request, code) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => ({ errorCode: code, partition: p.partition, leaderEpoch: -1, endOffset: -1n })),
    })),
  }),
};

function endOffset(
  topic: string,
  request: { partition: number; currentLeaderEpoch: number; leaderEpoch: number },
  replicaId: number,
  context: RequestContext,
): EpochEndOffset {
  try {
    const partition = context.replicaManager.onlinePartition(topic, request.partition);
    partition.checkLeaderEpoch(request.currentLeaderEpoch);
    if (request.leaderEpoch !== partition.leaderEpoch) return { errorCode: ErrorCode.NONE, partition: request.partition, leaderEpoch: -1, endOffset: -1n };
    // Consumers may only learn offsets up to the high watermark; followers (replicaId ≥ 0) the log end.
    const end = replicaId >= 0 ? partition.logEndOffset : partition.highWatermark;
    return { errorCode: ErrorCode.NONE, partition: request.partition, leaderEpoch: partition.leaderEpoch, endOffset: end };
  } catch (error) {
    return { errorCode: codeOf(error), partition: request.partition, leaderEpoch: -1, endOffset: -1n };
  }
}

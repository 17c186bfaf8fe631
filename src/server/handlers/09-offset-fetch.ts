/**
 * OffsetFetch (9), v1–9: committed offsets of the listed partitions (or, from v2, a null list: all of the
 * group's), -1 with empty metadata where nothing is committed, as Kafka answers. From v8 a request names
 * several groups. Before v2 a group-level error is reported on every partition, which is all v1 has.
 * As Kafka: DESCRIBE on each group, and on each topic: a named topic without it is answered
 * TOPIC_AUTHORIZATION_FAILED on its partitions, and all of a group's offsets leave such topics out.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/messages.js';
import type { FetchedOffset } from '../../group/group-coordinator.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import { requireAuthorized } from '../request-authorization.js';
import type { Handler, RequestContext } from '../handler.js';

type TopicRequest = { name: string; partitionIndexes: number[] };

interface GroupAnswer {
  errorCode: ErrorCode;
  topics: {
    name: string;
    partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[];
  }[];
}

export const offsetFetchHandler: Handler<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: 9,
  minVersion: 1,
  maxVersion: 9,
  handle(request, context) {
    if (context.apiVersion >= 8) {
      return {
        throttleTimeMs: 0,
        topics: [],
        errorCode: ErrorCode.NONE,
        groups: request.groups.map((g) => ({
          groupId: g.groupId,
          ...(describable(context, g.groupId) ? fetchGroup(context, g.groupId, g.topics) : { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] }),
        })),
      };
    }
    requireAuthorized(context, AclOperation.DESCRIBE, ResourceType.GROUP, request.groupId);
    const answer = fetchGroup(context, request.groupId, request.topics);
    return single(answer, context.apiVersion, request.topics);
  },
  errorResponse: (request, code, context) => {
    if (context.apiVersion >= 8) {
      return { throttleTimeMs: 0, topics: [], errorCode: code, groups: request.groups.map((g) => ({ groupId: g.groupId, topics: [], errorCode: code })) };
    }
    return single({ errorCode: code, topics: [] }, context.apiVersion, request.topics);
  },
};

/** Kafka's OffsetFetch asks DESCRIBE on each group. */
function describable(context: RequestContext, groupId: string): boolean {
  return context.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, groupId);
}

function fetchGroup(context: RequestContext, groupId: string, topics: TopicRequest[] | null): GroupAnswer {
  const describableTopic = (name: string) => context.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, name);
  if (topics === null) {
    const { errorCode, offsets } = context.groupCoordinator.fetchOffsets(groupId, null);
    return { errorCode, topics: byTopic(offsets).filter((t) => describableTopic(t.name)) };
  }
  const authorized = topics.filter((t) => describableTopic(t.name));
  const { errorCode, offsets } = context.groupCoordinator.fetchOffsets(
    groupId,
    authorized.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })),
  );
  const unauthorized = topics.filter((t) => !authorized.includes(t)).map((t) => unanswered(t, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
  return { errorCode, topics: [...byTopic(offsets), ...unauthorized] };
}

/** A requested topic answered with an error on each partition: no offset, no leader epoch, empty metadata. */
function unanswered(topic: TopicRequest, errorCode: ErrorCode): GroupAnswer['topics'][number] {
  return {
    name: topic.name,
    partitions: topic.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode })),
  };
}

function byTopic(offsets: readonly FetchedOffset[]): GroupAnswer['topics'] {
  const topics = new Map<string, GroupAnswer['topics'][number]>();
  for (const o of offsets) {
    let topic = topics.get(o.topic);
    if (!topic) topics.set(o.topic, (topic = { name: o.topic, partitions: [] }));
    topic.partitions.push({
      partitionIndex: o.partition,
      committedOffset: o.offset,
      committedLeaderEpoch: o.leaderEpoch,
      metadata: o.metadata,
      errorCode: o.errorCode,
    });
  }
  return [...topics.values()];
}

function single(answer: GroupAnswer, version: number, requested: TopicRequest[] | null): OffsetFetchResponse {
  if (version < 2 && answer.errorCode !== ErrorCode.NONE) {
    const topics = (requested ?? []).map((t) => unanswered(t, answer.errorCode));
    return { throttleTimeMs: 0, topics, errorCode: answer.errorCode, groups: [] };
  }
  return { throttleTimeMs: 0, topics: answer.topics, errorCode: answer.errorCode, groups: [] };
}

/**
 * DescribeTopicPartitions (75), v0: topics by name (none listed = every topic) in name order with their
 * partitions, paged: at most `responsePartitionLimit` partitions (capped by `max.request.partition.size.limit`)
 * from the request's cursor on, and a `nextCursor` naming where the next page starts. Kafka 4's Admin
 * describeTopics (TopicCommand --describe) asks this instead of Metadata. Semantics follow Kafka 4.4's
 * DescribeTopicPartitionsRequestHandler and KRaftMetadataCache.describeTopicResponse, including its check: topics
 * without DESCRIBE are left out of every topic and answered TOPIC_AUTHORIZATION_FAILED after the page when named.
 */
import { type PartitionInfo, type TopicInfo, validateTopicName } from '../../cluster/cluster-metadata.js';
import { ErrorCode, KafkaError, codeOf } from '../../protocol/error-codes.js';
import type { DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse } from '../../protocol/messages.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import { ZERO_UUID } from '../../protocol/primitives/uuid.js';
import type { Handler, RequestContext } from '../handler.js';
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperations } from '../authorized-operations.js';
import { describePartition } from './partition-description.js';

type ResponseTopic = DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic;
type Cursor = DescribeTopicPartitionsRequest.Cursor;

export const describeTopicPartitionsHandler: Handler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse> = {
  apiKey: 75,
  minVersion: 0,
  maxVersion: 0,
  handle(request, context) {
    const names = topicsToDescribe(request, context);
    const authorized = names.filter((name) => context.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, name));
    const denied = request.topics.length > 0 ? names.filter((name) => !authorized.includes(name)) : [];
    if (request.cursor !== null && request.cursor.partitionIndex < 0) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `the cursor's partition must not be negative: ${request.cursor.partitionIndex}`);
    }
    const limit = Math.max(1, Math.min(context.config.int('max.request.partition.size.limit'), request.responsePartitionLimit));
    const { topics, nextCursor } = page(authorized, request.cursor, limit, context);
    return { throttleTimeMs: 0, topics: [...topics, ...denied.map((name) => topicError(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED))], nextCursor };
  },
  errorResponse: (request, code) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => topicError(t.name, code)),
    nextCursor: null,
  }),
};

/** Every topic or the requested ones, from the cursor's topic on, sorted by name and without duplicates. */
function topicsToDescribe(request: DescribeTopicPartitionsRequest, context: RequestContext): string[] {
  const listed = request.topics.length > 0;
  const candidates = listed ? request.topics.map((t) => t.name) : [...context.metadata.topics()].map((t) => t.name);
  const from = request.cursor?.topicName ?? '';
  const names = [...new Set(candidates.filter((name) => name >= from))].sort();
  // A cursor into a list of topics must point at one of them; without a list it may name a deleted topic.
  if (listed && request.cursor !== null && !names.includes(request.cursor.topicName)) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `the topic list should contain the cursor's topic ${request.cursor.topicName}`);
  }
  return names;
}

/**
 * Describes topics in order until `limit` partitions are described. A topic cut short, or the next topic once
 * the limit is reached exactly, becomes the next cursor. Unknown topics cost nothing from the limit.
 */
function page(
  names: readonly string[],
  cursor: Cursor | null,
  limit: number,
  context: RequestContext,
): Pick<DescribeTopicPartitionsResponse, 'topics' | 'nextCursor'> {
  const topics: ResponseTopic[] = [];
  let remaining = limit;
  for (const name of names) {
    if (remaining === 0) return { topics, nextCursor: { topicName: name, partitionIndex: 0 } };
    const topic = context.metadata.topic(name);
    if (!topic) {
      topics.push(topicError(name, unknownTopicError(name)));
      continue;
    }
    const first = name === cursor?.topicName ? cursor.partitionIndex : 0;
    const end = Math.min(topic.partitions.length, first + remaining);
    const partitions = topic.partitions.slice(first, end);
    topics.push(describeTopic(topic, partitions, context));
    if (end < topic.partitions.length) return { topics, nextCursor: { topicName: name, partitionIndex: end } };
    remaining -= partitions.length;
  }
  return { topics, nextCursor: null };
}

function describeTopic(topic: TopicInfo, partitions: readonly PartitionInfo[], context: RequestContext): ResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.internal,
    // gregor keeps no eligible leader replicas (KIP-966: a single node has no other replica to elect), so both
    // lists are empty, as Kafka answers with ELR disabled; null would read as "not known" (TopicCommand's N/A).
    partitions: partitions.map((p) => ({ ...describePartition(topic, p, context), eligibleLeaderReplicas: [], lastKnownElr: [] })),
    // Kafka reports them for every described topic: the request has no flag to ask.
    topicAuthorizedOperations: authorizedOperations(context, ResourceType.TOPIC, topic.name),
  };
}

function unknownTopicError(name: string): ErrorCode {
  try {
    validateTopicName(name);
    return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  } catch (error) {
    return codeOf(error);
  }
}

function topicError(name: string, code: ErrorCode): ResponseTopic {
  return { errorCode: code, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

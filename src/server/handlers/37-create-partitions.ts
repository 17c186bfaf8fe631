/**
 * CreatePartitions (37), v0–3: grows a topic's partition count, the new partitions placed over the live
 * brokers by Kafka's rules or as the request's assignments give them.
 * As Kafka's controller: ALTER on each topic (TOPIC_AUTHORIZATION_FAILED for that topic); ALTER on the cluster does not
 * stand in for it.
 */
import { ErrorCode, codeOf } from '../../protocol/error-codes.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler, RequestContext } from '../handler.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages.js';

type CreatePartitionsTopic = CreatePartitionsRequest.CreatePartitionsTopic;

export const createPartitionsHandler: Handler<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    const results: CreatePartitionsResponse['results'] = [];
    for (const topic of request.topics) {
      if (context.authorize(AclOperation.ALTER, ResourceType.TOPIC, topic.name)) results.push(await grow(topic, request.validateOnly, context));
      else results.push({ name: topic.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null });
    }
    return { throttleTimeMs: 0, results };
  },
  errorResponse: (request, code) => ({ throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode: code, errorMessage: null })) }),
};

async function grow(topic: CreatePartitionsTopic, validateOnly: boolean, context: RequestContext): Promise<CreatePartitionsResponse['results'][number]> {
  try {
    await context.metadata.createPartitions(
      topic.name,
      topic.count,
      validateOnly,
      topic.assignments?.map((a) => a.brokerIds),
    );
    return { name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (error) {
    return { name: topic.name, errorCode: codeOf(error), errorMessage: error instanceof Error ? error.message : null };
  }
}

/**
 * CreatePartitions (37), v0–3: grows a topic's partition count, the new partitions placed over the live
 * brokers by Kafka's rules or as the request's assignments give them.
 * As Kafka's controller: ALTER on each topic (TOPIC_AUTHORIZATION_FAILED for that topic); ALTER on the cluster does not
 * stand in for it. The partitions added count against the client's controller_mutation_rate (KIP-599; strict from v3).
 */
import { ErrorCode, codeOf } from '../../protocol/error-codes.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import type { ControllerMutationQuota } from '../../security/quota/controller-mutation-quota.js';
import type { Handler, RequestContext } from '../handler.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages.js';

type CreatePartitionsTopic = CreatePartitionsRequest.CreatePartitionsTopic;

/** The first version whose clients know THROTTLING_QUOTA_EXCEEDED. */
const STRICT_QUOTA_VERSION = 3;

export const createPartitionsHandler: Handler<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    const results: CreatePartitionsResponse['results'] = [];
    const quota = context.quotas.mutationQuota(context.session.principal.name, context.clientId ?? '', context.apiVersion >= STRICT_QUOTA_VERSION);
    for (const topic of request.topics) {
      if (context.authorize(AclOperation.ALTER, ResourceType.TOPIC, topic.name)) results.push(await grow(topic, request.validateOnly, quota, context));
      else results.push({ name: topic.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null });
    }
    return { throttleTimeMs: quota.throttleTimeMs(), results };
  },
  errorResponse: (request, code) => ({ throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode: code, errorMessage: null })) }),
};

async function grow(
  topic: CreatePartitionsTopic,
  validateOnly: boolean,
  quota: ControllerMutationQuota,
  context: RequestContext,
): Promise<CreatePartitionsResponse['results'][number]> {
  const assignment = topic.assignments?.map((a) => a.brokerIds);
  try {
    // As Kafka's controller, only a valid change counts against the quota: validated first, then counted, then made.
    const current = await context.metadata.createPartitions(topic.name, topic.count, true, assignment);
    if (!validateOnly) {
      quota.record(topic.count - current.partitions.length);
      await context.metadata.createPartitions(topic.name, topic.count, false, assignment);
    }
    return { name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (error) {
    return { name: topic.name, errorCode: codeOf(error), errorMessage: error instanceof Error ? error.message : null };
  }
}

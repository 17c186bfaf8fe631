/**
 * DeleteTopics (20), v0–6: by name (v0–5 `topicNames`; v6 `topics` by name or topic id). As Kafka's controller,
 * DELETE on the cluster allows deleting every topic; otherwise DELETE on each topic is needed. Each deleted
 * topic's partitions count against the client's controller_mutation_rate (KIP-599; strict from v5).
 */
import { ErrorCode, codeOf } from '../../protocol/error-codes.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { ControllerMutationQuota } from '../../security/quota/controller-mutation-quota.js';
import type { Handler, RequestContext } from '../handler.js';
import { ZERO_UUID } from './03-metadata.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/messages.js';

type DeletableTopicResult = DeleteTopicsResponse.DeletableTopicResult;

/** The first version whose clients know THROTTLING_QUOTA_EXCEEDED. */
const STRICT_QUOTA_VERSION = 5;

export const deleteTopicsHandler: Handler<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  minVersion: 0,
  maxVersion: 6,
  async handle(request, context) {
    const responses: DeletableTopicResult[] = [];
    const clusterDelete = context.authorize(AclOperation.DELETE, ResourceType.CLUSTER, CLUSTER_NAME);
    const quota = context.quotas.mutationQuota(context.session.principal.name, context.clientId ?? '', context.apiVersion >= STRICT_QUOTA_VERSION);
    for (const target of targets(request, context.apiVersion)) responses.push(await remove(target, clusterDelete, quota, context));
    return { throttleTimeMs: quota.throttleTimeMs(), responses };
  },
  errorResponse: (request, code, context) => ({
    throttleTimeMs: 0,
    responses: targets(request, context.apiVersion).map((t) => ({ name: t.name, topicId: t.topicId, errorCode: code, errorMessage: null })),
  }),
};

function targets(request: DeleteTopicsRequest, version: number): { name: string | null; topicId: string }[] {
  return version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
}

async function remove(
  target: { name: string | null; topicId: string },
  clusterDelete: boolean,
  quota: ControllerMutationQuota,
  context: RequestContext,
): Promise<DeletableTopicResult> {
  const topic = target.name !== null ? context.metadata.topic(target.name) : context.metadata.topicById(target.topicId);
  // Kafka checks DELETE on a named topic before its existence (an unknown id stays UNKNOWN_TOPIC_ID).
  const name = target.name ?? topic?.name;
  if (name !== undefined && !clusterDelete && !context.authorize(AclOperation.DELETE, ResourceType.TOPIC, name)) {
    return { name: target.name, topicId: target.topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null };
  }
  if (!topic) {
    const code = target.name !== null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.UNKNOWN_TOPIC_ID;
    return { name: target.name, topicId: target.topicId, errorCode: code, errorMessage: null };
  }
  try {
    quota.record(topic.partitions.length);
    await context.metadata.deleteTopic(topic.name);
    return { name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (error) {
    return { name: topic.name, topicId: topic.topicId, errorCode: codeOf(error), errorMessage: error instanceof Error ? error.message : null };
  }
}

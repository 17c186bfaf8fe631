/**
 * DeleteTopics (20), v0–6: by name (v0–5 `topicNames`; v6 `topics` by name or topic id). As Kafka's controller,
 * DELETE on the cluster allows deleting every topic; otherwise DELETE on each topic is needed.
 */
import { ErrorCode, codeOf } from '../../protocol/error-codes.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler, RequestContext } from '../handler.js';
import { ZERO_UUID } from './03-metadata.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/messages.js';

type DeletableTopicResult = DeleteTopicsResponse.DeletableTopicResult;

export const deleteTopicsHandler: Handler<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  minVersion: 0,
  maxVersion: 6,
  async handle(request, context) {
    const responses: DeletableTopicResult[] = [];
    const clusterDelete = context.authorize(AclOperation.DELETE, ResourceType.CLUSTER, CLUSTER_NAME);
    for (const target of targets(request, context.apiVersion)) responses.push(await remove(target, clusterDelete, context));
    return { throttleTimeMs: 0, responses };
  },
  errorResponse: (request, code, context) => ({
    throttleTimeMs: 0,
    responses: targets(request, context.apiVersion).map((t) => ({ name: t.name, topicId: t.topicId, errorCode: code, errorMessage: null })),
  }),
};

function targets(request: DeleteTopicsRequest, version: number): { name: string | null; topicId: string }[] {
  return version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
}

async function remove(target: { name: string | null; topicId: string }, clusterDelete: boolean, context: RequestContext): Promise<DeletableTopicResult> {
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
    await context.metadata.deleteTopic(topic.name);
    return { name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (error) {
    return { name: topic.name, topicId: topic.topicId, errorCode: codeOf(error), errorMessage: error instanceof Error ? error.message : null };
  }
}

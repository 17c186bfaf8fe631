/**
 * Metadata (3), v0–12: brokers (this node at the advertised address of the listener the client came in on), cluster id, controller, and topics with
 * partitions, leader, leader epoch, replicas, ISR and topic ids (v10+). Unknown topics are created when
 * `auto.create.topics.enable` and the request (v4+: `allowAutoTopicCreation`; before v4 always) allow it.
 * Authorization as Kafka: listing all topics leaves out those without DESCRIBE; a named one without DESCRIBE
 * answers TOPIC_AUTHORIZATION_FAILED, and so does an unknown one that may not be created (CREATE on the
 * cluster or on the topic).
 */
import type { TopicInfo } from '../../cluster/cluster-metadata.js';
import { ErrorCode, KafkaError, codeOf } from '../../protocol/error-codes.js';
import type { Handler, RequestContext } from '../handler.js';
import { advertisedBrokers } from './advertised-brokers.js';
import type { MetadataRequest, MetadataResponse } from '../../protocol/messages.js';
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperations, clusterAuthorizedOperations } from '../authorized-operations.js';
import { describePartition } from './partition-description.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';

type MetadataResponseTopic = MetadataResponse.MetadataResponseTopic;

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export const metadataHandler: Handler<MetadataRequest, MetadataResponse> = {
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  async handle(request, context) {
    // v0 asks for every topic with an empty list; v1+ with null.
    const all = request.topics === null || (context.apiVersion === 0 && request.topics.length === 0);
    const topics = all
      ? [...context.metadata.topics()].filter((t) => describable(t.name, context)).map((t) => describeTopic(t, context))
      : await Promise.all(request.topics!.map((t) => lookup(t, context.apiVersion < 4 || request.allowAutoTopicCreation, context)));
    // KIP-430: the described topics' operations (v8+) and the cluster's (v8–10) when asked.
    if (request.includeTopicAuthorizedOperations) {
      for (const t of topics)
        if (t.errorCode === ErrorCode.NONE && t.name !== null) t.topicAuthorizedOperations = authorizedOperations(context, ResourceType.TOPIC, t.name);
    }
    const clusterAuthorized = request.includeClusterAuthorizedOperations ? clusterAuthorizedOperations(context) : AUTHORIZED_OPERATIONS_OMITTED;
    return { ...cluster(context), clusterAuthorizedOperations: clusterAuthorized, topics };
  },
  errorResponse: (request, code, context) => ({
    ...cluster(context),
    topics: (request.topics ?? []).map((t) => topicError(t.name, t.topicId, code)),
  }),
};

function cluster(context: RequestContext): Omit<MetadataResponse, 'topics'> {
  return {
    throttleTimeMs: 0,
    brokers: advertisedBrokers(context).map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    clusterId: context.metadata.clusterId,
    controllerId: context.metadata.controllerId,
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

async function lookup(requested: { topicId: string; name: string | null }, allowCreate: boolean, context: RequestContext): Promise<MetadataResponseTopic> {
  if (requested.name === null) {
    const byId = context.metadata.topicById(requested.topicId);
    // Response topic names are nullable only from v12; v10–11 answer an unknown id with an empty name.
    const unnamed = context.apiVersion >= 12 ? null : '';
    if (!byId) return topicError(unnamed, requested.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
    return describable(byId.name, context) ? describeTopic(byId, context) : topicError(unnamed, requested.topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  }
  if (!describable(requested.name, context)) return topicError(requested.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const existing = context.metadata.topic(requested.name);
  if (existing) return describeTopic(existing, context);
  if (!allowCreate || !context.config.bool('auto.create.topics.enable')) {
    return topicError(requested.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  if (
    !context.authorize(AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME) &&
    !context.authorize(AclOperation.CREATE, ResourceType.TOPIC, requested.name)
  ) {
    return topicError(requested.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  }
  try {
    return describeTopic(await context.metadata.ensureTopic(requested.name), context);
  } catch (error) {
    if (!(error instanceof KafkaError)) throw error;
    return topicError(requested.name, ZERO_UUID, codeOf(error));
  }
}

function describable(name: string, context: RequestContext): boolean {
  return context.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, name);
}

function describeTopic(topic: TopicInfo, context: RequestContext): MetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.internal,
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    partitions: topic.partitions.map((p) => describePartition(topic, p, context)),
  };
}

function topicError(name: string | null, topicId: string, code: ErrorCode): MetadataResponseTopic {
  return { errorCode: code, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

/**
 * CreateTopics (19), v0–7: validates (name, partitions, replication factor, configs) and creates each topic
 * with a new topic id; `validateOnly` stops after validation. Replicas are placed over the live brokers by
 * Kafka's rules, or as the request's assignments give them (each partition on distinct live brokers).
 * Each created topic's partitions count against the client's controller_mutation_rate (KIP-599; strict
 * from v6: THROTTLING_QUOTA_EXCEEDED for a topic once the quota is exhausted).
 */
import type { NewTopic, TopicInfo } from '../../cluster/cluster-metadata.js';
import type { ControllerMutationQuota } from '../../security/quota/controller-mutation-quota.js';
import { ErrorCode, KafkaError, codeOf } from '../../protocol/error-codes.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler, RequestContext } from '../handler.js';
import { ZERO_UUID } from './03-metadata.js';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/messages.js';

type CreatableTopic = CreateTopicsRequest.CreatableTopic;
type CreatableTopicResult = CreateTopicsResponse.CreatableTopicResult;

/** The first version whose clients know THROTTLING_QUOTA_EXCEEDED. */
const STRICT_QUOTA_VERSION = 6;

export const createTopicsHandler: Handler<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: 19,
  minVersion: 0,
  maxVersion: 7,
  async handle(request, context) {
    const seen = new Map<string, number>();
    for (const t of request.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const topics: CreatableTopicResult[] = [];
    // Kafka: CREATE on the cluster covers every topic, else CREATE on each topic.
    const clusterCreate = context.authorize(AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME);
    const quota = context.quotas.mutationQuota(context.session.principal.name, context.clientId ?? '', context.apiVersion >= STRICT_QUOTA_VERSION);
    for (const topic of request.topics) {
      if ((seen.get(topic.name) ?? 0) > 1) {
        topics.push(failed(topic.name, ErrorCode.INVALID_REQUEST, 'topic named more than once in the request'));
        continue;
      }
      if (!clusterCreate && !context.authorize(AclOperation.CREATE, ResourceType.TOPIC, topic.name)) {
        topics.push(failed(topic.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.'));
        continue;
      }
      topics.push(await create(topic, request.validateOnly, quota, context));
    }
    return { throttleTimeMs: quota.throttleTimeMs(), topics };
  },
  errorResponse: (request, code) => ({ throttleTimeMs: 0, topics: request.topics.map((t) => failed(t.name, code, null)) }),
};

async function create(topic: CreatableTopic, validateOnly: boolean, quota: ControllerMutationQuota, context: RequestContext): Promise<CreatableTopicResult> {
  try {
    const configs: Record<string, string> = {};
    for (const c of topic.configs) {
      if (c.value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `null value for ${c.name}`);
      configs[c.name] = c.value;
    }
    const spec = { ...fromAssignments(topic), configs };
    const checked = context.metadata.validateNewTopic(topic.name, spec);
    if (validateOnly) return succeeded(topic.name, ZERO_UUID, checked.numPartitions, checked.replicationFactor, context);
    quota.record(checked.numPartitions);
    const created: TopicInfo = await context.metadata.createTopic(topic.name, spec);
    return succeeded(created.name, created.topicId, created.partitions.length, created.partitions[0]?.replicas.length ?? 0, context);
  } catch (error) {
    return failed(topic.name, codeOf(error), error instanceof Error ? error.message : null);
  }
}

/** Partition count and replication factor, or the replicas of each partition from a manual assignment. */
function fromAssignments(topic: CreatableTopic): NewTopic {
  if (topic.assignments.length === 0) return { numPartitions: topic.numPartitions, replicationFactor: topic.replicationFactor };
  if (topic.numPartitions !== -1 || topic.replicationFactor !== -1) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, 'give either assignments or numPartitions/replicationFactor, not both');
  }
  const byIndex = [...topic.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
  if (byIndex.some((a, i) => a.partitionIndex !== i)) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions must be numbered 0..n-1');
  return { assignment: byIndex.map((a) => a.brokerIds) };
}

function succeeded(name: string, topicId: string, numPartitions: number, replicationFactor: number, context: RequestContext): CreatableTopicResult {
  const config = context.metadata.topic(name) ? context.metadata.topicConfig(name) : undefined;
  return {
    name,
    topicId,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    numPartitions,
    replicationFactor,
    configs: config ? [...config.entries()].map((e) => ({ name: e.def.name, value: e.text, readOnly: false, configSource: e.source, isSensitive: false })) : [],
  };
}

function failed(name: string, code: ErrorCode, message: string | null): CreatableTopicResult {
  return { name, topicId: ZERO_UUID, errorCode: code, errorMessage: message, numPartitions: -1, replicationFactor: -1, configs: null };
}

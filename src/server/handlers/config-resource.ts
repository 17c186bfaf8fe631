/**
 * Kafka's ConfigResource types, the authorization of a config resource (DescribeConfigs, AlterConfigs,
 * IncrementalAlterConfigs) and the resource-level step the two alter APIs share.
 */
import { ErrorCode, KafkaError, codeOf } from '../../protocol/error-codes.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { RequestContext } from '../handler.js';

export enum ConfigResourceType {
  UNKNOWN = 0,
  TOPIC = 2,
  BROKER = 4,
  BROKER_LOGGER = 8,
}

export interface AlterConfigsResourceResponse {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

/**
 * Kafka's check of one config resource (DESCRIBE_CONFIGS or ALTER_CONFIGS): a topic's on the topic
 * (TOPIC_AUTHORIZATION_FAILED), a broker's or broker logger's on the cluster (CLUSTER_AUTHORIZATION_FAILED):
 * the error that resource alone is answered with (and no message, as Kafka), or undefined when authorized.
 * Other types are left to the handler's own refusal.
 */
export function configDenied(
  context: RequestContext,
  operation: AclOperation,
  resource: { resourceType: number; resourceName: string },
): ErrorCode | undefined {
  switch (resource.resourceType) {
    case ConfigResourceType.TOPIC:
      return context.authorize(operation, ResourceType.TOPIC, resource.resourceName) ? undefined : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    case ConfigResourceType.BROKER:
    case ConfigResourceType.BROKER_LOGGER:
      return context.authorize(operation, ResourceType.CLUSTER, CLUSTER_NAME) ? undefined : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    default:
      return undefined;
  }
}

/**
 * Applies new overrides to one resource. Only topics can be altered: broker settings are static (config file
 * and restart), so a change to a broker's configs is refused with INVALID_REQUEST, as Kafka refuses non-dynamic
 * keys; one that names no config has nothing to refuse and succeeds, as on Kafka.
 */
export async function alterResource(
  resource: { resourceType: number; resourceName: string; configs: readonly unknown[] },
  newOverrides: (current: Readonly<Record<string, string>>) => Record<string, string>,
  validateOnly: boolean,
  context: RequestContext,
): Promise<AlterConfigsResourceResponse> {
  const result = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  const denied = configDenied(context, AclOperation.ALTER_CONFIGS, resource);
  if (denied !== undefined) return { ...result, errorCode: denied, errorMessage: null };
  try {
    if (resource.resourceType === ConfigResourceType.BROKER && resource.configs.length === 0)
      return { ...result, errorCode: ErrorCode.NONE, errorMessage: null };
    if (resource.resourceType !== ConfigResourceType.TOPIC) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'only topic configs can be altered; broker configs are static');
    }
    const topic = context.metadata.topic(resource.resourceName);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, resource.resourceName);
    await context.metadata.setTopicConfigs(topic.name, newOverrides(topic.configs), validateOnly);
    return { ...result, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (error) {
    return { ...result, errorCode: codeOf(error), errorMessage: error instanceof Error ? error.message : null };
  }
}

/** Kafka's ConfigResource types and the resource-level step shared by AlterConfigs and IncrementalAlterConfigs. */
import { ErrorCode, KafkaError, codeOf } from '../../protocol/error-codes.js';
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
 * Applies new overrides to one resource. Only topics can be altered: broker settings are static (config file
 * and restart), so a broker resource is refused with INVALID_REQUEST, as Kafka refuses non-dynamic keys.
 */
export async function alterResource(
  resource: { resourceType: number; resourceName: string },
  newOverrides: (current: Readonly<Record<string, string>>) => Record<string, string>,
  validateOnly: boolean,
  context: RequestContext,
): Promise<AlterConfigsResourceResponse> {
  const result = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  try {
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

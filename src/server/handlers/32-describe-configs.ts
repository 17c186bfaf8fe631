/**
 * DescribeConfigs (32), v0–4: topic and broker configuration with sources, synonyms (v1+), types and docs (v3+).
 * As Kafka's broker, the resources without DESCRIBE_CONFIGS are answered after the authorized ones.
 */
import { describeBrokerConfig, describeTopicConfig, type ConfigDescription } from '../../config/config-description.js';
import { ErrorCode, KafkaError, codeOf } from '../../protocol/error-codes.js';
import type { Handler, RequestContext } from '../handler.js';
import { AclOperation } from '../../security/authorizer/acl.js';
import { ConfigResourceType, configDenied } from './config-resource.js';
import type { DescribeConfigsRequest, DescribeConfigsResponse } from '../../protocol/messages.js';

type DescribeConfigsResourceResult = DescribeConfigsResponse.DescribeConfigsResourceResult;
type DescribeConfigsResult = DescribeConfigsResponse.DescribeConfigsResult;

export const describeConfigsHandler: Handler<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  minVersion: 0,
  maxVersion: 4,
  handle(request, context) {
    const denied = request.resources.map((r) => configDenied(context, AclOperation.DESCRIBE_CONFIGS, r));
    const authorized = request.resources.filter((_, i) => denied[i] === undefined).map((r) => describeResource(r, request, context));
    const unauthorized = request.resources.flatMap((r, i) => (denied[i] === undefined ? [] : [failedResource(r, denied[i])]));
    return { throttleTimeMs: 0, results: [...authorized, ...unauthorized] };
  },
  errorResponse: (request, code) => ({ throttleTimeMs: 0, results: request.resources.map((r) => failedResource(r, code)) }),
};

function failedResource(resource: { resourceType: number; resourceName: string }, code: ErrorCode): DescribeConfigsResult {
  return { errorCode: code, errorMessage: null, resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [] };
}

function describeResource(
  resource: DescribeConfigsRequest['resources'][number],
  request: DescribeConfigsRequest,
  context: RequestContext,
): DescribeConfigsResult {
  const result = { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: resource.resourceType, resourceName: resource.resourceName };
  try {
    const wanted = resource.configurationKeys === null ? undefined : new Set(resource.configurationKeys);
    const configs = descriptions(resource, context)
      .filter((d) => !wanted || wanted.has(d.name))
      .map((d) => toWire(d, request, context.apiVersion));
    return { ...result, configs };
  } catch (error) {
    return { ...result, errorCode: codeOf(error), errorMessage: error instanceof Error ? error.message : null, configs: [] };
  }
}

function descriptions(resource: { resourceType: number; resourceName: string }, context: RequestContext): ConfigDescription[] {
  switch (resource.resourceType) {
    case ConfigResourceType.TOPIC:
      if (!context.metadata.topic(resource.resourceName)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, resource.resourceName);
      return describeTopicConfig(context.metadata.topicConfig(resource.resourceName));
    case ConfigResourceType.BROKER:
      if (resource.resourceName !== '' && resource.resourceName !== String(context.metadata.nodeId)) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `unexpected broker id ${resource.resourceName}, this is ${context.metadata.nodeId}`);
      }
      return describeBrokerConfig(context.config);
    default:
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `unsupported resource type ${resource.resourceType}`);
  }
}

function toWire(d: ConfigDescription, request: DescribeConfigsRequest, version: number): DescribeConfigsResourceResult {
  return {
    name: d.name,
    value: d.value,
    readOnly: d.readOnly,
    isDefault: d.isDefault,
    configSource: d.source,
    isSensitive: d.sensitive,
    synonyms: version >= 1 && request.includeSynonyms ? d.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })) : [],
    configType: d.type,
    documentation: request.includeDocumentation ? d.documentation : null,
  };
}

/**
 * DescribeClientQuotas (48), v0–1: the quota entities a filter selects, with their values. Needs
 * DESCRIBE_CONFIGS on the cluster (else CLUSTER_AUTHORIZATION_FAILED for the request); a bad filter is
 * answered with Kafka's INVALID_REQUEST or UNSUPPORTED_VERSION and its message, with null entries.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../../protocol/messages.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import { quotaErrorMessage } from '../../security/quota/client-quota-entity.js';
import type { Handler } from '../handler.js';
import { requireAuthorized } from '../request-authorization.js';

export const describeClientQuotasHandler: Handler<DescribeClientQuotasRequest, DescribeClientQuotasResponse> = {
  apiKey: 48,
  minVersion: 0,
  maxVersion: 1,
  handle(request, context) {
    requireAuthorized(context, AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, CLUSTER_NAME);
    try {
      const entries = context.quotas.describe(request.components, request.strict).map(({ entity, values }) => ({
        entity: entity.map(({ entityType, entityName }) => ({ entityType, entityName })),
        values: [...values].map(([key, value]) => ({ key, value })),
      }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error;
      return { throttleTimeMs: 0, errorCode: error.code, errorMessage: quotaErrorMessage(error), entries: null };
    }
  },
  errorResponse: (_request, code) => ({ throttleTimeMs: 0, errorCode: code, errorMessage: null, entries: null }),
};

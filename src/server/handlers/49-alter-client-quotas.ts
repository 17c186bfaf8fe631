/**
 * AlterClientQuotas (49), v0–1: sets and removes quota values per entity, with Kafka's validation errors per
 * entity; the valid entities are stored together (in the cluster metadata store, so every broker applies
 * them) before the answer, unless `validateOnly`. Needs ALTER_CONFIGS on the cluster (else
 * CLUSTER_AUTHORIZATION_FAILED for every entity).
 */
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../protocol/messages.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';
import { requireAuthorized } from '../request-authorization.js';

export const alterClientQuotasHandler: Handler<AlterClientQuotasRequest, AlterClientQuotasResponse> = {
  apiKey: 49,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, context) {
    requireAuthorized(context, AclOperation.ALTER_CONFIGS, ResourceType.CLUSTER, CLUSTER_NAME);
    const results = await context.quotas.alter(request.entries, request.validateOnly);
    return { throttleTimeMs: 0, entries: results.map((result) => ({ ...result, entity: [...result.entity] })) };
  },
  errorResponse: (request, code) => ({
    throttleTimeMs: 0,
    entries: request.entries.map((entry) => ({ errorCode: code, errorMessage: null, entity: entry.entity })),
  }),
};

/**
 * DescribeUserScramCredentials (50), v0: each user's SCRAM mechanisms and iterations (never salts or keys);
 * no users (null or empty) lists every user with a credential. Unknown users are answered RESOURCE_NOT_FOUND
 * and users named twice DUPLICATE_RESOURCE, per user, as Kafka does. Needs DESCRIBE on the cluster
 * (CLUSTER_AUTHORIZATION_FAILED for the whole request and, as Kafka's error response, for each user named).
 */
import type { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../../protocol/messages.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import { describeScramCredentials } from '../../security/scram/credential-admin.js';
import type { Handler } from '../handler.js';
import { requireAuthorized } from '../request-authorization.js';

export const describeUserScramCredentialsHandler: Handler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse> = {
  apiKey: 50,
  minVersion: 0,
  maxVersion: 0,
  handle(request, context) {
    requireAuthorized(context, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      results: describeScramCredentials(context.scramCredentials, request.users?.map((u) => u.name) ?? null),
    };
  },
  errorResponse: (request, code) => ({
    throttleTimeMs: 0,
    errorCode: code,
    errorMessage: null,
    results: [...new Set(request.users?.map((u) => u.name))].map((user) => ({ user, errorCode: code, errorMessage: null, credentialInfos: [] })),
  }),
};

/**
 * AlterUserScramCredentials (51), v0: deletes and upserts SCRAM credentials (an upsertion carries salt and
 * salted password, computed by the client), with Kafka's per-user errors (credential-admin.ts). The changes
 * are in the credential store, and so apply to the next login, before the answer. Needs ALTER on the cluster
 * (CLUSTER_AUTHORIZATION_FAILED for every user named).
 */
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../protocol/messages.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import { alterScramCredentials } from '../../security/scram/credential-admin.js';
import type { Handler } from '../handler.js';
import { requireAuthorized } from '../request-authorization.js';

export const alterUserScramCredentialsHandler: Handler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse> = {
  apiKey: 51,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context) {
    requireAuthorized(context, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME);
    return { throttleTimeMs: 0, results: await alterScramCredentials(context.scramCredentials, request.deletions, request.upsertions) };
  },
  errorResponse: (request, code) => ({
    throttleTimeMs: 0,
    results: [...new Set([...request.deletions, ...request.upsertions].map((c) => c.name))].map((user) => ({ user, errorCode: code, errorMessage: null })),
  }),
};

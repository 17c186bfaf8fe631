/**
 * CreateAcls (30), v0–3: ALTER on the cluster, then each creation is validated as Kafka does (INVALID_REQUEST
 * with its reason) and the valid ones are stored and enforced before the answer.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { CreateAclsRequest, CreateAclsResponse } from '../../protocol/messages.js';
import { AclOperation } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';
import { aclAuthorizer, aclErrorMessage, toBinding } from './acl-messages.js';

export const createAclsHandler: Handler<CreateAclsRequest, CreateAclsResponse> = {
  apiKey: 30,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    const authorizer = aclAuthorizer(context, AclOperation.ALTER);
    const results = await authorizer.createAcls(request.creations.map(toBinding));
    return {
      throttleTimeMs: 0,
      results: results.map(({ error }) =>
        error === undefined ? { errorCode: ErrorCode.NONE, errorMessage: null } : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: error },
      ),
    };
  },
  errorResponse: (request, code) => ({
    throttleTimeMs: 0,
    results: (request?.creations ?? []).map(() => ({ errorCode: code, errorMessage: aclErrorMessage(code) })),
  }),
};

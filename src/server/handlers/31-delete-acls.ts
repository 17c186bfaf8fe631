/**
 * DeleteAcls (31), v0–3: ALTER on the cluster, then every binding each filter selects is deleted (and no longer
 * enforced) before the answer lists them per filter; a filter with unknown codes answers INVALID_REQUEST.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { DeleteAclsRequest, DeleteAclsResponse } from '../../protocol/messages.js';
import { AclOperation } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';
import { aclAuthorizer, aclErrorMessage, toFilter } from './acl-messages.js';

export const deleteAclsHandler: Handler<DeleteAclsRequest, DeleteAclsResponse> = {
  apiKey: 31,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    const authorizer = aclAuthorizer(context, AclOperation.ALTER);
    const results = await authorizer.deleteAcls(request.filters.map(toFilter));
    return {
      throttleTimeMs: 0,
      filterResults: results.map(({ error, deleted }) => ({
        errorCode: error === undefined ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
        errorMessage: error ?? null,
        matchingAcls: deleted.map((b) => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          resourceType: b.resourceType,
          resourceName: b.resourceName,
          patternType: b.patternType,
          principal: b.principal,
          host: b.host,
          operation: b.operation,
          permissionType: b.permissionType,
        })),
      })),
    };
  },
  errorResponse: (request, code) => ({
    throttleTimeMs: 0,
    filterResults: (request?.filters ?? []).map(() => ({ errorCode: code, errorMessage: aclErrorMessage(code), matchingAcls: [] })),
  }),
};

/**
 * DescribeAcls (29), v0–3: DESCRIBE on the cluster, then the bindings the filter selects grouped by resource
 * pattern; SECURITY_DISABLED without an authorizer (admin tools show "no ACLs"), INVALID_REQUEST for a filter
 * with unknown codes (Kafka refuses such a request while parsing it).
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { DescribeAclsRequest, DescribeAclsResponse } from '../../protocol/messages.js';
import { AclOperation, type AclBinding, filterIsUnknown } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';
import { aclAuthorizer, aclErrorMessage, toFilter } from './acl-messages.js';

export const describeAclsHandler: Handler<DescribeAclsRequest, DescribeAclsResponse> = {
  apiKey: 29,
  minVersion: 0,
  maxVersion: 3,
  handle(request, context) {
    const authorizer = aclAuthorizer(context, AclOperation.DESCRIBE);
    const filter = toFilter(request);
    if (filterIsUnknown(filter)) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'filter contains UNKNOWN elements');
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: byResource(authorizer.acls(filter)) };
  },
  errorResponse: (_request, code) => ({ throttleTimeMs: 0, errorCode: code, errorMessage: aclErrorMessage(code), resources: [] }),
};

function byResource(bindings: readonly AclBinding[]): DescribeAclsResponse['resources'] {
  const resources = new Map<string, DescribeAclsResponse['resources'][number]>();
  for (const b of bindings) {
    const key = JSON.stringify([b.resourceType, b.resourceName, b.patternType]);
    let resource = resources.get(key);
    if (!resource) resources.set(key, (resource = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }));
    resource.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permissionType });
  }
  return [...resources.values()];
}

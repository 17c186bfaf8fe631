/** DescribeAcls (29), v0–3: answered SECURITY_DISABLED (no authorizer), so admin tools show "no ACLs" instead of failing. */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { Handler } from '../handler.js';
import type { DescribeAclsRequest, DescribeAclsResponse } from '../../protocol/messages.js';

export const describeAclsHandler: Handler<DescribeAclsRequest, DescribeAclsResponse> = {
  apiKey: 29,
  minVersion: 0,
  maxVersion: 3,
  handle() {
    throw new KafkaError(ErrorCode.SECURITY_DISABLED, 'no authorizer is configured');
  },
  errorResponse: (_request, code) => ({ throttleTimeMs: 0, errorCode: code, errorMessage: 'No Authorizer is configured.', resources: [] }),
};

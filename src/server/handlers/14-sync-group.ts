/**
 * SyncGroup (14), v0–5: the leader hands in every member's assignment and each member gets its own; the
 * coordinator holds followers until the leader's has been stored. v5 must name the protocol type and name.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/messages.js';
import { syncError, type SyncGroupResult } from '../../group/results.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import { requireAuthorized } from '../request-authorization.js';
import type { Handler } from '../handler.js';

export const syncGroupHandler: Handler<SyncGroupRequest, SyncGroupResponse> = {
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, context) {
    requireAuthorized(context, AclOperation.READ, ResourceType.GROUP, request.groupId);
    if (context.apiVersion >= 5 && (request.protocolType === null || request.protocolName === null)) {
      return response(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const result = await context.groupCoordinator.syncGroup(request.groupId, {
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      generationId: request.generationId,
      protocolType: request.protocolType,
      protocolName: request.protocolName,
      assignments: new Map(request.assignments.map((a) => [a.memberId, a.assignment])),
    });
    return response(result);
  },
  errorResponse: (_request, code) => response(syncError(code)),
};

function response(result: SyncGroupResult): SyncGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    protocolType: result.protocolType,
    protocolName: result.protocolName,
    assignment: result.assignment,
  };
}

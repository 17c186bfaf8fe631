/**
 * LeaveGroup (13), v0–5: one member before v3 (its error is the response's), a batch of members (by id, or
 * by group.instance.id alone from admin tools) from v3 with one error each.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/messages.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import { requireAuthorized } from '../request-authorization.js';
import type { Handler } from '../handler.js';

export const leaveGroupHandler: Handler<LeaveGroupRequest, LeaveGroupResponse> = {
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  handle(request, context) {
    requireAuthorized(context, AclOperation.READ, ResourceType.GROUP, request.groupId);
    const members = context.apiVersion >= 3 ? request.members : [{ memberId: request.memberId, groupInstanceId: null }];
    const { errorCode, memberErrors } = context.groupCoordinator.leaveGroup(request.groupId, members);
    if (context.apiVersion < 3) return { throttleTimeMs: 0, errorCode: errorCode !== ErrorCode.NONE ? errorCode : memberErrors[0]!, members: [] };
    return {
      throttleTimeMs: 0,
      errorCode,
      members: members.map((m, i) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: memberErrors[i]! })),
    };
  },
  errorResponse: (_request, code) => ({ throttleTimeMs: 0, errorCode: code, members: [] }),
};

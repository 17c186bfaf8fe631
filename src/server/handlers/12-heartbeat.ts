/** Heartbeat (12), v0–4: keeps a member's session; REBALANCE_IN_PROGRESS tells it to rejoin. */
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/messages.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import { requireAuthorized } from '../request-authorization.js';
import type { Handler } from '../handler.js';

export const heartbeatHandler: Handler<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(request, context) {
    requireAuthorized(context, AclOperation.READ, ResourceType.GROUP, request.groupId);
    return {
      throttleTimeMs: 0,
      errorCode: context.groupCoordinator.heartbeat(request.groupId, request.memberId, request.groupInstanceId, request.generationId),
    };
  },
  errorResponse: (_request, code) => ({ throttleTimeMs: 0, errorCode: code }),
};

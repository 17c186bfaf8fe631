/** Heartbeat (12), v0–4: keeps a member's session; REBALANCE_IN_PROGRESS tells it to rejoin. */
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/messages.js';
import type { Handler } from '../handler.js';

export const heartbeatHandler: Handler<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle: (request, context) => ({
    throttleTimeMs: 0,
    errorCode: context.groupCoordinator.heartbeat(request.groupId, request.memberId, request.groupInstanceId, request.generationId),
  }),
  errorResponse: (_request, code) => ({ throttleTimeMs: 0, errorCode: code }),
};

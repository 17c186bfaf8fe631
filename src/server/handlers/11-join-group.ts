/**
 * JoinGroup (11), v0–9: delegates to the group coordinator, which may hold the answer until the rebalance
 * completes. From v4 a member without an id first gets one with MEMBER_ID_REQUIRED (KIP-394); v0 has no
 * rebalance timeout, so the session timeout serves as both, as Kafka does.
 */
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/messages.js';
import { joinError, type JoinGroupResult } from '../../group/results.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import { requireAuthorized } from '../request-authorization.js';
import type { Handler } from '../handler.js';

export const joinGroupHandler: Handler<JoinGroupRequest, JoinGroupResponse> = {
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  async handle(request, context) {
    requireAuthorized(context, AclOperation.READ, ResourceType.GROUP, request.groupId);
    const result = await context.groupCoordinator.joinGroup(request.groupId, {
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      clientId: context.clientId ?? '',
      clientHost: context.clientHost,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs >= 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols,
      requireKnownMemberId: context.apiVersion >= 4,
    });
    return response(result, context.apiVersion);
  },
  errorResponse: (request, code, context) => response(joinError(code, request.memberId), context.apiVersion),
};

function response(result: JoinGroupResult, version: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    generationId: result.generationId,
    protocolType: result.protocolType,
    // Not nullable before v7.
    protocolName: version >= 7 ? result.protocolName : (result.protocolName ?? ''),
    leader: result.leader,
    skipAssignment: result.skipAssignment,
    memberId: result.memberId,
    members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
  };
}

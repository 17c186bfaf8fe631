/**
 * DescribeGroups (15), v0–5: state, protocol and members (with metadata and assignment once Stable); an
 * unknown group is described as Dead with no members, as Kafka does. v3+ reports the group's authorized
 * operations when asked. A group without DESCRIBE is answered GROUP_AUTHORIZATION_FAILED with nothing else,
 * as Kafka does.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperations } from '../authorized-operations.js';
import type { Handler } from '../handler.js';

export const describeGroupsHandler: Handler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  handle: (request, context) => ({
    throttleTimeMs: 0,
    groups: request.groups.map((groupId) => {
      if (!context.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) return failedGroup(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED);
      const { errorCode, description: d } = context.groupCoordinator.describeGroup(groupId);
      return {
        errorCode,
        groupId,
        groupState: d.state,
        protocolType: d.protocolType,
        protocolData: d.protocolName,
        members: d.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
        authorizedOperations: request.includeAuthorizedOperations ? authorizedOperations(context, ResourceType.GROUP, groupId) : AUTHORIZED_OPERATIONS_OMITTED,
      };
    }),
  }),
  errorResponse: (request, code) => ({ throttleTimeMs: 0, groups: request.groups.map((groupId) => failedGroup(groupId, code)) }),
};

function failedGroup(groupId: string, errorCode: ErrorCode): DescribeGroupsResponse['groups'][number] {
  return { errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

/**
 * DeleteGroups (42), v0–2: removes Empty groups with their committed offsets; NON_EMPTY_GROUP otherwise. A group
 * without DELETE is answered GROUP_AUTHORIZATION_FAILED and left alone, as Kafka does.
 */
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';

export const deleteGroupsHandler: Handler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context) {
    const deletable = request.groupsNames.filter((groupId) => context.authorize(AclOperation.DELETE, ResourceType.GROUP, groupId));
    const errors = await context.groupCoordinator.deleteGroups(deletable);
    let next = 0;
    return {
      throttleTimeMs: 0,
      results: request.groupsNames.map((groupId) => ({
        groupId,
        errorCode: groupId === deletable[next] ? errors[next++]! : ErrorCode.GROUP_AUTHORIZATION_FAILED,
      })),
    };
  },
  errorResponse: (request, code) => ({ throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode: code })) }),
};

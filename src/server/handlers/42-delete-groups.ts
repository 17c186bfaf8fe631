/** DeleteGroups (42), v0–2: removes Empty groups with their committed offsets; NON_EMPTY_GROUP otherwise. */
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages.js';
import type { Handler } from '../handler.js';

export const deleteGroupsHandler: Handler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context) {
    const errors = await context.groupCoordinator.deleteGroups(request.groupsNames);
    return { throttleTimeMs: 0, results: request.groupsNames.map((groupId, i) => ({ groupId, errorCode: errors[i]! })) };
  },
  errorResponse: (request, code) => ({ throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode: code })) }),
};

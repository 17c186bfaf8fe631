/**
 * ListGroups (16), v0–5: every group this broker coordinates, filtered by state (v4, case-insensitive as in
 * Kafka) and by type (v5: all of gregor's groups are "classic"). As Kafka: all of them with DESCRIBE on the
 * cluster, else those with DESCRIBE on the group.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { ListGroupsRequest, ListGroupsResponse } from '../../protocol/messages.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';

const CLASSIC_GROUP_TYPE = 'classic';

export const listGroupsHandler: Handler<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  handle(request, context) {
    const coordinator = context.groupCoordinator;
    if (!coordinator.loaded) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, groups: [] };
    const types = request.typesFilter.map((t) => t.toLowerCase());
    if (types.length > 0 && !types.includes(CLASSIC_GROUP_TYPE)) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: [] };
    const clusterDescribe = context.authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME);
    const visible = coordinator
      .listGroups(request.statesFilter)
      .filter((g) => clusterDescribe || context.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId));
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      groups: visible.map((g) => ({
        groupId: g.groupId,
        protocolType: g.protocolType,
        groupState: g.state,
        groupType: CLASSIC_GROUP_TYPE,
      })),
    };
  },
  errorResponse: (_request, code) => ({ throttleTimeMs: 0, errorCode: code, groups: [] }),
};

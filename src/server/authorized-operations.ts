/**
 * KIP-430's authorized operations: the operations a resource type supports that the connection's principal
 * may do on one resource, as the bit field Kafka answers (`Utils.to32BitField` over the AclOperation codes);
 * without an authorizer, every supported operation.
 */
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/authorizer/acl.js';
import type { RequestContext } from './handler.js';

/** What an operations field holds when the client did not ask (the schemas' default, Integer.MIN_VALUE). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** Kafka's `AclEntry.supportedOperations` for the types that report authorized operations. */
const SUPPORTED_OPERATIONS: Partial<Record<ResourceType, readonly AclOperation[]>> = {
  [ResourceType.TOPIC]: [
    AclOperation.READ,
    AclOperation.WRITE,
    AclOperation.CREATE,
    AclOperation.DESCRIBE,
    AclOperation.DELETE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
  ],
  // Kafka 4 reports the group config operations too (KIP-848's group configs), though gregor's groups have no configs.
  [ResourceType.GROUP]: [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
  [ResourceType.CLUSTER]: [
    AclOperation.CREATE,
    AclOperation.CLUSTER_ACTION,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
    AclOperation.IDEMPOTENT_WRITE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE,
  ],
};

export function authorizedOperations(context: RequestContext, resourceType: ResourceType, name: string): number {
  let bits = 0;
  for (const operation of SUPPORTED_OPERATIONS[resourceType] ?? []) {
    if (context.authorize(operation, resourceType, name)) bits |= 1 << operation;
  }
  return bits;
}

/** The cluster's, as Metadata (v8–10) and DescribeCluster answer them: 0 without DESCRIBE on the cluster. */
export function clusterAuthorizedOperations(context: RequestContext): number {
  return context.authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME) ? authorizedOperations(context, ResourceType.CLUSTER, CLUSTER_NAME) : 0;
}

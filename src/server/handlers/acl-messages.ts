/**
 * Between the ACL APIs' wire fields (29–31) and the authorizer's bindings and filters: codes outside Kafka's
 * enums read as UNKNOWN, as Kafka's `fromCode` does; and the cluster-level checks those APIs make first.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import {
  AclOperation,
  AclPermissionType,
  type AclBinding,
  type AclBindingFilter,
  CLUSTER_NAME,
  PatternType,
  ResourceType,
  known,
} from '../../security/authorizer/acl.js';
import type { StandardAuthorizer } from '../../security/authorizer/standard-authorizer.js';
import type { RequestContext } from '../handler.js';

interface FilterFields {
  readonly resourceTypeFilter: number;
  readonly resourceNameFilter: string | null;
  readonly patternTypeFilter: number;
  readonly principalFilter: string | null;
  readonly hostFilter: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

export function toFilter(fields: FilterFields): AclBindingFilter {
  return {
    resourceType: known<ResourceType>(ResourceType, fields.resourceTypeFilter),
    resourceName: fields.resourceNameFilter,
    patternType: known<PatternType>(PatternType, fields.patternTypeFilter),
    principal: fields.principalFilter,
    host: fields.hostFilter,
    operation: known<AclOperation>(AclOperation, fields.operation),
    permissionType: known<AclPermissionType>(AclPermissionType, fields.permissionType),
  };
}

export function toBinding(fields: {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}): AclBinding {
  return {
    resourceType: known<ResourceType>(ResourceType, fields.resourceType),
    resourceName: fields.resourceName,
    patternType: known<PatternType>(PatternType, fields.resourcePatternType),
    principal: fields.principal,
    host: fields.host,
    operation: known<AclOperation>(AclOperation, fields.operation),
    permissionType: known<AclPermissionType>(AclPermissionType, fields.permissionType),
  };
}

/**
 * Kafka's order: the cluster operation is checked first (CLUSTER_AUTHORIZATION_FAILED; always passes without
 * an authorizer), then a broker without an authorizer answers SECURITY_DISABLED.
 */
export function aclAuthorizer(context: RequestContext, operation: AclOperation): StandardAuthorizer {
  if (!context.authorize(operation, ResourceType.CLUSTER, CLUSTER_NAME)) throw new KafkaError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  if (!context.authorizer) throw new KafkaError(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
  return context.authorizer;
}

/** Kafka's messages for the whole-request errors of the ACL APIs. */
export function aclErrorMessage(code: ErrorCode): string | null {
  return code === ErrorCode.SECURITY_DISABLED ? 'No Authorizer is configured.' : null;
}

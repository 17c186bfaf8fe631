/**
 * Kafka's ACL model: resource types, pattern types, operations and permissions with their wire codes, bindings
 * (a resource pattern plus an access-control entry), the filters DescribeAcls and DeleteAcls select bindings
 * with, and the validation Kafka applies to new bindings and to filters.
 */

/** Kafka's `ResourceType` codes. */
export enum ResourceType {
  UNKNOWN = 0,
  ANY = 1,
  TOPIC = 2,
  GROUP = 3,
  CLUSTER = 4,
  TRANSACTIONAL_ID = 5,
  DELEGATION_TOKEN = 6,
  USER = 7,
}

/** Kafka's `PatternType` codes; MATCH and ANY only appear in filters. */
export enum PatternType {
  UNKNOWN = 0,
  ANY = 1,
  MATCH = 2,
  LITERAL = 3,
  PREFIXED = 4,
}

/** Kafka's `AclOperation` codes; ANY only appears in filters. */
export enum AclOperation {
  UNKNOWN = 0,
  ANY = 1,
  ALL = 2,
  READ = 3,
  WRITE = 4,
  CREATE = 5,
  DELETE = 6,
  ALTER = 7,
  DESCRIBE = 8,
  CLUSTER_ACTION = 9,
  DESCRIBE_CONFIGS = 10,
  ALTER_CONFIGS = 11,
  IDEMPOTENT_WRITE = 12,
  CREATE_TOKENS = 13,
  DESCRIBE_TOKENS = 14,
  TWO_PHASE_COMMIT = 15,
}

/** Kafka's `AclPermissionType` codes; ANY only appears in filters. */
export enum AclPermissionType {
  UNKNOWN = 0,
  ANY = 1,
  DENY = 2,
  ALLOW = 3,
}

/** The name of a resource pattern that matches every resource of its type (a LITERAL pattern). */
export const WILDCARD_RESOURCE = '*';
/** The ACL principal that matches every principal. */
export const WILDCARD_PRINCIPAL = 'User:*';
/** The ACL host that matches every host. */
export const WILDCARD_HOST = '*';
/** The one name a CLUSTER resource has. */
export const CLUSTER_NAME = 'kafka-cluster';

export interface AclBinding {
  readonly resourceType: ResourceType;
  readonly resourceName: string;
  readonly patternType: PatternType;
  /** `Type:name`, e.g. `User:alice`, or `User:*`. */
  readonly principal: string;
  /** A client address, or `*`. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly permissionType: AclPermissionType;
}

/** A filter of bindings: null strings and the ANY codes match everything; pattern MATCH also matches the patterns that apply to a name. */
export interface AclBindingFilter {
  readonly resourceType: ResourceType;
  readonly resourceName: string | null;
  readonly patternType: PatternType;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: AclOperation;
  readonly permissionType: AclPermissionType;
}

/** A code outside an enum is Kafka's UNKNOWN (its `fromCode`). */
export function known<E extends number>(values: object, code: number): E {
  return (Object.values(values).includes(code) ? code : 0) as E;
}

/** One string per binding: equal bindings are one ACL (creating it twice stores it once). */
export function bindingKey(binding: AclBinding): string {
  return JSON.stringify([
    binding.resourceType,
    binding.resourceName,
    binding.patternType,
    binding.principal,
    binding.host,
    binding.operation,
    binding.permissionType,
  ]);
}

/** Kafka's `AclBindingFilter.matches`: the resource pattern filter and the entry filter. */
export function filterMatches(filter: AclBindingFilter, binding: AclBinding): boolean {
  if (filter.resourceType !== ResourceType.ANY && filter.resourceType !== binding.resourceType) return false;
  if (!patternMatches(filter, binding)) return false;
  if (filter.principal !== null && filter.principal !== binding.principal) return false;
  if (filter.host !== null && filter.host !== binding.host) return false;
  if (filter.operation !== AclOperation.ANY && filter.operation !== binding.operation) return false;
  return filter.permissionType === AclPermissionType.ANY || filter.permissionType === binding.permissionType;
}

function patternMatches(filter: AclBindingFilter, binding: AclBinding): boolean {
  const { patternType, resourceName } = filter;
  if (patternType !== PatternType.ANY && patternType !== PatternType.MATCH && patternType !== binding.patternType) return false;
  if (resourceName === null) return true;
  if (patternType !== PatternType.MATCH) return resourceName === binding.resourceName;
  // MATCH: the bindings that would apply to a resource of that name.
  return binding.patternType === PatternType.LITERAL
    ? resourceName === binding.resourceName || binding.resourceName === WILDCARD_RESOURCE
    : resourceName.startsWith(binding.resourceName);
}

/** Kafka's `isUnknown` of a filter: DescribeAcls refuses it, DeleteAcls answers INVALID_REQUEST for it. */
export function filterIsUnknown(filter: AclBindingFilter): boolean {
  return (
    filter.resourceType === ResourceType.UNKNOWN ||
    filter.patternType === PatternType.UNKNOWN ||
    filter.operation === AclOperation.UNKNOWN ||
    filter.permissionType === AclPermissionType.UNKNOWN
  );
}

/**
 * Why Kafka refuses to create a binding (INVALID_REQUEST), or undefined: the broker's checks (the cluster
 * resource's name, an empty name) then the controller's (`AclControlManager.validateNewAcl`).
 */
export function invalidBindingReason(binding: AclBinding): string | undefined {
  if (binding.resourceType === ResourceType.CLUSTER && binding.resourceName !== CLUSTER_NAME)
    return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  if (binding.resourceName === '') return 'Invalid empty resource name';
  if (binding.resourceType === ResourceType.UNKNOWN || binding.resourceType === ResourceType.ANY)
    return `Invalid resourceType ${ResourceType[binding.resourceType]}`;
  if (binding.patternType !== PatternType.LITERAL && binding.patternType !== PatternType.PREFIXED)
    return `Invalid patternType ${PatternType[binding.patternType]}`;
  if (binding.operation === AclOperation.UNKNOWN || binding.operation === AclOperation.ANY) return `Invalid operation ${AclOperation[binding.operation]}`;
  if (binding.permissionType !== AclPermissionType.ALLOW && binding.permissionType !== AclPermissionType.DENY) {
    return `Invalid permissionType ${AclPermissionType[binding.permissionType]}`;
  }
  if (!binding.principal.includes(':'))
    return `Could not parse principal from \`${binding.principal}\` (no colon is present separating the principal type from the principal name)`;
  return undefined;
}

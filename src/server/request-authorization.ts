/**
 * The request context's authorization checks, on the prototype every context shares: without an authorizer
 * they answer true at once (no allocation, no lookup); with one they ask it about the connection's principal
 * from the client's address, as Kafka's `AuthHelper.authorize` does.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type AclOperation, ResourceType } from '../security/authorizer/acl.js';
import { formatPrincipal } from '../security/session.js';
import type { BrokerServices } from '../services/broker-services.js';
import type { RequestContext } from './handler.js';

/** An IPv4 client on a dual-stack socket: Kafka's ACL hosts name it by its IPv4 address. */
const IPV4_MAPPED = '::ffff:';

function aclHost(clientHost: string): string {
  return clientHost.startsWith(IPV4_MAPPED) ? clientHost.slice(IPV4_MAPPED.length) : clientHost;
}

export type AuthorizingServices = BrokerServices & Pick<RequestContext, 'authorize' | 'authorizeByResourceType'>;

/** The services with the context's `authorize` methods: the prototype of every request context. */
export function withAuthorization(services: BrokerServices): AuthorizingServices {
  const methods: Pick<RequestContext, 'authorize' | 'authorizeByResourceType'> = {
    authorize(this: RequestContext, operation: AclOperation, resourceType: ResourceType, name: string): boolean {
      const authorizer = this.authorizer;
      return authorizer === undefined || authorizer.authorize(formatPrincipal(this.session.principal), aclHost(this.clientHost), operation, resourceType, name);
    },
    authorizeByResourceType(this: RequestContext, operation: AclOperation, resourceType: ResourceType): boolean {
      const authorizer = this.authorizer;
      return (
        authorizer === undefined ||
        authorizer.authorizeByResourceType(formatPrincipal(this.session.principal), aclHost(this.clientHost), operation, resourceType)
      );
    },
  };
  return Object.assign(Object.create(services) as BrokerServices, methods);
}

/** The error Kafka answers when an action on a resource of the type is not authorized. */
const DENIED_CODE: Partial<Record<ResourceType, ErrorCode>> = {
  [ResourceType.TOPIC]: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  [ResourceType.GROUP]: ErrorCode.GROUP_AUTHORIZATION_FAILED,
  [ResourceType.CLUSTER]: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  [ResourceType.TRANSACTIONAL_ID]: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  [ResourceType.DELEGATION_TOKEN]: ErrorCode.DELEGATION_TOKEN_AUTHORIZATION_FAILED,
};

/** Throws the resource type's authorization error (for the whole request) unless the action is authorized. */
export function requireAuthorized(context: RequestContext, operation: AclOperation, resourceType: ResourceType, name: string): void {
  if (!context.authorize(operation, resourceType, name)) throw new KafkaError(DENIED_CODE[resourceType] ?? ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
}

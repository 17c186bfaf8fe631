/**
 * The request context's authorization checks, on the prototype every context shares: without an authorizer
 * they answer true at once (no allocation, no lookup); with one they ask it about the connection's principal
 * from the client's address, as Kafka's `AuthHelper.authorize` does.
 */
import type { AclOperation, ResourceType } from '../security/authorizer/acl.js';
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
      return authorizer === undefined || authorizer.authorizeByResourceType(formatPrincipal(this.session.principal), aclHost(this.clientHost), operation, resourceType);
    },
  };
  return Object.assign(Object.create(services) as BrokerServices, methods);
}

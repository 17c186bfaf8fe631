/**
 * The brokers as a client of one listener must see them: every live broker at its advertised address on the
 * listener the request came in on (brokers without it left out), as Kafka answers each client with the
 * endpoints of its own listener.
 */
import type { BrokerEndpoint } from '../../cluster/cluster-metadata.js';
import type { RequestContext } from '../handler.js';

export function advertisedBrokers(context: RequestContext): BrokerEndpoint[] {
  const own = context.session.listener.advertised;
  return context.metadata
    .brokers(context.session.listener.name)
    .map((b) => (b.nodeId === context.metadata.nodeId ? { ...b, host: own.host, port: own.port } : b));
}

/**
 * The handler contract: one `Handler` per API key (handlers/NN-name.ts) and the context a request is
 * handled in, which offers the handler the broker's services (src/services). The registry
 * (handlers/index.ts) lists the handlers; ApiVersions advertises exactly their version ranges.
 */
import type { ErrorCode } from '../protocol/error-codes.js';
import type { ParkingObserver } from '../replication/replica-manager.js';
import type { AclOperation, ResourceType } from '../security/authorizer/acl.js';
import type { ConnectionSession } from '../security/session.js';
import type { BrokerServices } from '../services/broker-services.js';

/** The request header fields a handler may need. */
export interface RequestHeaderInfo {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
}

/** What `handle` returns for a request that gets no response at all (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');

/** Thrown by a handler when Kafka would close the connection instead of answering (acks=0 Produce that failed). */
export class CloseConnection extends Error {}

export interface RequestContext extends BrokerServices {
  readonly header: RequestHeaderInfo;
  readonly apiVersion: number;
  readonly clientId: string | null;
  /** The peer's address (Kafka's `clientHost`, as DescribeGroups reports it). */
  readonly clientHost: string;
  /** Distinguishes connections in logs. */
  readonly connectionId: number;
  /** The connection's listener (whose advertised address Metadata answers with) and principal. */
  readonly session: ConnectionSession;
  /**
   * Runs `release` once the response has been written to the socket (or the connection dropped): how a
   * Fetch lets go of the segment views its response carries.
   */
  releaseAfterWrite(release: () => void): void;
  /** Told when the request parks and resumes (pass it to the ReplicaManager): its remote time in the metrics. */
  readonly parking: ParkingObserver;
  /** May the connection's principal, from its address, do `operation` on the named resource? Always true without an authorizer. */
  authorize(operation: AclOperation, resourceType: ResourceType, name: string): boolean;
  /** May it do `operation` on some resource of the type (InitProducerId's WRITE on any topic)? Always true without an authorizer. */
  authorizeByResourceType(operation: AclOperation, resourceType: ResourceType): boolean;
}

/**
 * One API key. `handle` returns the response body (the codec's typed object) or a promise of it.
 *
 * Errors: throw `KafkaError(code)` for an error that applies to the whole request; the dispatcher then
 * answers with `errorResponse(request, code)`. That is also how a version inside the advertised range is
 * refused (Produce v0–2 answer UNSUPPORTED_VERSION): throw `KafkaError(ErrorCode.UNSUPPORTED_VERSION)`.
 * Any other exception is logged and answered with UNKNOWN_SERVER_ERROR the same way, as Kafka does; the
 * connection stays open.
 */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds handlers of every request type; `unknown` would refuse them (parameters are contravariant)
export interface Handler<Req = any, Res = any> {
  readonly apiKey: number;
  /** Lowest and highest version advertised in ApiVersions. */
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: Req, context: RequestContext): Res | typeof NO_RESPONSE | Promise<Res | typeof NO_RESPONSE>;
  /** The response that reports `code` for every element of the request (Kafka's `getErrorResponse`). */
  errorResponse(request: Req, code: ErrorCode, context: RequestContext): Res;
}

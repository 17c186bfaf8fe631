/**
 * The handler contract: one `Handler` per API key (handlers/NN-name.ts), the context a request is handled
 * in, and the broker services a handler may call. The registry (handlers/index.ts) lists the handlers;
 * ApiVersions advertises exactly their version ranges.
 */
import type { ClusterMetadata } from '../cluster/cluster-metadata.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ErrorCode } from '../protocol/error-codes.js';
import type { ReplicaManager } from '../replication/replica-manager.js';

/**
 * Services of the consumer-group layer. Empty here: src/group adds its coordinator by declaration merging,
 *
 *   declare module '../server/handler.js' {
 *     interface GroupServices { groupCoordinator: GroupCoordinator }
 *   }
 *
 * so the server layer compiles before and without it, and the composition root (broker.ts) fills it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface GroupServices {}

/** What the broker offers handlers (and in-process users, through `Broker`). */
export interface BrokerServices extends GroupServices {
  readonly config: BrokerConfig;
  /** Topics, partitions, leaders, node and cluster ids. */
  readonly metadata: ClusterMetadata;
  /** Partitions of this node: appends, fetches, offsets, internal topics. */
  readonly replicaManager: ReplicaManager;
}

/** The request header fields a handler may need. */
export interface RequestHeaderInfo {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
}

export interface RequestContext extends BrokerServices {
  readonly header: RequestHeaderInfo;
  readonly apiVersion: number;
  readonly clientId: string | null;
  /** The peer's address (Kafka's `clientHost`, as DescribeGroups reports it). */
  readonly clientHost: string;
  /** Distinguishes connections in logs. */
  readonly connectionId: number;
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
export interface Handler<Req = any, Res = any> {
  readonly apiKey: number;
  /** Lowest and highest version advertised in ApiVersions. */
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: Req, context: RequestContext): Res | Promise<Res>;
  /** The response that reports `code` for every element of the request (Kafka's `getErrorResponse`). */
  errorResponse(request: Req, code: ErrorCode, context: RequestContext): Res;
}

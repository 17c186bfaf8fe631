/**
 * Turns one request frame into its response: decodes the header, finds the handler, checks the version,
 * decodes the body, runs the handler with the request's context, and encodes the answer. Kafka's answers
 * to bad requests: an ApiVersions version above the supported one gets a v0 UNSUPPORTED_VERSION body; an
 * unknown API key, an unsupported version of another API or a body that does not decode closes the
 * connection; a handler's KafkaError becomes that error in every element of the response; any other
 * exception is logged and answered with UNKNOWN_SERVER_ERROR. It marks when the handler starts, gives the
 * handler's context the request's timing to mark its parked time, and names the request's API and error
 * for the observer (the connection marks the rest and ends the timing). When client quotas are configured,
 * an answered request's usage goes to them (request-throttling.ts) and the connection is muted for the
 * throttle time its response carries.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { decodeRequest, decodeRequestHeader, encodeResponse } from '../protocol/codec.js';
import { ErrorCode, KafkaError, codeOf } from '../protocol/error-codes.js';
import type { RequestTiming, RequestTimingSink } from '../metrics/request-timing.js';
import type { BrokerServices } from '../services/broker-services.js';
import type { Connection, FrameResponse } from './connection.js';
import { CloseConnection, type Handler, NO_RESPONSE, type RequestContext, type RequestHeaderInfo } from './handler.js';
import { API_VERSIONS_KEY } from './handlers/18-api-versions.js';
import { type AuthorizingServices, withAuthorization } from './request-authorization.js';
import { type QuotaUsage, answerWithinQuotas, recordWithinQuotas } from './request-throttling.js';

/** Told of each request of a known API once it is over, with its phases and request-level error (metrics). */
export type RequestObserver = RequestTimingSink;

export class Dispatcher {
  /** The services with the authorization checks: every request context's prototype. */
  readonly #services: AuthorizingServices;
  readonly #handlers: ReadonlyMap<number, Handler>;
  readonly #logger: Logger;
  readonly #observe: RequestObserver | undefined;

  constructor(services: BrokerServices, handlers: ReadonlyMap<number, Handler>, logger: Logger, observe?: RequestObserver) {
    this.#services = withAuthorization(services);
    this.#handlers = handlers;
    this.#logger = logger;
    this.#observe = observe;
  }

  /** The connection's frame handler. */
  readonly handleFrame = async (frame: Buffer, connection: Connection, timing: RequestTiming): Promise<FrameResponse> => {
    const decoded = decodeRequestHeader(frame);
    const header: RequestHeaderInfo = decoded.header;
    const handler = this.#handlers.get(header.apiKey);
    if (!handler) {
      this.#logger.debug({ connection: connection.id, apiKey: header.apiKey }, 'unknown API key; closing the connection');
      return 'close';
    }
    timing.apiKey = header.apiKey;
    timing.sink = this.#observe;
    const releases: (() => void)[] = [];
    const context = this.#context(header, connection, releases, timing);
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      if (header.apiKey !== API_VERSIONS_KEY) {
        this.#logger.debug({ connection: connection.id, apiKey: header.apiKey, apiVersion: header.apiVersion }, 'unsupported version; closing the connection');
        return 'close';
      }
      const body = handler.errorResponse(undefined, ErrorCode.UNSUPPORTED_VERSION, context);
      return { chunks: encodeResponse(header.apiKey, 0, header.correlationId, body) };
    }
    const request = decodeRequest(header.apiKey, header.apiVersion, frame, decoded.bodyOffset);
    let errorCode = ErrorCode.NONE;
    let body: unknown;
    timing.handlerStarted();
    const started = performance.now();
    try {
      body = await handler.handle(request, context);
    } catch (error) {
      if (error instanceof CloseConnection) {
        this.#release(releases);
        return 'close';
      }
      errorCode = codeOf(error);
      if (!(error instanceof KafkaError)) this.#logger.error({ err: error, apiKey: header.apiKey, apiVersion: header.apiVersion }, 'request failed');
      this.#release(releases.splice(0));
      body = handler.errorResponse(request, errorCode, context);
    }
    timing.errorCode = errorCode;
    const quotas = this.#services.quotas;
    const usage: QuotaUsage | undefined = quotas.enforcing
      ? {
          apiKey: header.apiKey,
          request,
          user: connection.session.principal.name,
          clientId: header.clientId ?? '',
          requestBytes: frame.length,
          handlerMs: performance.now() - started - timing.remoteMs,
        }
      : undefined;
    if (body === NO_RESPONSE) {
      this.#release(releases);
      if (usage) connection.mute(recordWithinQuotas(quotas, usage));
      return 'none';
    }
    let chunks: Buffer[];
    try {
      if (usage) {
        const encode = (answer: unknown): Buffer[] => encodeResponse(header.apiKey, header.apiVersion, header.correlationId, answer);
        const answered = answerWithinQuotas(quotas, usage, body, encode, () => this.#release(releases.splice(0)));
        chunks = answered.chunks;
        connection.mute(answered.throttleTimeMs);
      } else {
        chunks = encodeResponse(header.apiKey, header.apiVersion, header.correlationId, body);
      }
    } catch (error) {
      this.#release(releases);
      throw error;
    }
    return { chunks, release: releases.length === 0 ? undefined : () => this.#release(releases) };
  };

  /**
   * Runs release hooks. They run in socket callbacks, where an exception would take the whole broker down,
   * so a failing one is logged (its resources stay held) and the others still run.
   */
  #release(releases: readonly (() => void)[]): void {
    for (const release of releases) {
      try {
        release();
      } catch (error) {
        this.#logger.error({ err: error }, 'releasing response resources failed');
      }
    }
  }

  /** The services (and the authorization checks) are the context's prototype, not copied into it: spreading them into every request's context took 4% of the broker's time at 7,000 requests/s. */
  #context(header: RequestHeaderInfo, connection: Connection, releases: (() => void)[], timing: RequestTiming): RequestContext {
    return Object.assign(Object.create(this.#services) as AuthorizingServices, {
      header,
      apiVersion: header.apiVersion,
      clientId: header.clientId,
      clientHost: connection.remoteAddress,
      connectionId: connection.id,
      session: connection.session,
      releaseAfterWrite: (release: () => void) => void releases.push(release),
      parking: timing,
    });
  }
}

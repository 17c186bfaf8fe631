/**
 * Client quotas applied to a request once its handler has answered, as Kafka does since KIP-219: a Produce
 * request's bytes count against producer_byte_rate, a Fetch response's bytes against consumer_byte_rate (a
 * throttled fetch is answered empty and its bytes are not counted), the handler's time against
 * request_percentage. The response leaves at once carrying the longest throttle time in `throttleTimeMs`, and
 * the connection is muted (not read) for that time. A handler may have throttled its response itself
 * (controller mutations, KIP-599): the longer time wins. Followers' fetches and the requests that
 * authenticate or discover versions are never throttled.
 */
import type { FetchRequest } from '../protocol/messages.js';
import type { ClientQuotaManager } from '../security/quota/client-quota-manager.js';
import type { ClientQuotas } from '../security/quota/client-quotas.js';

const PRODUCE_KEY = 0;
const FETCH_KEY = 1;
/** SaslHandshake, ApiVersions, SaslAuthenticate: exempt from request_percentage. */
const REQUEST_QUOTA_EXEMPT: ReadonlySet<number> = new Set([17, 18, 36]);
/** request_percentage counts percent of one handler thread: 1 ms of handler time is 0.1 percent-seconds (Kafka's nanosToPercentage). */
const PERCENT_SECONDS_PER_MS = 0.1;

/** One answered request, as the quotas see it. */
export interface QuotaUsage {
  readonly apiKey: number;
  readonly request: unknown;
  /** The principal's name (Kafka's quota user) and the header's client id ('' without one). */
  readonly user: string;
  readonly clientId: string;
  readonly requestBytes: number;
  /** Time spent handling it, parked time excluded. */
  readonly handlerMs: number;
}

/** What the connection answers: the chunks, and how long to mute the connection after them. */
export interface ThrottledResponse {
  readonly chunks: Buffer[];
  readonly throttleTimeMs: number;
}

/**
 * Records the request's usage and answers it: `body` (given its throttle time) encoded by `encode`; a
 * throttled Fetch answered without data instead, after `dropViews` has let go of what it would have sent.
 */
export function answerWithinQuotas(
  quotas: ClientQuotas,
  usage: QuotaUsage,
  body: unknown,
  encode: (body: unknown) => Buffer[],
  dropViews: () => void,
): ThrottledResponse {
  const { user, clientId } = usage;
  const handlerThrottleMs = throttleTimeOf(body);
  const follower = usage.apiKey === FETCH_KEY && isFollowerFetch(usage.request as FetchRequest);
  let worst: { manager: ClientQuotaManager; ms: number } | undefined;
  const consider = (manager: ClientQuotaManager, ms: number): void => {
    if (ms > (worst?.ms ?? 0)) worst = { manager, ms };
  };
  if (usage.apiKey === PRODUCE_KEY) consider(quotas.produce, quotas.produce.record(user, clientId, usage.requestBytes));
  if (!follower && !REQUEST_QUOTA_EXEMPT.has(usage.apiKey)) {
    consider(quotas.request, quotas.request.record(user, clientId, usage.handlerMs * PERCENT_SECONDS_PER_MS));
  }
  setThrottleTime(body, worst?.ms ?? 0);
  let chunks = encode(body);
  if (usage.apiKey === FETCH_KEY && !follower) {
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const fetchMs = quotas.fetch.record(user, clientId, bytes);
    if (fetchMs > 0) {
      quotas.fetch.unrecord(user, clientId, bytes);
      consider(quotas.fetch, fetchMs);
      dropViews();
      chunks = encode({ ...(body as object), throttleTimeMs: worst!.ms, responses: [] });
    }
  }
  if (worst) worst.manager.throttled(user, clientId, worst.ms);
  return { chunks, throttleTimeMs: Math.max(worst?.ms ?? 0, handlerThrottleMs) };
}

/** Records an unanswered request (acks=0 Produce): the time its connection must be muted. */
export function recordWithinQuotas(quotas: ClientQuotas, usage: QuotaUsage): number {
  return answerWithinQuotas(
    quotas,
    usage,
    undefined,
    () => [],
    () => undefined,
  ).throttleTimeMs;
}

function isFollowerFetch(request: FetchRequest): boolean {
  return (request.replicaState?.replicaId ?? request.replicaId) >= 0;
}

function hasThrottleTime(body: unknown): body is { throttleTimeMs: number } {
  return typeof body === 'object' && body !== null && 'throttleTimeMs' in body;
}

function throttleTimeOf(body: unknown): number {
  return hasThrottleTime(body) ? body.throttleTimeMs : 0;
}

function setThrottleTime(body: unknown, throttleTimeMs: number): void {
  if (hasThrottleTime(body) && throttleTimeMs > body.throttleTimeMs) body.throttleTimeMs = throttleTimeMs;
}

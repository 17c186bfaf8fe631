/**
 * The moments of one request's life in the broker, marked by the connection, the dispatcher and whatever
 * parks the request, and Kafka's request phases (RequestChannel's updateRequestMetrics) computed from them:
 *
 *   request queue   frame complete → handler starts (header and body decoding, and the event loop finishing
 *                   what it was doing when the frame arrived, e.g. the handlers of earlier frames of the chunk)
 *   local           handler starts → response encoded, minus the time parked
 *   remote          parked: acks=all waiting for its flush, a fetch waiting in the purgatory for data
 *   response queue  response encoded → its turn to be written (behind earlier responses of the connection)
 *   response send   write started → the socket's write callback (handed to the kernel)
 *   total           frame complete → the end of the above; the five phases add up to it exactly
 *
 * A request that gets no write (acks=0, a connection closed or closing) ends when the connection reaches it
 * in its response order, with no send time, as Kafka meters its NoOp and CloseConnection responses.
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode } from '../protocol/error-codes.js';

/** Milliseconds from a monotonic origin. */
export type Clock = () => number;

export const monotonicClock: Clock = () => performance.now();

/** Receives each request once, when its life in the broker is over. */
export interface RequestTimingSink {
  requestCompleted(timing: RequestTiming): void;
}

const UNSET = -1;

/** Also the request's `ParkingObserver` (replica-manager.ts): parked time is its remote time. */
export class RequestTiming {
  /** Set by the dispatcher once the header names a known API; requests without one are not reported. */
  apiKey = UNSET;
  /** The request-level error the handler answered with. */
  errorCode = ErrorCode.NONE;
  sink: RequestTimingSink | undefined;
  readonly #clock: Clock;
  readonly #received: number;
  #started = UNSET;
  #parkedAt = UNSET;
  #remote = 0;
  #ready = UNSET;
  #writeStarted = UNSET;
  #ended = UNSET;

  /** The frame is complete now. */
  constructor(clock: Clock = monotonicClock) {
    this.#clock = clock;
    this.#received = clock();
  }

  handlerStarted(): void {
    this.#started = this.#clock();
  }

  parked(): void {
    if (this.#parkedAt === UNSET) this.#parkedAt = this.#clock();
  }

  unparked(): void {
    if (this.#parkedAt === UNSET) return;
    this.#remote += this.#clock() - this.#parkedAt;
    this.#parkedAt = UNSET;
  }

  /** The response is encoded (or the request answered with nothing or a close). */
  responseReady(): void {
    this.unparked();
    this.#ready = this.#clock();
  }

  writeStarted(): void {
    this.#writeStarted = this.#clock();
  }

  /** Written, or given up (no response, closed connection): reports the request, once. */
  ended(): void {
    if (this.#ended !== UNSET) return;
    if (this.#ready === UNSET) this.responseReady();
    this.#ended = this.#clock();
    if (this.apiKey !== UNSET) this.sink?.requestCompleted(this);
  }

  get requestQueueMs(): number {
    return this.#handlerStart - this.#received;
  }

  get localMs(): number {
    return this.#ready - this.#handlerStart - this.#remote;
  }

  get remoteMs(): number {
    return this.#remote;
  }

  get responseQueueMs(): number {
    return (this.#writeStarted === UNSET ? this.#ended : this.#writeStarted) - this.#ready;
  }

  get responseSendMs(): number {
    return this.#writeStarted === UNSET ? 0 : this.#ended - this.#writeStarted;
  }

  get totalMs(): number {
    return this.#ended - this.#received;
  }

  /** Frame complete → response ready: what `gregor_request_duration_seconds` has always measured. */
  get untilResponseMs(): number {
    return this.#ready - this.#received;
  }

  /** A request refused before any handler ran (unsupported version) spent its time until the answer queued. */
  get #handlerStart(): number {
    return this.#started === UNSET ? this.#ready : this.#started;
  }
}

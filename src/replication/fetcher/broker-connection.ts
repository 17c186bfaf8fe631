/**
 * One client connection from this broker to another (a follower's to its leader): Kafka requests encoded
 * with gregor's codec over a plain or TLS socket, pipelined, each answered in order by correlation id, and
 * bounded by a deadline. On a SASL listener the connection logs in first (SaslHandshake v1, then
 * SaslAuthenticate v2 until the mechanism is done) and, when the broker gives the session a lifetime
 * (KIP-368), logs in again before the next request once 85–95% of it has passed, as Kafka's clients do.
 * A failure (connect, TLS, login, timeout, a closed socket, a frame that does not decode) fails every
 * request in flight and leaves the connection closed; the owner makes a new one.
 */
import { type Socket, connect } from 'node:net';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import { ApiKey } from '../../protocol/api-keys.js';
import { decodeResponse, encodeRequest } from '../../protocol/codec.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { RequestByKey, ResponseByKey } from '../../protocol/messages.js';
import type { SaslClient } from '../../security/sasl/sasl-client.js';
import { FrameReader } from './frame-reader.js';

/** How the connection secures itself: TLS options, and a SASL client per login. */
export interface ConnectionSecurity {
  readonly tls?: () => ConnectionOptions;
  readonly sasl?: () => SaslClient;
}

interface InFlight {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly resolve: (body: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class BrokerConnection {
  readonly #socket: Socket;
  readonly #clientId: string;
  readonly #inFlight = new Map<number, InFlight>();
  readonly #sasl: (() => SaslClient) | undefined;
  readonly #loginTimeoutMs: number;
  /** Connected, and logged in on a SASL listener. */
  #ready: Promise<void>;
  #reauthenticateAtMs = Number.POSITIVE_INFINITY;
  readonly #frames = new FrameReader();
  #nextCorrelationId = 1;
  #failure: Error | undefined;

  /** `loginTimeoutMs` bounds each request of a SASL login. */
  constructor(host: string, port: number, clientId: string, security: ConnectionSecurity = {}, loginTimeoutMs = 30_000) {
    this.#clientId = clientId;
    this.#sasl = security.sasl;
    this.#loginTimeoutMs = loginTimeoutMs;
    const tls = security.tls?.();
    this.#socket = tls ? connectTls({ ...tls, host, port }) : connect({ host, port });
    this.#socket.setNoDelay(true);
    const connected = new Promise<void>((resolve, reject) => {
      this.#socket.once(tls ? 'secureConnect' : 'connect', resolve);
      this.#socket.once('error', reject);
    });
    this.#ready = this.#loggedIn(connected.then(() => this.#logIn()));
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (error) => this.#fail(error));
    this.#socket.on('close', () => this.#fail(new Error(`connection to ${host}:${port} closed`)));
  }

  get closed(): boolean {
    return this.#failure !== undefined;
  }

  /** Sends one request; resolves with its decoded response, or rejects after `timeoutMs` or on a failure. */
  async request<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestByKey[K], timeoutMs: number): Promise<ResponseByKey[K]> {
    if (Date.now() >= this.#reauthenticateAtMs) {
      this.#reauthenticateAtMs = Number.POSITIVE_INFINITY;
      this.#ready = this.#loggedIn(this.#logIn());
    }
    await this.#ready;
    return this.#send(apiKey, apiVersion, body, timeoutMs);
  }

  close(): void {
    this.#fail(new Error('connection closed'));
  }

  async #send<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestByKey[K], timeoutMs: number): Promise<ResponseByKey[K]> {
    if (this.#failure) throw this.#failure;
    const correlationId = this.#nextCorrelationId++;
    const frame = encodeRequest({ apiKey, apiVersion, correlationId, clientId: this.#clientId }, body);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`request ${apiKey} v${apiVersion} got no answer in ${timeoutMs} ms`)), timeoutMs);
      this.#inFlight.set(correlationId, { apiKey, apiVersion, resolve: resolve as (body: unknown) => void, reject, timer });
      this.#socket.write(Buffer.concat(frame));
    });
  }

  /** A failed login fails the connection. */
  #loggedIn(login: Promise<void>): Promise<void> {
    const ready = login.catch((error: Error) => {
      this.#fail(error);
      throw error;
    });
    ready.catch(() => undefined);
    return ready;
  }

  async #logIn(): Promise<void> {
    if (!this.#sasl) return;
    const client = this.#sasl();
    const handshake = await this.#send(ApiKey.SaslHandshake, 1, { mechanism: client.mechanism }, this.#loginTimeoutMs);
    if (handshake.errorCode !== ErrorCode.NONE) {
      throw new KafkaError(handshake.errorCode, `the broker does not offer SASL mechanism ${client.mechanism} (it offers ${handshake.mechanisms.join(', ')})`);
    }
    let lifetimeMs = 0n;
    let challenge: Buffer | undefined;
    for (let token = await client.respond(undefined); token !== undefined; token = await client.respond(challenge)) {
      const answer = await this.#send(ApiKey.SaslAuthenticate, 2, { authBytes: token }, this.#loginTimeoutMs);
      if (answer.errorCode !== ErrorCode.NONE) throw new KafkaError(answer.errorCode, answer.errorMessage ?? `SASL/${client.mechanism} login failed`);
      challenge = answer.authBytes;
      lifetimeMs = answer.sessionLifetimeMs;
    }
    if (lifetimeMs > 0n) this.#reauthenticateAtMs = Date.now() + Number(lifetimeMs) * (0.85 + Math.random() * 0.1);
  }

  #onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.#frames.push(chunk);
    } catch (error) {
      this.#fail(error as Error);
      return;
    }
    for (const frame of frames) this.#answer(frame);
  }

  #answer(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const request = this.#inFlight.get(correlationId);
    if (!request) {
      this.#fail(new Error(`response to unknown correlation id ${correlationId}`));
      return;
    }
    this.#inFlight.delete(correlationId);
    clearTimeout(request.timer);
    try {
      request.resolve(decodeResponse(request.apiKey, request.apiVersion, frame));
    } catch (error) {
      request.reject(error as Error);
      this.#fail(error as Error);
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#socket.destroy();
    for (const request of this.#inFlight.values()) {
      clearTimeout(request.timer);
      request.reject(this.#failure);
    }
    this.#inFlight.clear();
  }
}

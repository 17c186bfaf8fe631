/**
 * One client connection from this broker to another (a follower's to its leader): Kafka requests encoded
 * with gregor's codec over a plain socket, pipelined, each answered in order by correlation id, and bounded
 * by a deadline. A failure (connect, timeout, a closed socket, a frame that does not decode) fails every
 * request in flight and leaves the connection closed; the owner makes a new one.
 */
import { type Socket, connect } from 'node:net';
import type { ApiKey } from '../../protocol/api-keys.js';
import { decodeResponse, encodeRequest } from '../../protocol/codec.js';
import type { RequestByKey, ResponseByKey } from '../../protocol/messages.js';

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
  readonly #connected: Promise<void>;
  #received: Buffer[] = [];
  #receivedBytes = 0;
  #nextCorrelationId = 1;
  #failure: Error | undefined;

  constructor(host: string, port: number, clientId: string) {
    this.#clientId = clientId;
    this.#socket = connect({ host, port });
    this.#socket.setNoDelay(true);
    this.#connected = new Promise((resolve, reject) => {
      this.#socket.once('connect', resolve);
      this.#socket.once('error', reject);
    });
    this.#connected.catch(() => undefined);
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (error) => this.#fail(error));
    this.#socket.on('close', () => this.#fail(new Error(`connection to ${host}:${port} closed`)));
  }

  get closed(): boolean {
    return this.#failure !== undefined;
  }

  /** Sends one request; resolves with its decoded response, or rejects after `timeoutMs` or on a failure. */
  async request<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestByKey[K], timeoutMs: number): Promise<ResponseByKey[K]> {
    await this.#connected;
    if (this.#failure) throw this.#failure;
    const correlationId = this.#nextCorrelationId++;
    const frame = encodeRequest({ apiKey, apiVersion, correlationId, clientId: this.#clientId }, body);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`request ${apiKey} v${apiVersion} got no answer in ${timeoutMs} ms`)), timeoutMs);
      this.#inFlight.set(correlationId, { apiKey, apiVersion, resolve: resolve as (body: unknown) => void, reject, timer });
      this.#socket.write(Buffer.concat(frame));
    });
  }

  close(): void {
    this.#fail(new Error('connection closed'));
  }

  #onData(chunk: Buffer): void {
    this.#received.push(chunk);
    this.#receivedBytes += chunk.length;
    for (;;) {
      if (this.#receivedBytes < 4) return;
      const head = this.#received.length === 1 ? this.#received[0]! : Buffer.concat(this.#received);
      const size = head.readInt32BE(0);
      if (head.length < 4 + size) {
        this.#received = [head];
        return;
      }
      const frame = head.subarray(4, 4 + size);
      const rest = head.subarray(4 + size);
      this.#received = rest.length > 0 ? [rest] : [];
      this.#receivedBytes = rest.length;
      this.#answer(frame);
    }
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

/**
 * A minimal Kafka client over one socket: for tests that craft requests (or bytes) the real clients never send,
 * and for benchmarks that drive group protocols request by request. It lives under bench/lib because bench/
 * is compiled with the sources and may not import tests, while tests may import bench/lib.
 */
import { connect, type Socket } from 'node:net';
import { decodeResponse, encodeRequest } from '../../src/protocol/codec.js';

export class RawClient {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  readonly #clientId: string;
  #pending = Buffer.alloc(0);
  #nextCorrelationId = 1;
  readonly #waiting = new Map<number, { apiKey: number; version: number; resolve: (body: any) => void; reject: (error: Error) => void }>();

  private constructor(socket: Socket, clientId: string) {
    this.socket = socket;
    this.#clientId = clientId;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      for (const waiter of this.#waiting.values()) waiter.reject(new Error('connection closed'));
      this.#waiting.clear();
    });
  }

  /** `clientId` goes in every request header (client quotas are per client id). */
  static async connect(bootstrap: string, clientId = 'raw-test'): Promise<RawClient> {
    const [host, port] = bootstrap.split(':');
    const socket = connect({ host, port: Number(port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket, clientId);
  }

  /** Sends a request and resolves with the decoded response body. */
  request(apiKey: number, version: number, body: unknown): Promise<any> {
    const correlationId = this.#nextCorrelationId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(correlationId, { apiKey, version, resolve, reject });
      this.socket.write(Buffer.concat(encodeRequest({ apiKey, apiVersion: version, correlationId, clientId: this.#clientId }, body)));
    });
  }

  /** Sends a request that gets no response (acks=0). */
  send(apiKey: number, version: number, body: unknown): void {
    this.socket.write(Buffer.concat(encodeRequest({ apiKey, apiVersion: version, correlationId: this.#nextCorrelationId++, clientId: this.#clientId }, body)));
  }

  /** Reads the response to a request written as raw bytes, decoded as `apiKey`/`version`. */
  expectResponse(correlationId: number, apiKey: number, version: number): Promise<any> {
    return new Promise((resolve, reject) => this.#waiting.set(correlationId, { apiKey, version, resolve, reject }));
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length >= 4 && this.#pending.length >= 4 + this.#pending.readInt32BE(0)) {
      const frame = this.#pending.subarray(4, 4 + this.#pending.readInt32BE(0));
      this.#pending = this.#pending.subarray(4 + frame.length);
      const correlationId = frame.readInt32BE(0);
      const waiter = this.#waiting.get(correlationId);
      if (!waiter) continue;
      this.#waiting.delete(correlationId);
      try {
        waiter.resolve(decodeResponse(waiter.apiKey, waiter.version, frame));
      } catch (error) {
        waiter.reject(error as Error);
      }
    }
  }
}

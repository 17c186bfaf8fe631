/**
 * The TCP listener, TLS or not: accepts connections (refusing those over `max.connections` or
 * `max.connections.per.ip`, and those over their address's connection creation rate quota; over TLS once the handshake is done, a failed handshake simply closes its
 * socket), wires each to the dispatcher with its session, and on shutdown stops accepting, lets in-flight
 * requests finish and closes every connection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { type SecureContextOptions, type TLSSocket, type TlsOptions, type Server as TlsServer, createServer as createTlsServer } from 'node:tls';
import { SecurityProtocol } from '../security/listeners.js';
import type { SaslAuthenticator } from '../security/sasl/authenticator.js';
import { ConnectionSession, type KafkaPrincipal, type ListenerIdentity } from '../security/session.js';
import { Connection, type ConnectionLimits, type FrameHandler } from './connection.js';

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly limits: ConnectionLimits;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly handleFrame: FrameHandler;
  /** A connection failed (malformed request, limit, timeout): it is closed; the broker carries on. */
  readonly onConnectionError: (error: unknown, connection: Connection) => void;
  /** The listener's name, protocol and advertised address (default: PLAINTEXT advertising the bound address). */
  readonly identity?: ListenerIdentity;
  /** Serve TLS: the server options, and the principal of a client by its certificate (throws to refuse the client). */
  readonly tls?: { readonly options: TlsOptions; readonly principalOf: (socket: TLSSocket) => KafkaPrincipal };
  /** On SASL listeners: each connection's authenticator. */
  readonly sasl?: () => SaslAuthenticator;
  /**
   * Counts a new connection from the address against its connection rate quota: 0 admits it, otherwise it
   * is refused, held unread that many milliseconds and then closed.
   */
  readonly admitConnection?: (ip: string) => number;
}

export class Listener {
  readonly #options: ListenerOptions;
  readonly #server: Server;
  readonly #connections = new Set<Connection>();
  readonly #perIp = new Map<string, number>();
  /**
   * Every TCP connection from its accept until it closes. A TLS one is not a Connection until its handshake
   * ends, and one refused waits out its throttle time: closing the listener ends both too, since the server
   * reports itself closed only once every socket has.
   */
  readonly #sockets = new Set<Socket>();
  #closing = false;
  #nextId = 1;

  private constructor(options: ListenerOptions) {
    this.#options = options;
    const tls = options.tls;
    this.#server = tls
      ? createTlsServer(tls.options, (socket) => this.#accept(socket, tls.principalOf))
      : createServer({ noDelay: true }, (socket) => this.#accept(socket));
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options: ListenerOptions): Promise<Listener> {
    const listener = new Listener(options);
    await new Promise<void>((resolve, reject) => {
      listener.#server.once('error', reject);
      listener.#server.listen({ host: options.host || undefined, port: options.port }, () => {
        listener.#server.off('error', reject);
        resolve();
      });
    });
    return listener;
  }

  /** The bound address (the actual port when 0 was asked for). */
  get address(): { host: string; port: number } {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('listener is not bound');
    return { host: address.address, port: address.port };
  }

  /** Replaces the TLS key, certificates and trusted CAs for new connections (certificate renewal). */
  setSecureContext(options: SecureContextOptions): void {
    (this.#server as TlsServer).setSecureContext(options);
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Stops accepting, stops reading requests, runs `whileDraining` (which should hurry in-flight requests,
   * e.g. answer parked fetches), waits up to `graceMs` for in-flight requests to be answered, then closes
   * every connection.
   */
  async close(graceMs: number, whileDraining?: () => void): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const connections = [...this.#connections];
    for (const connection of connections) connection.stopReading();
    whileDraining?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(connections.map((c) => c.drain())),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    for (const connection of this.#connections) connection.close();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /** The listener's name, protocol and advertised address. */
  get identity(): ListenerIdentity {
    return this.#options.identity ?? { name: SecurityProtocol.PLAINTEXT, protocol: SecurityProtocol.PLAINTEXT, advertised: this.address };
  }

  #accept(socket: Socket, principalOf?: (socket: TLSSocket) => KafkaPrincipal): void {
    // A TLS handshake that ends while the listener closes would add a connection nobody closes.
    if (this.#closing) {
      socket.destroy();
      return;
    }
    let principal: KafkaPrincipal | undefined;
    try {
      principal = principalOf?.(socket as TLSSocket);
    } catch {
      socket.destroy();
      return;
    }
    const ip = socket.remoteAddress ?? 'unknown';
    const fromIp = this.#perIp.get(ip) ?? 0;
    if (this.#connections.size >= this.#options.maxConnections || fromIp >= this.#options.maxConnectionsPerIp) {
      socket.destroy();
      return;
    }
    const holdMs = this.#options.admitConnection?.(ip) ?? 0;
    if (holdMs > 0) {
      this.#holdThenClose(socket, holdMs);
      return;
    }
    this.#perIp.set(ip, fromIp + 1);
    const session = new ConnectionSession(this.identity, principal, this.#options.sasl?.());
    const connection = new Connection(this.#nextId++, socket, this.#options.limits, this.#options.handleFrame, this.#options.onConnectionError, session);
    this.#connections.add(connection);
    connection.onClose(() => {
      this.#connections.delete(connection);
      const left = (this.#perIp.get(ip) ?? 1) - 1;
      if (left === 0) this.#perIp.delete(ip);
      else this.#perIp.set(ip, left);
    });
  }

  /** Kafka closes a connection over its IP's creation rate only after the throttle time, so the client does not retry at once. */
  #holdThenClose(socket: Socket, holdMs: number): void {
    socket.pause();
    socket.on('error', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), holdMs);
    socket.once('close', () => clearTimeout(timer));
  }
}

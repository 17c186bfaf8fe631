/**
 * A userspace TCP proxy for one network link (this kernel has no netem): it forwards a loopback port to a
 * target and, on command, drops both ways (blackhole: connections are accepted, nothing is forwarded),
 * drops one way, delays, throttles to a byte rate, or resets every connection, existing and new; `heal`
 * returns it to forwarding.
 */
import { type AddressInfo, createServer, type Server, Socket } from 'node:net';

/** `toTarget` is what the proxy's clients send; `fromTarget` what the target answers. */
export type Direction = 'toTarget' | 'fromTarget';

export type LinkFault =
  | { readonly kind: 'healthy' }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'drop'; readonly direction: Direction }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'slow'; readonly bytesPerSecond: number }
  | { readonly kind: 'reset' };

export interface ProxyStats {
  readonly connections: number;
  readonly forwardedBytes: Readonly<Record<Direction, number>>;
  readonly droppedBytes: Readonly<Record<Direction, number>>;
}

/** Past this many bytes waiting in a delayed or throttled direction, its source is paused (TCP backpressure). */
const QUEUE_HIGH_WATER = 1024 * 1024;
/** A throttled direction writes about twenty times a second. */
const SLOW_TICKS_PER_SECOND = 20;

export class FaultProxy {
  readonly target: { readonly host: string; readonly port: number };
  readonly #server: Server;
  readonly #links = new Set<ProxiedConnection>();
  #fault: LinkFault = { kind: 'healthy' };
  #connections = 0;
  readonly #forwarded: Record<Direction, number> = { toTarget: 0, fromTarget: 0 };
  readonly #dropped: Record<Direction, number> = { toTarget: 0, fromTarget: 0 };

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.target = target;
  }

  /** Listens on 127.0.0.1 (`listenPort`, or a free port) and forwards to `target`. */
  static async start(target: { host?: string; port: number }, listenPort = 0): Promise<FaultProxy> {
    const server = createServer({ allowHalfOpen: true });
    const proxy = new FaultProxy(server, { host: target.host ?? '127.0.0.1', port: target.port });
    server.on('connection', (socket) => proxy.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** host:port of the proxy, to give a client instead of the target's. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get fault(): LinkFault {
    return this.#fault;
  }

  get stats(): ProxyStats {
    return { connections: this.#connections, forwardedBytes: { ...this.#forwarded }, droppedBytes: { ...this.#dropped } };
  }

  /** Applies a fault to the link from now on, to the connections open and to new ones. */
  set(fault: LinkFault): void {
    this.#fault = fault;
    if (fault.kind === 'reset') for (const link of [...this.#links]) link.reset();
    if (fault.kind === 'healthy') {
      // A stream with a hole in it cannot be resumed: as after a partition long enough for TCP to give up,
      // the connections that lost bytes are closed and their clients reconnect.
      for (const link of [...this.#links]) if (link.lostBytes) link.reset();
    }
  }

  blackhole(): void {
    this.set({ kind: 'blackhole' });
  }

  drop(direction: Direction): void {
    this.set({ kind: 'drop', direction });
  }

  delay(ms: number): void {
    this.set({ kind: 'delay', ms });
  }

  slow(bytesPerSecond: number): void {
    if (!(bytesPerSecond > 0)) throw new RangeError(`bytesPerSecond must be positive, got ${bytesPerSecond}`);
    this.set({ kind: 'slow', bytesPerSecond });
  }

  reset(): void {
    this.set({ kind: 'reset' });
  }

  heal(): void {
    this.set({ kind: 'healthy' });
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const link of [...this.#links]) link.reset();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.#connections++;
    if (this.#fault.kind === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket({ allowHalfOpen: true });
    const link = new ProxiedConnection(client, upstream, {
      fault: () => this.#fault,
      forwarded: (direction, bytes) => (this.#forwarded[direction] += bytes),
      dropped: (direction, bytes) => (this.#dropped[direction] += bytes),
    });
    this.#links.add(link);
    link.closed.then(() => this.#links.delete(link));
    upstream.connect(this.target.port, this.target.host);
  }
}

interface LinkPolicy {
  fault(): LinkFault;
  forwarded(direction: Direction, bytes: number): void;
  dropped(direction: Direction, bytes: number): void;
}

/** One client connection and its connection to the target, with a scheduled pipe each way. */
class ProxiedConnection {
  readonly closed: Promise<void>;
  lostBytes = false;
  readonly #sockets: readonly Socket[];

  constructor(client: Socket, upstream: Socket, policy: LinkPolicy) {
    this.#sockets = [client, upstream];
    const onLoss = (): void => {
      this.lostBytes = true;
    };
    new FaultyPipe(client, upstream, 'toTarget', policy, onLoss);
    new FaultyPipe(upstream, client, 'fromTarget', policy, onLoss);
    let open = 2;
    this.closed = new Promise((resolve) => {
      for (const socket of this.#sockets) {
        socket.once('close', () => {
          // One side gone without its FIN (an error or a reset): the other goes too.
          for (const other of this.#sockets) if (other !== socket && !other.destroyed && socket.errored) other.resetAndDestroy();
          if (--open === 0) resolve();
        });
        socket.on('error', () => undefined);
      }
    });
  }

  reset(): void {
    for (const socket of this.#sockets) if (!socket.destroyed) socket.resetAndDestroy();
  }
}

/** One direction of a connection: chunks dropped, or written when due (delay and throttle), in order. */
class FaultyPipe {
  readonly #queue: { chunk: Buffer; due: number }[] = [];
  #queuedBytes = 0;
  #lastDue = 0;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(
    readonly from: Socket,
    readonly to: Socket,
    readonly direction: Direction,
    readonly policy: LinkPolicy,
    readonly onLoss: () => void,
  ) {
    from.on('data', (chunk: Buffer) => this.#receive(chunk));
    from.on('end', () => {
      this.#ended = true;
      this.#flush();
    });
    to.on('drain', () => this.#resumeIfRoom());
  }

  #receive(chunk: Buffer): void {
    const fault = this.policy.fault();
    if (fault.kind === 'blackhole' || fault.kind === 'reset' || (fault.kind === 'drop' && fault.direction === this.direction)) {
      this.policy.dropped(this.direction, chunk.length);
      this.onLoss();
      return;
    }
    const now = performance.now();
    if (fault.kind === 'slow') {
      const piece = Math.max(1, Math.floor(fault.bytesPerSecond / SLOW_TICKS_PER_SECOND));
      for (let start = 0; start < chunk.length; start += piece) {
        const part = chunk.subarray(start, start + piece);
        this.#enqueue(part, Math.max(now, this.#lastDue) + (part.length * 1000) / fault.bytesPerSecond);
      }
    } else {
      this.#enqueue(chunk, now + (fault.kind === 'delay' ? fault.ms : 0));
    }
    this.#flush();
  }

  #enqueue(chunk: Buffer, due: number): void {
    // Never before an earlier chunk: a shorter delay set later does not reorder the stream.
    this.#lastDue = Math.max(due, this.#lastDue);
    this.#queue.push({ chunk, due: this.#lastDue });
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes > QUEUE_HIGH_WATER) this.from.pause();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = performance.now();
    while (this.#queue.length > 0 && this.#queue[0]!.due <= now) {
      const { chunk } = this.#queue.shift()!;
      this.#queuedBytes -= chunk.length;
      if (this.to.destroyed) continue;
      this.policy.forwarded(this.direction, chunk.length);
      if (!this.to.write(chunk)) this.from.pause();
    }
    if (this.#queue.length > 0) {
      this.#timer = setTimeout(() => this.#flush(), Math.max(1, this.#queue[0]!.due - now));
    } else if (this.#ended && !this.to.destroyed) {
      this.to.end();
    }
    this.#resumeIfRoom();
  }

  #resumeIfRoom(): void {
    if (this.#queuedBytes <= QUEUE_HIGH_WATER && !this.to.writableNeedDrain && !this.from.destroyed) this.from.resume();
  }
}

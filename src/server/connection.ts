/**
 * One client connection: cuts the byte stream into size-prefixed frames, hands each to the dispatcher as
 * soon as it is whole (requests are pipelined), and writes the responses strictly in request order, corked
 * so several small responses leave in one writev.
 *
 * Limits: a size prefix below zero or above `socket.request.max.bytes` closes the connection before
 * anything is allocated; a started frame must arrive within `gregor.request.read.timeout.ms` (a trickling
 * sender is cut off: the idle timer alone would reset on every byte); no traffic for
 * `connections.max.idle.ms` closes the connection; at most `queued.max.requests` requests of this
 * connection are in flight before it stops reading; a full socket send buffer also pauses reading.
 * Anything a request does wrong closes only its own connection.
 *
 * Each request's `RequestTiming` is marked here when its frame is complete, its response ready, its write
 * started and written (or given up), and ends exactly once, whichever way its slot leaves the queue.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { RequestTiming } from '../metrics/request-timing.js';
import type { ConnectionSession } from '../security/session.js';
import { type FramePool, POOLED_FRAME_MIN_BYTES } from './frame-pool.js';

/** What the dispatcher answers for one frame. */
export type FrameResponse =
  /**
   * Encoded response chunks (a writev); `release` runs once they are written (Fetch's segment views);
   * `closeAfterWrite`: the connection ends once they are sent (a failed SASL login).
   */
  | { readonly chunks: readonly Buffer[]; readonly release?: () => void; readonly closeAfterWrite?: boolean }
  /** acks=0 Produce: nothing is sent. */
  | 'none'
  /** The request was malformed or must end the connection (Kafka closes it). */
  | 'close';

/** `timing` is the request's, for the handler to mark its start and report it (metrics). */
export type FrameHandler = (frame: Buffer, connection: Connection, timing: RequestTiming) => Promise<FrameResponse>;

export interface ConnectionLimits {
  readonly maxRequestBytes: number;
  /** Where large frames are assembled (shared by the broker's connections). */
  readonly framePool: FramePool;
  readonly maxQueuedRequests: number;
  readonly idleTimeoutMs: number;
  readonly requestReadTimeoutMs: number;
}

interface Slot {
  response: FrameResponse | undefined;
  readonly timing: RequestTiming;
}

const SIZE_PREFIX = 4;
const GRACEFUL_CLOSE_MS = 1_000;

export class Connection {
  readonly id: number;
  readonly socket: Socket;
  readonly remoteAddress: string;
  /** The listener it came in on and who the client is. */
  readonly session: ConnectionSession;
  readonly #limits: ConnectionLimits;
  readonly #handleFrame: FrameHandler;
  readonly #onError: (error: unknown, connection: Connection) => void;
  /** Responses not yet written, in request order. */
  #pending: Slot[] = [];
  /** Bytes received that do not yet make a whole frame (kept as received chunks until the size is known). */
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Set once the size prefix of the current frame is known. */
  #frame: Buffer | undefined;
  #framePooled = false;
  #frameFilled = 0;
  #readDeadline: NodeJS.Timeout | undefined;
  #paused = false;
  /** Set while the client is throttled by a quota: nothing is read until it fires (at `#mutedUntil`). */
  #muted: NodeJS.Timeout | undefined;
  #mutedUntil = 0;
  #closed = false;
  #drained: Promise<void> | undefined;
  readonly #closeListeners: (() => void)[] = [];

  constructor(
    id: number,
    socket: Socket,
    limits: ConnectionLimits,
    handleFrame: FrameHandler,
    onError: (error: unknown, connection: Connection) => void,
    session: ConnectionSession,
  ) {
    this.id = id;
    this.session = session;
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.#limits = limits;
    this.#handleFrame = handleFrame;
    this.#onError = onError;
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleTimeoutMs, () => this.close());
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.#onClosed());
    socket.on('drain', () => this.#updateReading());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Requests received and not yet answered. */
  get inFlight(): number {
    return this.#pending.length;
  }

  onClose(listener: () => void): void {
    this.#closeListeners.push(listener);
  }

  /** Resolves once every request received so far has been answered (graceful shutdown). */
  drain(): Promise<void> {
    if (this.#pending.length === 0) return Promise.resolve();
    this.#drained ??= new Promise((resolve) => this.onClose(resolve));
    return this.#drained;
  }

  /** Stops reading new requests; in-flight ones still get their responses. */
  stopReading(): void {
    this.#paused = true;
    this.#updateReading();
  }

  /**
   * Stops reading for `ms` (longer if already muted for longer), as Kafka mutes the channel of a client over
   * its quota (KIP-219); responses still go out.
   */
  mute(ms: number): void {
    const until = performance.now() + ms;
    if (ms <= 0 || this.#closed || until <= this.#mutedUntil) return;
    this.#mutedUntil = until;
    clearTimeout(this.#muted);
    this.#muted = setTimeout(() => {
      this.#muted = undefined;
      this.#updateReading();
    }, ms);
    this.#updateReading();
  }

  /** Closes now, or (`graceful`) once the responses already written have been sent. */
  close(graceful = false): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#readDeadline);
    clearTimeout(this.#muted);
    if (graceful) {
      this.socket.end();
      // A peer that never closes its side does not keep the socket.
      setTimeout(() => this.socket.destroy(), GRACEFUL_CLOSE_MS).unref();
    } else {
      this.socket.destroy();
    }
  }

  #onData(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.#closed) {
      if (this.#frame) {
        const take = Math.min(this.#frame.length - this.#frameFilled, chunk.length - offset);
        chunk.copy(this.#frame, this.#frameFilled, offset, offset + take);
        this.#frameFilled += take;
        offset += take;
        if (this.#frameFilled === this.#frame.length) this.#completeFrame(this.#frame, this.#framePooled);
        continue;
      }
      // Reading a size prefix, possibly split across chunks.
      if (this.#buffered === 0 && chunk.length - offset >= SIZE_PREFIX) {
        const size = chunk.readInt32BE(offset);
        if (!this.#acceptSize(size)) return;
        offset += SIZE_PREFIX;
        if (chunk.length - offset >= size) {
          // The whole frame is in this chunk: a view, no copy.
          this.#completeFrame(chunk.subarray(offset, offset + size), false);
          offset += size;
        } else {
          this.#startFrame(size);
        }
        continue;
      }
      const take = Math.min(SIZE_PREFIX - this.#buffered, chunk.length - offset);
      this.#chunks.push(chunk.subarray(offset, offset + take));
      this.#buffered += take;
      offset += take;
      this.#armReadDeadline();
      if (this.#buffered === SIZE_PREFIX) {
        const size = Buffer.concat(this.#chunks, SIZE_PREFIX).readInt32BE(0);
        this.#chunks = [];
        this.#buffered = 0;
        if (!this.#acceptSize(size)) return;
        this.#startFrame(size);
      }
    }
  }

  #acceptSize(size: number): boolean {
    const max = Math.min(this.#limits.maxRequestBytes, this.session.maxFrameBytes);
    if (size < 0 || size > max) {
      this.#onError(new Error(`frame size ${size} outside [0, ${max}]`), this);
      this.close();
      return false;
    }
    return true;
  }

  #startFrame(size: number): void {
    this.#framePooled = size >= POOLED_FRAME_MIN_BYTES;
    this.#frame = this.#framePooled ? this.#limits.framePool.acquire(size) : Buffer.allocUnsafe(size);
    this.#frameFilled = 0;
    this.#armReadDeadline();
    if (size === 0) this.#completeFrame(this.#frame, false);
  }

  #armReadDeadline(): void {
    this.#readDeadline ??= setTimeout(() => {
      this.#onError(new Error(`request not received within ${this.#limits.requestReadTimeoutMs} ms`), this);
      this.close();
    }, this.#limits.requestReadTimeoutMs);
  }

  /** `pooled`: the frame goes back to the frame pool once its request has been handled. */
  #completeFrame(frame: Buffer, pooled: boolean): void {
    this.#frame = undefined;
    this.#frameFilled = 0;
    clearTimeout(this.#readDeadline);
    this.#readDeadline = undefined;
    const slot: Slot = { response: undefined, timing: new RequestTiming() };
    this.#pending.push(slot);
    this.#updateReading();
    this.#handleFrame(frame, this, slot.timing).then(
      (response) => {
        if (pooled) this.#limits.framePool.release(frame);
        slot.timing.responseReady();
        slot.response = response;
        this.#flush();
      },
      (error: unknown) => {
        if (pooled) this.#limits.framePool.release(frame);
        slot.timing.responseReady();
        this.#onError(error, this);
        slot.response = 'close';
        this.#flush();
      },
    );
  }

  /** Writes every answered response at the head of the queue, in order. */
  #flush(): void {
    if (this.#closed) {
      this.#releaseAnswered();
      return;
    }
    let corked = false;
    while (this.#pending.length > 0 && this.#pending[0]!.response !== undefined) {
      const { response: answered, timing } = this.#pending.shift()!;
      const response = answered!;
      if (response === 'close') {
        timing.ended();
        if (corked) this.socket.uncork();
        this.close(true);
        this.#releaseAnswered();
        return;
      }
      if (response === 'none') {
        timing.ended();
        continue;
      }
      if (!corked) {
        this.socket.cork();
        corked = true;
      }
      timing.writeStarted();
      const written = (): void => {
        response.release?.();
        timing.ended();
      };
      const last = response.chunks.length - 1;
      if (last < 0) written();
      response.chunks.forEach((chunk, i) => {
        if (i === last) this.socket.write(chunk, written);
        else this.socket.write(chunk);
      });
      if (response.closeAfterWrite) {
        this.socket.uncork();
        this.close(true);
        this.#releaseAnswered();
        return;
      }
    }
    if (corked) this.socket.uncork();
    this.#updateReading();
    if (this.#pending.length === 0 && this.#drained) this.close(true);
  }

  /** After close: lets go of the responses that will never be written; unanswered ones do so when answered. */
  #releaseAnswered(): void {
    this.#pending = this.#pending.filter((slot) => {
      if (slot.response === undefined) return true;
      releaseOf(slot.response)?.();
      slot.timing.ended();
      return false;
    });
  }

  /** Reads while the connection has room for more requests and the socket is not backed up. */
  #updateReading(): void {
    if (this.#closed) return;
    const full = this.#pending.length >= this.#limits.maxQueuedRequests || this.socket.writableNeedDrain;
    if (full || this.#paused || this.#muted !== undefined) this.socket.pause();
    else this.socket.resume();
  }

  #onClosed(): void {
    this.#closed = true;
    clearTimeout(this.#readDeadline);
    clearTimeout(this.#muted);
    this.#releaseAnswered();
    for (const listener of this.#closeListeners) listener();
  }
}

function releaseOf(response: FrameResponse | undefined): (() => void) | undefined {
  return typeof response === 'object' ? response.release : undefined;
}

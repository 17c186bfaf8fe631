// Framing, ordering and limits of a connection, with a stand-in frame handler (no codec involved).
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestTiming } from '../../src/metrics/request-timing.js';
import type { FrameHandler } from '../../src/server/connection.js';
import { FramePool } from '../../src/server/frame-pool.js';
import { Listener } from '../../src/server/listener.js';
import { pollUntil } from '../support/poll.js';

const limits = { maxRequestBytes: 1024, maxQueuedRequests: 100, idleTimeoutMs: 60_000, requestReadTimeoutMs: 300, framePool: new FramePool(1 << 20) };
let listener: Listener | undefined;

afterEach(async () => {
  await listener?.close(100);
  listener = undefined;
});

/** Echoes each frame back size-prefixed, after a delay the frame's first byte chooses (to finish out of order). */
const echo: FrameHandler = async (frame) => {
  await new Promise((resolve) => setTimeout(resolve, frame[0] ?? 0));
  const size = Buffer.alloc(4);
  size.writeInt32BE(frame.length);
  return { chunks: [size, Buffer.from(frame)] };
};

async function start(handleFrame: FrameHandler = echo, overrides: Partial<typeof limits> = {}, maxConnectionsPerIp = 100): Promise<number> {
  listener = await Listener.start({
    host: '127.0.0.1',
    port: 0,
    limits: { ...limits, ...overrides },
    maxConnections: 1000,
    maxConnectionsPerIp,
    handleFrame,
    onConnectionError: () => undefined,
  });
  return listener.address.port;
}

function frame(payload: Buffer | number[]): Buffer {
  const body = Buffer.from(payload);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

async function open(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** Collects `count` size-prefixed frames from the socket. */
function readFrames(socket: Socket, count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0);
    const frames: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        frames.push(pending.subarray(4, 4 + pending.readInt32BE(0)));
        pending = pending.subarray(4 + pending.readInt32BE(0));
        if (frames.length === count) resolve(frames);
      }
    });
    socket.once('close', () => reject(new Error(`closed after ${frames.length} frames`)));
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    socket.once('close', () => resolve());
    socket.resume();
  });
}

describe('connection', () => {
  it('answers pipelined requests in request order even when they complete out of order', async () => {
    const socket = await open(await start());
    const delays = [40, 0, 25, 5, 0];
    const replies = readFrames(socket, delays.length);
    socket.write(Buffer.concat(delays.map((d, i) => frame([d, i]))));
    expect((await replies).map((f) => f[1])).toEqual([0, 1, 2, 3, 4]);
    socket.destroy();
  });

  it('reassembles frames delivered one byte at a time', async () => {
    const socket = await open(await start());
    const replies = readFrames(socket, 2);
    const bytes = Buffer.concat([frame([0, 1, 2, 3]), frame([0, 9])]);
    for (const byte of bytes) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await replies).map((f) => [...f])).toEqual([
      [0, 1, 2, 3],
      [0, 9],
    ]);
    socket.destroy();
  });

  it('closes a connection whose size prefix is negative or above socket.request.max.bytes, and only that one', async () => {
    const port = await start();
    const healthy = await open(port);
    for (const size of [-1, limits.maxRequestBytes + 1, 2 ** 31 - 1]) {
      const bad = await open(port);
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size);
      bad.write(prefix);
      await closed(bad);
    }
    const reply = readFrames(healthy, 1);
    healthy.write(frame([0, 42]));
    expect([...(await reply)[0]!]).toEqual([0, 42]);
    healthy.destroy();
  });

  it('cuts off a request that does not arrive within the read deadline', async () => {
    const socket = await open(await start());
    socket.write(Buffer.from([0, 0, 0, 10, 1, 2]));
    const started = Date.now();
    await closed(socket);
    expect(Date.now() - started).toBeGreaterThanOrEqual(limits.requestReadTimeoutMs - 50);
  });

  it('closes idle connections after connections.max.idle.ms', async () => {
    const socket = await open(await start(echo, { idleTimeoutMs: 200 }));
    await closed(socket);
  });

  it('refuses connections over max.connections.per.ip', async () => {
    const port = await start(echo, {}, 2);
    const first = await open(port);
    const second = await open(port);
    const third = await open(port);
    await closed(third);
    const reply = readFrames(second, 1);
    second.write(frame([0, 7]));
    expect([...(await reply)[0]!]).toEqual([0, 7]);
    first.destroy();
    second.destroy();
  });

  it('stops reading once queued.max.requests requests are in flight, and resumes as they are answered', async () => {
    const waiting: (() => void)[] = [];
    let handled = 0;
    const socket = await open(
      await start(
        (f) =>
          new Promise((resolve) => {
            handled++;
            waiting.push(() => resolve({ chunks: [Buffer.from([0, 0, 0, 1]), Buffer.from([f[1]!])] }));
          }),
        { maxQueuedRequests: 2 },
      ),
    );
    const replies = readFrames(socket, 6);
    // Each frame in its own write, so the pause can take effect between them.
    for (let i = 0; i < 6; i++) {
      socket.write(frame([0, i]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await pollUntil(() => handled === 2, 'two requests in flight');
    expect(handled).toBe(2);
    while (handled < 6 || waiting.length > 0) {
      await pollUntil(() => waiting.length > 0, 'a request to answer');
      waiting.shift()!();
    }
    expect((await replies).map((f) => f[0])).toEqual([0, 1, 2, 3, 4, 5]);
    socket.destroy();
  });

  it('releases a response once it has been written', async () => {
    let released = 0;
    const socket = await open(await start(async (f) => ({ chunks: [Buffer.from([0, 0, 0, f.length]), Buffer.from(f)], release: () => released++ })));
    const replies = readFrames(socket, 3);
    socket.write(Buffer.concat([frame([0]), frame([0]), frame([0])]));
    await replies;
    expect(released).toBe(3);
    socket.destroy();
  });

  it('closes the connection when the handler says so, after the responses before it', async () => {
    const socket = await open(await start(async (f) => (f[1] === 1 ? 'close' : { chunks: [Buffer.from([0, 0, 0, 1]), Buffer.from([f[1]!])] })));
    const received: number[] = [];
    socket.on('data', (chunk: Buffer) => received.push(...chunk));
    socket.write(Buffer.concat([frame([0, 0]), frame([0, 1]), frame([0, 2])]));
    await closed(socket);
    expect(received).toEqual([0, 0, 0, 1, 0]);
  });

  it('ends every request exactly once: written, acks=0, failed, closing, and dropped with the connection', async () => {
    const ended: RequestTiming[] = [];
    const sink = { requestCompleted: (timing: RequestTiming) => void ended.push(timing) };
    const WRITE = 0,
      NONE = 1,
      REJECT = 2,
      SLOW = 3,
      CLOSE = 4;
    const port = await start(async (f, _connection, timing) => {
      timing.apiKey = f[0]!;
      timing.sink = sink;
      timing.handlerStarted();
      if (f[0] === SLOW) await new Promise((resolve) => setTimeout(resolve, 50));
      if (f[0] === REJECT) throw new Error('handler failed');
      if (f[0] === NONE) return 'none';
      if (f[0] === CLOSE) return 'close';
      return { chunks: [Buffer.from([0, 0, 0, 1]), Buffer.from([f[0]!])] };
    });
    const failing = await open(port);
    failing.write(Buffer.concat([frame([WRITE]), frame([NONE]), frame([SLOW]), frame([REJECT]), frame([WRITE])]));
    const closing = await open(port);
    closing.write(Buffer.concat([frame([CLOSE]), frame([WRITE])]));
    const dropped = await open(port);
    dropped.write(frame([SLOW]));
    await pollUntil(() => listener!.connectionCount === 3 && ended.length >= 1, 'the requests to arrive');
    dropped.destroy();
    await Promise.all([closed(failing), closed(closing)]);
    // The frames after a failed or closing request are still handled; all of them end, each once.
    await pollUntil(() => ended.length === 8, 'every request to end');
    expect(new Set(ended).size).toBe(8);
    expect(ended.map((t) => t.apiKey).sort()).toEqual([WRITE, WRITE, WRITE, NONE, REJECT, SLOW, SLOW, CLOSE].sort());
    for (const t of ended) {
      for (const phase of [t.requestQueueMs, t.localMs, t.remoteMs, t.responseQueueMs, t.responseSendMs]) expect(phase).toBeGreaterThanOrEqual(0);
      expect(t.requestQueueMs + t.localMs + t.remoteMs + t.responseQueueMs + t.responseSendMs).toBeCloseTo(t.totalMs, 6);
    }
    // Nothing written, nothing sent: Kafka's NoOp and CloseConnection responses.
    expect(ended.filter((t) => [NONE, REJECT, CLOSE].includes(t.apiKey)).map((t) => t.responseSendMs)).toEqual([0, 0, 0]);
  });
});

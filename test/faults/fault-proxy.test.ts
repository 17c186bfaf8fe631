// The fault proxy over loopback sockets: forwarding, each fault (blackhole, one-way drop, delay, slow,
// reset) on connections open before it and after it, and heal.
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../bench/faults/fault-proxy.js';
import { pollUntil } from '../support/poll.js';

/** A target that greets each connection with "hello" and echoes what it receives, counting the bytes. */
class EchoTarget {
  received = 0;
  readonly sockets = new Set<Socket>();
  constructor(readonly server: Server) {}

  static async start(): Promise<EchoTarget> {
    const target = new EchoTarget(createServer());
    target.server.on('connection', (socket) => {
      target.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => target.sockets.delete(socket));
      socket.write('hello');
      socket.on('data', (chunk: Buffer) => {
        target.received += chunk.length;
        socket.write(chunk);
      });
    });
    await new Promise<void>((resolve) => target.server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A client of the proxy that collects what it receives and how its connection ended. */
class Client {
  data = '';
  error: NodeJS.ErrnoException | undefined;
  closed = false;
  readonly socket: Socket;
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.socket.on('data', (chunk: Buffer) => (this.data += chunk.toString()));
    this.socket.on('error', (error) => (this.error = error));
    this.socket.on('close', () => (this.closed = true));
  }

  async until(text: string): Promise<void> {
    await pollUntil(() => this.data.includes(text), `the client to receive ${JSON.stringify(text)}`);
  }
}

describe('the fault proxy', () => {
  let target: EchoTarget;
  let proxy: FaultProxy;
  const clients: Client[] = [];
  const client = (): Client => {
    const c = new Client(proxy.port);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    target = await EchoTarget.start();
    proxy = await FaultProxy.start({ port: target.port });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await proxy.close();
    await target.close();
  });

  it('forwards both ways while healthy', async () => {
    const c = client();
    await c.until('hello');
    c.socket.write('ping');
    await c.until('helloping');
    expect(proxy.stats.forwardedBytes).toEqual({ toTarget: 4, fromTarget: 9 });
  });

  it('blackholes both ways: connections are accepted, nothing is forwarded, and heal closes the ones that lost bytes', async () => {
    const before = client();
    await before.until('hello');
    proxy.blackhole();
    before.socket.write('lost');
    const during = client();
    await during.connected;
    during.socket.write('lost too');
    await pollUntil(() => proxy.stats.droppedBytes.toTarget === 12 && proxy.stats.droppedBytes.fromTarget === 5, 'the proxy to drop both ways');
    expect(target.received).toBe(0);
    expect(during.data).toBe('');
    expect(before.data).toBe('hello');

    proxy.heal();
    await pollUntil(() => before.closed && during.closed, 'the connections that lost bytes to close');
    const after = client();
    await after.until('hello');
    after.socket.write('back');
    await after.until('helloback');
  });

  it('drops one way: what clients send, while the target still reaches them', async () => {
    proxy.drop('toTarget');
    const c = client();
    await c.until('hello');
    c.socket.write('ping');
    await pollUntil(() => proxy.stats.droppedBytes.toTarget === 4, 'the proxy to drop the request');
    expect(target.received).toBe(0);
  });

  it('drops one way: what the target answers, while clients still reach it', async () => {
    proxy.drop('fromTarget');
    const c = client();
    c.socket.write('ping');
    await pollUntil(() => target.received === 4 && proxy.stats.droppedBytes.fromTarget === 9, 'the target to receive and its answers to be dropped');
    expect(c.data).toBe('');
  });

  it('delays each way by the milliseconds given, keeping the order of the stream', async () => {
    const c = client();
    await c.until('hello');
    proxy.delay(150);
    const sent = performance.now();
    c.socket.write('a');
    c.socket.write('b');
    await c.until('helloab');
    // Two delays: on the way to the target and on the way back.
    expect(performance.now() - sent).toBeGreaterThanOrEqual(290);
  });

  it('slows a link to the byte rate given', async () => {
    const c = client();
    await c.until('hello');
    proxy.slow(8_000);
    const sent = performance.now();
    c.socket.write('x'.repeat(4_000));
    await pollUntil(() => target.received === 4_000, 'the bytes to arrive', { timeoutMs: 10_000 });
    // 4,000 bytes at 8,000 bytes/s: at least half a second, less the first tick's worth.
    expect(performance.now() - sent).toBeGreaterThanOrEqual(440);
  });

  it('resets the connections open and the new ones until healed', async () => {
    const open = client();
    await open.until('hello');
    proxy.reset();
    await pollUntil(() => open.closed, 'the open connection to be reset');
    expect(open.error?.code).toBe('ECONNRESET');
    const refused = client();
    await pollUntil(() => refused.closed, 'a new connection to be reset');
    expect(refused.error?.code).toBe('ECONNRESET');
    expect(refused.data).toBe('');

    proxy.heal();
    const after = client();
    await after.until('hello');
  });

  it('resets a client whose target is down', async () => {
    await target.close();
    const c = client();
    await pollUntil(() => c.closed, 'the connection to be closed');
    expect(c.data).toBe('');
  });
});

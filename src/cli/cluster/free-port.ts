/**
 * A loopback port free right now, for a child process to take. It is drawn below Linux's ephemeral range
 * (32768–60999): a port the OS picked with listen(0) comes from that range, and between its release and the
 * child's bind any outgoing connection of this machine may take it as its local port, which made etcd fail
 * with "address already in use" under load. The bind check still guards against another listener.
 */
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

const FIRST = 20_000;
const END = 32_768;
const ATTEMPTS = 50;

export async function freeLoopbackPort(): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = randomInt(FIRST, END);
    if (await isLoopbackPortFree(port)) return port;
  }
  throw new Error(`no free loopback port in ${FIRST}-${END - 1} after ${ATTEMPTS} attempts`);
}

/** Whether a listener could bind the loopback port now. */
export function isLoopbackPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

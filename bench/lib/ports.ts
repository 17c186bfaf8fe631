/** Free loopback ports for the processes benches and tests start (the OS picks them; they are released at once). */
import { createServer } from 'node:net';
import { freeLoopbackPort } from '../../src/cli/cluster/free-port.js';

function tryPort(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A loopback port free right now. */
export const ephemeralPort = freeLoopbackPort;

/** A free loopback port pair (Kafka's controller listener takes port + 1). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await ephemeralPort();
    if (port < 65535 && (await tryPort(port + 1))) return port;
  }
  throw new Error('no free loopback port pair');
}

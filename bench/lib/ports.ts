/** Free loopback ports for the processes benches and tests start (see src/cli/cluster/free-port.ts). */
import { freeLoopbackPort, isLoopbackPortFree } from '../../src/cli/cluster/free-port.js';

/** A loopback port free right now. */
export const ephemeralPort = freeLoopbackPort;

/** A free loopback port pair (Kafka's controller listener takes port + 1). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await ephemeralPort();
    if (await isLoopbackPortFree(port + 1)) return port;
  }
  throw new Error('no free loopback port pair');
}

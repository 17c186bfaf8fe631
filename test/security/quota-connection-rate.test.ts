// connection_creation_rate per IP (KIP-612): connections from an address over its rate are refused: held
// unread for the throttle time, then closed without an answer, while the admitted ones keep being served.
import { type Socket, connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { encodeRequest } from '../../src/protocol/codec.js';
import { type TestBroker, startBroker } from '../support/broker.js';

let broker: TestBroker;
let admin: RawClient;

beforeAll(async () => {
  broker = await startBroker({ 'quota.window.num': 2 });
  admin = await RawClient.connect(broker.bootstrap);
  const altered = await admin.request(ApiKey.AlterClientQuotas, 1, {
    entries: [{ entity: [{ entityType: 'ip', entityName: '127.0.0.1' }], ops: [{ key: 'connection_creation_rate', value: 2, remove: false }] }],
    validateOnly: false,
  });
  expect(altered.entries[0].errorCode).toBe(ErrorCode.NONE);
}, 60_000);

afterAll(async () => {
  admin?.close();
  await broker?.close();
});

/** Connects, sends ApiVersions, and says whether an answer came or the broker closed first, and when. */
function attempt(): Promise<{ answered: boolean; ms: number; socket: Socket }> {
  const [host, port] = broker.bootstrap.split(':') as [string, string];
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) }, () => {
      socket.write(
        Buffer.concat(
          encodeRequest(
            { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 1, clientId: 'rate' },
            { clientSoftwareName: 'x', clientSoftwareVersion: '1' },
          ),
        ),
      );
    });
    socket.once('data', () => resolve({ answered: true, ms: performance.now() - started, socket }));
    socket.once('close', () => resolve({ answered: false, ms: performance.now() - started, socket }));
    socket.on('error', () => undefined);
  });
}

describe('connection_creation_rate', () => {
  it('refuses the connections over the rate after holding them, and keeps serving the others', async () => {
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await attempt());
    expect(results.map((r) => r.answered)).toEqual([true, true, false]);
    expect(results[2]!.ms).toBeGreaterThan(20);
    expect(broker.broker.services.quotas.connections.refusedCount).toBe(1);
    const versions = await admin.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    expect(versions.errorCode).toBe(ErrorCode.NONE);
    for (const r of results) r.socket.destroy();
  }, 30_000);
});

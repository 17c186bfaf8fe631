// Graceful shutdown: stop accepting, answer in-flight requests (parked fetches at once), then close.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { startBroker } from '../support/broker.js';
import { pollUntil } from '../support/poll.js';
import { RawClient } from '../../bench/lib/raw-client.js';
import { fetchRequest } from '../../bench/lib/fetch-request.js';

describe('broker.close()', () => {
  it('answers a parked fetch, closes connections and refuses new ones, well within 10 s', async () => {
    const broker = await startBroker();
    await broker.broker.metadata.createTopic('parked', { numPartitions: 1 });
    const client = await RawClient.connect(broker.bootstrap);
    const parked = client.request(ApiKey.Fetch, 11, fetchRequest({ topic: 'parked' }, { maxWaitMs: 60_000 }));
    await pollUntil(() => broker.broker.replicaManager.delayedFetchCount === 1, 'the fetch to park');
    const started = Date.now();
    await broker.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await parked).responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    await client.closed;
    const [host, port] = broker.bootstrap.split(':');
    await expect(
      new Promise((resolve, reject) =>
        connect({ host, port: Number(port) })
          .once('connect', resolve)
          .once('error', reject),
      ),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

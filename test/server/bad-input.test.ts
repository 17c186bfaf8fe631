// Hostile input (reliability scenarios S1, S2): each bad frame closes or errs only its own connection while a
// healthy client on another connection keeps producing.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { encodeRequest } from '../../src/protocol/codec.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { RawClient } from '../../bench/lib/raw-client.js';

const MAX_REQUEST_BYTES = 1024 * 1024;
let broker: TestBroker;
let healthy: RawClient;
let healthyProduced = 0;
let stopHealthy = false;
let healthyLoop: Promise<void>;

beforeAll(async () => {
  broker = await startBroker({ 'socket.request.max.bytes': MAX_REQUEST_BYTES });
  await broker.broker.metadata.createTopic('healthy', { numPartitions: 1 });
  healthy = await RawClient.connect(broker.bootstrap);
  healthyLoop = (async () => {
    while (!stopHealthy) {
      const response = await healthy.request(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'healthy', partitionData: [{ index: 0, records: native.buildRecordBatch({ values: [Buffer.from('ok')] }) }] }],
      });
      expect(response.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
      healthyProduced++;
    }
  })();
});

afterAll(async () => {
  stopHealthy = true;
  await healthyLoop;
  healthy?.close();
  await broker?.close();
});

function sized(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function header(apiKey: number, version: number, correlationId = 1): Buffer {
  const b = Buffer.alloc(10);
  b.writeInt16BE(apiKey, 0);
  b.writeInt16BE(version, 2);
  b.writeInt32BE(correlationId, 4);
  b.writeInt16BE(-1, 8);
  return b;
}

async function expectClosed(bytes: Buffer): Promise<void> {
  const client = await RawClient.connect(broker.bootstrap);
  client.writeRaw(bytes);
  await client.closed;
}

/** The healthy producer must make progress after each bad input. */
async function expectHealthyProgress(): Promise<void> {
  const before = healthyProduced;
  const deadline = Date.now() + 5000;
  while (healthyProduced < before + 3) {
    if (Date.now() > deadline) throw new Error('the healthy producer stalled');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('bad input', () => {
  it('closes on garbage frames', async () => {
    for (let i = 0; i < 50; i++) {
      const client = await RawClient.connect(broker.bootstrap);
      client.writeRaw(sized(randomBytes(1 + (i % 40))));
      client.writeRaw(sized(randomBytes(64)));
      await Promise.race([client.closed, new Promise((resolve) => setTimeout(resolve, 50))]);
      client.close();
    }
    await expectHealthyProgress();
  });

  it('closes on size prefixes of -1, above socket.request.max.bytes and 2^31-1, without allocating them', async () => {
    for (const size of [-1, MAX_REQUEST_BYTES + 1, 2 ** 31 - 1]) {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size);
      await expectClosed(prefix);
    }
    await expectClosed(sized(Buffer.alloc(0)));
    await expectHealthyProgress();
  });

  it('closes on truncated bodies and huge array counts', async () => {
    const metadata = Buffer.concat(
      encodeRequest(
        { apiKey: ApiKey.Metadata, apiVersion: 9, correlationId: 1, clientId: 'x' },
        {
          topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'healthy' }],
          allowAutoTopicCreation: false,
          includeTopicAuthorizedOperations: false,
        },
      ),
    );
    await expectClosed(sized(metadata.subarray(4, metadata.length - 3)));
    const hugeCount = Buffer.alloc(4);
    hugeCount.writeInt32BE(0x7fffffff);
    await expectClosed(sized(Buffer.concat([header(ApiKey.Metadata, 1), hugeCount])));
    await expectClosed(sized(Buffer.concat([header(ApiKey.Produce, 7), Buffer.from([0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 100]), hugeCount])));
    await expectHealthyProgress();
  });

  it('closes on an unknown API key and on an unsupported version of a known one', async () => {
    await expectClosed(sized(header(999, 0)));
    await expectClosed(sized(header(ApiKey.Fetch, 3)));
    await expectClosed(sized(header(ApiKey.Produce, 12)));
    await expectHealthyProgress();
  });

  it('answers an ApiVersions version above 4 with a v0 UNSUPPORTED_VERSION body and keeps the connection', async () => {
    const client = await RawClient.connect(broker.bootstrap);
    const answer = client.expectResponse(7, ApiKey.ApiVersions, 0);
    client.writeRaw(sized(Buffer.concat([header(ApiKey.ApiVersions, 9, 7), Buffer.from([0])])));
    const body = await answer;
    expect(body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(body.apiKeys).toEqual([{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 }]);
    const versions = await client.request(ApiKey.ApiVersions, 0, {});
    expect(versions.errorCode).toBe(ErrorCode.NONE);
    client.close();
  });

  it('answers a bad CRC with CORRUPT_MESSAGE and keeps the connection', async () => {
    const client = await RawClient.connect(broker.bootstrap);
    const records = native.buildRecordBatch({ values: [Buffer.from('bad')] });
    records.writeUInt32BE((records.readUInt32BE(17) ^ 1) >>> 0, 17);
    const produce = (r: Buffer) =>
      client.request(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: 'healthy', partitionData: [{ index: 0, records: r }] }],
      });
    expect((await produce(records)).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produce(native.buildRecordBatch({ values: [Buffer.from('good')] }))).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    client.close();
  });
});

// acks=all with gregor.flush.before.acks.all.enable under concurrency: pipelined produce requests from
// several connections, each touching every partition, while small segments roll, must all be answered
// without error (the benchmark harness once saw UNKNOWN_SERVER_ERROR on this path), with every batch
// appended exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { RawClient } from '../../bench/lib/raw-client.js';

const PARTITIONS = 16;
const CONNECTIONS = 4;
const REQUESTS_PER_CONNECTION = 24;
const IN_FLIGHT = 4;
const RECORDS_PER_BATCH = 16;

let broker: TestBroker;
let clients: RawClient[] = [];

beforeAll(async () => {
  broker = await startBroker({ 'gregor.flush.before.acks.all.enable': true });
  // Segments of 64 KiB: a roll every few batches, so flushes race rolls.
  await broker.broker.metadata.createTopic('acked', { numPartitions: PARTITIONS, configs: { 'segment.bytes': String(64 * 1024) } });
  clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => RawClient.connect(broker.bootstrap)));
});

afterAll(async () => {
  for (const client of clients) client.close();
  await broker?.close();
});

function produceRequest(): unknown {
  const value = Buffer.alloc(1024, 'x');
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [
      {
        name: 'acked',
        partitionData: Array.from({ length: PARTITIONS }, (_, index) => ({
          index,
          records: native.buildRecordBatch({ values: Array.from({ length: RECORDS_PER_BATCH }, () => value) }),
        })),
      },
    ],
  };
}

describe('acks=all with flush before acknowledging', () => {
  it('answers every partition of concurrent pipelined requests without error', async () => {
    const errors: number[] = [];
    const connection = async (client: RawClient) => {
      let sent = 0;
      const lane = async () => {
        while (sent < REQUESTS_PER_CONNECTION) {
          sent++;
          const response = await client.request(ApiKey.Produce, 9, produceRequest());
          for (const p of response.responses[0].partitionResponses) if (p.errorCode !== ErrorCode.NONE) errors.push(p.errorCode);
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    };
    await Promise.all(clients.map(connection));
    expect(errors).toEqual([]);
    const expectedEnd = BigInt(CONNECTIONS * REQUESTS_PER_CONNECTION * RECORDS_PER_BATCH);
    for (let index = 0; index < PARTITIONS; index++) {
      const partition = broker.broker.replicaManager.partition('acked', index)!;
      expect(partition.logEndOffset).toBe(expectedEnd);
      expect(partition.highWatermark).toBe(expectedEnd);
    }
  }, 60_000);
});

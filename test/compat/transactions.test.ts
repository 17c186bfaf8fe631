// Transactional producers against a broker without a transaction coordinator: FindCoordinator for a
// transactional id (key type 1) answers UNSUPPORTED_VERSION with a message saying so, as Redpanda did before
// it had transactions. The Java client fails initTransactions at once with "Could not find a coordinator with
// type TRANSACTION ... due to unexpected error: <that message>"; franz-go fails at once with UNSUPPORTED_VERSION
// and kafkajs with "Failed to find group coordinator". A retriable answer (COORDINATOR_NOT_AVAILABLE) would
// make them retry until their timeouts; INVALID_REQUEST made franz-go blame its own request encoding.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { franzGoClient, hasGo, runFranzGo } from '../support/franz-go.js';
import { RawClient } from '../../bench/lib/raw-client.js';

let broker: TestBroker;

beforeAll(async () => {
  if (hasGo()) franzGoClient();
  broker = await startBroker();
  await broker.broker.metadata.createTopic('txn', { numPartitions: 1 });
}, 600_000);

afterAll(async () => {
  await broker?.close();
});

describe('transactional clients on a broker without transactions', () => {
  it('FindCoordinator for a transactional id answers UNSUPPORTED_VERSION with a message, at every version', async () => {
    const client = await RawClient.connect(broker.bootstrap);
    try {
      const v1 = await client.request(ApiKey.FindCoordinator, 1, { key: 'tx', keyType: 1, coordinatorKeys: [] });
      expect(v1).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: expect.stringMatching(/transactions are not supported/), nodeId: -1 });
      const v4 = await client.request(ApiKey.FindCoordinator, 4, { key: '', keyType: 1, coordinatorKeys: ['tx'] });
      expect(v4.coordinators[0]).toMatchObject({
        key: 'tx',
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        errorMessage: expect.stringMatching(/transactions are not supported/),
      });
    } finally {
      client.close();
    }
  });

  // kafkajs reports any error but GROUP_COORDINATOR_NOT_AVAILABLE as "Failed to find group coordinator", without the code.
  it('kafkajs: a transactional producer fails at once, not retriable', async () => {
    const kafka = new Kafka({ clientId: 'txn-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const producer = kafka.producer({ transactionalId: 'kafkajs-txn', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await expect(producer.transaction()).rejects.toMatchObject({ name: 'KafkaJSGroupCoordinatorNotFound', retriable: false });
    } finally {
      await producer.disconnect();
    }
  }, 20_000);

  it.skipIf(!hasGo())(
    'franz-go: a transaction fails at once with UNSUPPORTED_VERSION (skipped without a Go toolchain)',
    async () => {
      const run = runFranzGo(['transact', broker.bootstrap, 'txn'], 20_000);
      const outcome = await run.stop();
      expect(outcome).toMatchObject({ event: 'transacted', error: expect.stringMatching(/UNSUPPORTED_VERSION/) });
    },
    20_000,
  );
});

// DescribeProducers (61) over the wire: each partition's idempotent producers with their epoch, last sequence
// and last timestamp; no transactions, so coordinator epoch and transaction start are -1.
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { useBrokerWithClient } from '../support/broker-with-client.js';

const server = useBrokerWithClient();

async function produce(topic: string, producerId: bigint, producerEpoch: number, baseSequence: number, count: number, timestamp: bigint): Promise<void> {
  const records = native.buildRecordBatch(
    { values: Array.from({ length: count }, (_, i) => Buffer.from(`v${i}`)), timestamps: BigInt64Array.from({ length: count }, () => timestamp) },
    { producerId, producerEpoch, baseSequence },
  );
  const response = await server.client.request(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  expect(response.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
}

describe('DescribeProducers', () => {
  it('reports each idempotent producer of a partition, and errors for partitions that do not exist', async () => {
    await server.broker.broker.metadata.createTopic('described', { numPartitions: 2 });
    const now = BigInt(Date.now());
    await produce('described', 40n, 2, 0, 3, now - 1000n);
    await produce('described', 40n, 2, 3, 2, now);
    await produce('described', 41n, 0, 0, 1, now - 500n);
    const response = await server.client.request(ApiKey.DescribeProducers, 0, {
      topics: [
        { name: 'described', partitionIndexes: [0, 1, 7] },
        { name: 'missing', partitionIndexes: [0] },
      ],
    });
    const [described, missing] = response.topics;
    expect(described.partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: ErrorCode.NONE });
    expect(described.partitions[0].activeProducers).toEqual([
      { producerId: 40n, producerEpoch: 2, lastSequence: 4, lastTimestamp: now, coordinatorEpoch: -1, currentTxnStartOffset: -1n },
      { producerId: 41n, producerEpoch: 0, lastSequence: 0, lastTimestamp: now - 500n, coordinatorEpoch: -1, currentTxnStartOffset: -1n },
    ]);
    expect(described.partitions[1]).toMatchObject({ partitionIndex: 1, errorCode: ErrorCode.NONE, activeProducers: [] });
    expect(described.partitions[2]).toMatchObject({ partitionIndex: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, activeProducers: [] });
    expect(missing.partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
  });
});

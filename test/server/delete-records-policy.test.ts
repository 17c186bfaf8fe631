// DeleteRecords and the topic's cleanup.policy (Kafka's Partition.deleteRecordsOnLeader): refused with
// POLICY_VIOLATION unless the policy includes `delete`, so `compact` alone refuses and `compact,delete` allows.
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { useBrokerWithClient } from '../support/broker-with-client.js';

const server = useBrokerWithClient();

async function topicWithRecords(name: string, cleanupPolicy: string): Promise<void> {
  await server.broker.broker.metadata.createTopic(name, { numPartitions: 1, configs: { 'cleanup.policy': cleanupPolicy } });
  const keys = [0, 1, 2, 3].map((i) => Buffer.from(`k${i}`));
  await server.broker.broker.replicaManager.appendRecords([{ topic: name, partition: 0, records: native.buildRecordBatch({ keys, values: keys }) }], {
    acks: 1,
    timeoutMs: 5_000,
  });
}

async function deleteRecords(name: string, offset: bigint): Promise<{ errorCode: number; lowWatermark: bigint }> {
  const response = await server.client.request(ApiKey.DeleteRecords, 2, { topics: [{ name, partitions: [{ partitionIndex: 0, offset }] }], timeoutMs: 5000 });
  return response.topics[0].partitions[0];
}

describe('DeleteRecords by cleanup.policy', () => {
  it('refuses a compacted topic with POLICY_VIOLATION and leaves its log start where it was', async () => {
    await topicWithRecords('compacted', 'compact');
    expect(await deleteRecords('compacted', 2n)).toMatchObject({ errorCode: ErrorCode.POLICY_VIOLATION, lowWatermark: -1n });
    expect(server.broker.broker.replicaManager.partition('compacted', 0)!.logStartOffset).toBe(0n);
  });

  it.each(['compact,delete', 'delete'])('deletes records of a topic with cleanup.policy=%s', async (policy) => {
    const name = `policy-${policy.replace(',', '-')}`;
    await topicWithRecords(name, policy);
    expect(await deleteRecords(name, 2n)).toMatchObject({ errorCode: ErrorCode.NONE, lowWatermark: 2n });
  });
});

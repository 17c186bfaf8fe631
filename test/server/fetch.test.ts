// Fetch and ListOffsets over the wire: long-poll woken by appends, max wait, mid-batch offsets, out-of-range,
// limits, views released after writing, and a topic deleted and re-created under a parked fetch.
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { useBrokerWithClient } from '../support/broker-with-client.js';
import { nativeLogOf } from '../support/native-log.js';
import { pollUntil } from '../support/poll.js';
import { RawClient } from '../../bench/lib/raw-client.js';
import { fetchRequest } from '../../bench/lib/fetch-request.js';

const server = useBrokerWithClient();

async function produce(topic: string, values: string[], partition = 0): Promise<bigint> {
  const response = await server.client.request(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: native.buildRecordBatch({ values: values.map((v) => Buffer.from(v)) }) }] }],
  });
  return response.responses[0].partitionResponses[0].baseOffset;
}

function fetch(topic: string, offset: bigint, { maxWaitMs = 0, minBytes = 1, maxBytes = 1 << 20, partitionMaxBytes = 1 << 20, on = server.client } = {}) {
  return on.request(ApiKey.Fetch, 11, fetchRequest({ topic, fetchOffset: offset, partitionMaxBytes }, { maxWaitMs, minBytes, maxBytes, isolationLevel: 1 }));
}

function values(records: Buffer | null): string[] {
  const out: string[] = [];
  for (let position = 0; records && position < records.length; ) {
    const size = records.readInt32BE(position + 8) + 12;
    for (const record of native.decodeRecordBatch(records.subarray(position, position + size))) out.push(record.value!.toString());
    position += size;
  }
  return out;
}

describe('fetch', () => {
  it('parks until an append arrives, then answers at once', async () => {
    await server.broker.broker.metadata.createTopic('poll', { numPartitions: 1 });
    const other = await RawClient.connect(server.broker.bootstrap);
    const started = Date.now();
    const parked = fetch('poll', 0n, { maxWaitMs: 20_000, on: other });
    await pollUntil(() => server.broker.broker.replicaManager.delayedFetchCount === 1, 'the fetch to park');
    await produce('poll', ['woken']);
    const response = await parked;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(values(response.responses[0].partitions[0].records)).toEqual(['woken']);
    other.close();
  });

  it('answers empty after max_wait_ms when nothing arrives', async () => {
    const started = Date.now();
    const response = await fetch('poll', 1n, { maxWaitMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(response.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 1n });
    expect(values(response.responses[0].partitions[0].records)).toEqual([]);
  });

  it('returns the whole batch holding a mid-batch offset, and at least one batch over the limits', async () => {
    await server.broker.broker.metadata.createTopic('mid', { numPartitions: 1 });
    await produce('mid', ['a', 'b', 'c']);
    await produce('mid', ['d', 'e']);
    expect(values((await fetch('mid', 1n)).responses[0].partitions[0].records)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(values((await fetch('mid', 4n)).responses[0].partitions[0].records)).toEqual(['d', 'e']);
    expect(values((await fetch('mid', 0n, { maxBytes: 10, partitionMaxBytes: 10 })).responses[0].partitions[0].records)).toEqual(['a', 'b', 'c']);
  });

  it('answers OFFSET_OUT_OF_RANGE past the high watermark, with the partition’s offsets', async () => {
    const partition = (await fetch('mid', 99n)).responses[0].partitions[0];
    expect(partition).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: 5n, logStartOffset: 0n });
  });

  it('releases the segment views once the response is written', async () => {
    const log = nativeLogOf(server.broker.broker.logManager, 'mid', 0);
    const response = fetch('mid', 0n);
    expect(log.outstandingViews).toBe(0);
    await response;
    await pollUntil(() => log.outstandingViews === 0, 'views released');
  });

  it('answers a fetch parked on a deleted topic, and serves only new data after re-creation', async () => {
    const first = await server.broker.broker.metadata.createTopic('recreated', { numPartitions: 1 });
    await produce('recreated', ['old-1', 'old-2']);
    const other = await RawClient.connect(server.broker.bootstrap);
    const parked = fetch('recreated', 2n, { maxWaitMs: 20_000, on: other });
    await pollUntil(() => server.broker.broker.replicaManager.delayedFetchCount === 1, 'the fetch to park');
    await server.broker.broker.metadata.deleteTopic('recreated');
    expect((await parked).responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const second = await server.broker.broker.metadata.createTopic('recreated', { numPartitions: 1 });
    expect(second.topicId).not.toBe(first.topicId);
    await produce('recreated', ['new-1']);
    expect(values((await fetch('recreated', 0n)).responses[0].partitions[0].records)).toEqual(['new-1']);
    other.close();
  });
});

describe('list offsets', () => {
  it('answers earliest, latest, max timestamp, local and tiered earliest, and by time', async () => {
    await server.broker.broker.metadata.createTopic('times', { numPartitions: 1 });
    const base = BigInt(Date.now() - 10_000);
    for (let i = 0; i < 3; i++) {
      await server.client.request(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [
          {
            name: 'times',
            partitionData: [{ index: 0, records: native.buildRecordBatch({ values: [Buffer.from(`t${i}`)] }, { baseTimestamp: base + BigInt(i * 1000) }) }],
          },
        ],
      });
    }
    const ask = async (timestamp: bigint) =>
      (
        await server.client.request(ApiKey.ListOffsets, 9, {
          replicaId: -1,
          isolationLevel: 0,
          topics: [{ name: 'times', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
        })
      ).topics[0].partitions[0];
    expect(await ask(-2n)).toMatchObject({ errorCode: ErrorCode.NONE, offset: 0n });
    expect(await ask(-1n)).toMatchObject({ offset: 3n });
    expect(await ask(-3n)).toMatchObject({ offset: 2n, timestamp: base + 2000n });
    expect(await ask(-4n)).toMatchObject({ offset: 0n });
    expect(await ask(-5n)).toMatchObject({ offset: -1n });
    expect(await ask(base + 500n)).toMatchObject({ offset: 1n });
    expect(await ask(base + 50_000n)).toMatchObject({ offset: -1n });
  });
});

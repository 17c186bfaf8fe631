// Fetch with partitions the metadata does not know (Kafka's KafkaApis.handleFetchRequest): they are answered
// with their error but do not cut the long poll short for the others, and the error metric carries the
// error the wire carries (UNKNOWN_TOPIC_ID for an unknown id).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerMetrics } from '../../src/metrics/broker-metrics.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { pollUntil } from '../support/poll.js';
import { RawClient } from '../../bench/lib/raw-client.js';
import { fetchRequest } from '../../bench/lib/fetch-request.js';
import { parsePrometheusText, sampleValue } from '../metrics/prometheus-text.js';

let broker: TestBroker;
let client: RawClient;
const metrics = new BrokerMetrics({ apiName: (key) => (key === ApiKey.Fetch ? 'Fetch' : `api_${key}`) });

beforeAll(async () => {
  broker = await startBroker({}, { traffic: metrics });
  client = await RawClient.connect(broker.bootstrap);
});

afterAll(async () => {
  client?.close();
  await broker?.close();
});

function fetch(version: number, topics: { topic?: string; topicId?: string }[], maxWaitMs: number) {
  return client.request(ApiKey.Fetch, version, fetchRequest(topics, { maxWaitMs, isolationLevel: 1 }));
}

async function append(topic: string, value: string): Promise<void> {
  await broker.broker.replicaManager.appendRecords([{ topic, partition: 0, records: native.buildRecordBatch({ values: [Buffer.from(value)] }) }], {
    acks: 1,
    timeoutMs: 5_000,
  });
}

describe('fetch with partitions the metadata does not know', () => {
  it('parks for the known partitions and answers the unknown ones with their error', async () => {
    await broker.broker.metadata.createTopic('known-by-name', { numPartitions: 1 });
    const parked = fetch(12, [{ topic: 'never-created' }, { topic: 'known-by-name' }], 30_000);
    await pollUntil(() => broker.broker.replicaManager.delayedFetchCount === 1, 'the fetch to park');
    await append('known-by-name', 'woken');
    const response = await parked;
    expect(response.responses.map((t: any) => [t.topic, t.partitions[0].errorCode, t.partitions[0].records?.length > 0])).toEqual([
      ['never-created', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, false],
      ['known-by-name', ErrorCode.NONE, true],
    ]);
  });

  it('parks beside an unknown topic id (a deleted topic) and counts UNKNOWN_TOPIC_ID, the error on the wire', async () => {
    const known = await broker.broker.metadata.createTopic('known-by-id', { numPartitions: 1 });
    const unknownId = randomUUID();
    const parked = fetch(13, [{ topicId: unknownId }, { topicId: known.topicId }], 30_000);
    await pollUntil(() => broker.broker.replicaManager.delayedFetchCount === 1, 'the fetch to park');
    await append('known-by-id', 'woken');
    const response = await parked;
    expect(response.responses.map((t: any) => [t.topicId, t.partitions[0].errorCode])).toEqual([
      [unknownId, ErrorCode.UNKNOWN_TOPIC_ID],
      [known.topicId, ErrorCode.NONE],
    ]);
    const samples = parsePrometheusText((await metrics.scrape()).body);
    expect(sampleValue(samples, 'gregor_request_errors_total', { api: 'Fetch', error: 'UNKNOWN_TOPIC_ID' })).toBe(1);
    expect(sampleValue(samples, 'gregor_request_errors_total', { api: 'Fetch', error: 'UNKNOWN_TOPIC_OR_PARTITION' })).toBe(1);
  });

  it('answers at once when no partition is known (nothing to wait for)', async () => {
    const response = await fetch(12, [{ topic: 'never-created' }], 30_000);
    expect(response.responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(broker.broker.replicaManager.delayedFetchCount).toBe(0);
  });
});

// Client quotas enforced as Kafka does since KIP-219, with a real client: a kafkajs producer limited to
// 1 MiB/s by a <default> client-id quota achieves that rate within ±10% (measured after the burst a new
// client is allowed), keeps its connections, and responses over the quota carry throttle_time_ms; the
// quota's sensor is in the metrics; a consumer's fetch is capped to what its quota's windows allow. A client
// sending flat out gets in bursts: each time the window holding its last burst expires it may burst again,
// so a measurement's error depends on how many whole cycles it spans. With two windows (quota.window.num=2,
// cycles of ~2 s) the 30 s measurement spans about 15 cycles (within ±9% at any phase in a simulation
// of the sampler); Kafka's default 11 windows give cycles of ~11 s, measured in bench/quotas/run.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { fetchRequest } from '../../bench/lib/fetch-request.js';
import { produceFlatOut } from '../../bench/lib/throttled-producer.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { BrokerMetrics } from '../../src/metrics/broker-metrics.js';
import { native } from '../../src/storage/native.js';
import { type TestBroker, startBroker } from '../support/broker.js';

const LIMIT = 1024 * 1024;

let broker: TestBroker;
let admin: RawClient;

beforeAll(async () => {
  broker = await startBroker({ 'quota.window.num': 2 });
  admin = await RawClient.connect(broker.bootstrap);
  const altered = await admin.request(ApiKey.AlterClientQuotas, 1, {
    entries: [{ entity: [{ entityType: 'client-id', entityName: null }], ops: [{ key: 'producer_byte_rate', value: LIMIT, remove: false }] }],
    validateOnly: false,
  });
  expect(altered.entries[0].errorCode).toBe(ErrorCode.NONE);
}, 60_000);

afterAll(async () => {
  admin?.close();
  await broker?.close();
});

function escapeRegExp(text: string): string {
  return text.replace(/[{}"=,]/g, (c) => `\\${c}`);
}

async function fetchOnce(client: RawClient, topic: string, offset: bigint, partitionMaxBytes: number) {
  return client.request(ApiKey.Fetch, 11, fetchRequest({ topic, fetchOffset: offset, partitionMaxBytes }, { maxBytes: 10 * 1024 * 1024, isolationLevel: 1 }));
}

describe('producer_byte_rate', () => {
  it('holds a kafkajs producer to 1 MiB/s within ±10%, without reconnects', async () => {
    const result = await produceFlatOut({ bootstrap: broker.bootstrap, topic: 'quota-limited', clientId: 'quota-producer', seconds: 36, warmupSeconds: 4 });
    expect(result.measuredSeconds).toBeGreaterThanOrEqual(30);
    expect(result.bytesPerSecond).toBeGreaterThan(LIMIT * 0.9);
    expect(result.bytesPerSecond).toBeLessThan(LIMIT * 1.1);
    expect(result.socketsOpened).toBeLessThanOrEqual(3);
    const sensor = [...broker.broker.services.quotas.sensorStates()].find((s) => s.clientId === 'quota-producer');
    expect(sensor).toMatchObject({ quota: 'producer_byte_rate', user: '', limit: LIMIT });
    expect(sensor!.throttleTimeMsTotal).toBeGreaterThan(0);
    const metrics = new BrokerMetrics();
    metrics.setStateSource({ quotaSensors: () => broker.broker.services.quotas.sensorStates() });
    const { body } = await metrics.scrape();
    const labels = '{quota="producer_byte_rate",user="",client_id="quota-producer"}';
    expect(Number(body.match(new RegExp(`^gregor_client_quota_throttle_time_ms_total${escapeRegExp(labels)} (\\S+)$`, 'm'))?.[1])).toBe(
      sensor!.throttleTimeMsTotal,
    );
    expect(body).toMatch(new RegExp(`^gregor_client_quota_limit${escapeRegExp(labels)} ${LIMIT}$`, 'm'));
    expect(body).toMatch(new RegExp(`^gregor_client_quota_rate${escapeRegExp(labels)} \\d`, 'm'));
  }, 60_000);

  it('answers produces over the quota at once with throttle_time_ms set', async () => {
    // A new client may burst limit × (windows − 1) × window = 1 MiB; the second 900 KiB request goes over it.
    const records = native.buildRecordBatch({ values: [Buffer.alloc(900 * 1024, 'x')] });
    const throttles: number[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await admin.request(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'quota-limited', partitionData: [{ index: 0, records }] }],
      });
      expect(response.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
      throttles.push(response.throttleTimeMs);
    }
    expect(throttles[0]).toBe(0);
    expect(throttles[1]).toBeGreaterThan(0);
  }, 30_000);
});

describe('consumer_byte_rate', () => {
  it('answers a fetch over the quota empty, with throttle_time_ms, and does not count its bytes', async () => {
    const consumer = await RawClient.connect(broker.bootstrap);
    await broker.broker.metadata.createTopic('quota-fetched');
    const batch = native.buildRecordBatch({ values: [Buffer.alloc(200 * 1024, 'f')] });
    const producer = await RawClient.connect(broker.bootstrap);
    for (let i = 0; i < 2; i++) {
      const produced = await producer.request(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'quota-fetched', partitionData: [{ index: 0, records: Buffer.from(batch) }] }],
      });
      expect(produced.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    }
    producer.close();
    // raw-test may take 300 KiB in its first second: one 200 KiB batch passes, the second goes over.
    const altered = await admin.request(ApiKey.AlterClientQuotas, 1, {
      entries: [{ entity: [{ entityType: 'client-id', entityName: 'raw-test' }], ops: [{ key: 'consumer_byte_rate', value: 300 * 1024, remove: false }] }],
      validateOnly: false,
    });
    expect(altered.entries[0].errorCode).toBe(ErrorCode.NONE);
    const first = await fetchOnce(consumer, 'quota-fetched', 0n, 250 * 1024);
    expect(first.throttleTimeMs).toBe(0);
    expect(first.responses[0].partitions[0].records.length).toBeGreaterThan(200 * 1024);
    const second = await fetchOnce(consumer, 'quota-fetched', 1n, 250 * 1024);
    expect(second.throttleTimeMs).toBeGreaterThan(0);
    expect(second.responses).toEqual([]);
    const sensor = [...broker.broker.services.quotas.sensorStates()].find((s) => s.quota === 'consumer_byte_rate' && s.clientId === 'raw-test');
    expect(sensor!.throttledCount).toBe(1);
    // Only the first answer counts: the unanswered 200 KiB would have put the rate over 400 KiB/s.
    expect(sensor!.rate).toBeLessThan(300 * 1024);
    consumer.close();
  }, 30_000);

  it("caps a consumer's fetch to what its quota's windows allow (Kafka's getMaxValueInQuotaWindow), where an unlimited client gets everything", async () => {
    await broker.broker.metadata.createTopic('quota-capped');
    const producer = await RawClient.connect(broker.bootstrap);
    for (let i = 0; i < 8; i++) {
      const produced = await producer.request(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'quota-capped', partitionData: [{ index: 0, records: native.buildRecordBatch({ values: [Buffer.alloc(64 * 1024, 'c')] }) }] }],
      });
      expect(produced.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    }
    producer.close();
    // 100 KiB/s over quota.window.num=2: one window's worth, 100 KiB, in one response; a 64 KiB batch fits, two do not.
    const altered = await admin.request(ApiKey.AlterClientQuotas, 1, {
      entries: [
        { entity: [{ entityType: 'client-id', entityName: 'capped-consumer' }], ops: [{ key: 'consumer_byte_rate', value: 100 * 1024, remove: false }] },
      ],
      validateOnly: false,
    });
    expect(altered.entries[0].errorCode).toBe(ErrorCode.NONE);
    const capped = await RawClient.connect(broker.bootstrap, 'capped-consumer');
    const uncapped = await RawClient.connect(broker.bootstrap, 'uncapped-consumer');
    try {
      const limited = (await fetchOnce(capped, 'quota-capped', 0n, 10 * 1024 * 1024)).responses[0].partitions[0].records as Buffer;
      expect(limited.length).toBeGreaterThan(64 * 1024);
      expect(limited.length).toBeLessThan(100 * 1024);
      const everything = (await fetchOnce(uncapped, 'quota-capped', 0n, 10 * 1024 * 1024)).responses[0].partitions[0].records as Buffer;
      expect(everything.length).toBeGreaterThan(8 * 64 * 1024);
    } finally {
      capped.close();
      uncapped.close();
    }
  }, 30_000);
});

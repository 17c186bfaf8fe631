// Kafka's request phases on a running broker's /metrics after produce (acks=1, acks=all, acks=0) and fetch
// (answered at once, and parked until max_wait_ms), under gregor's and Kafka's names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminServer } from '../../src/metrics/admin-server.js';
import { BrokerMetrics } from '../../src/metrics/broker-metrics.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { native } from '../../src/storage/native.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { pollUntil } from '../support/poll.js';
import { RawClient } from '../../bench/lib/raw-client.js';
import { fetchRequest } from '../../bench/lib/fetch-request.js';
import { parsePrometheusText, sampleValue, type Sample } from './prometheus-text.js';

const TOPIC = 'timed';
const PHASES = ['queue_time', 'local_time', 'remote_time', 'response_queue_time', 'response_send_time', 'total_time'];
const KAFKA_PHASES = ['requestqueuetimems', 'localtimems', 'remotetimems', 'responsequeuetimems', 'responsesendtimems', 'totaltimems'];

let metrics: BrokerMetrics;
let admin: AdminServer;
let broker: TestBroker;
let client: RawClient;

beforeAll(async () => {
  metrics = new BrokerMetrics({ kafkaNames: true, apiName: (key) => ApiKey[key] ?? `api_${key}` });
  admin = await AdminServer.start({ host: '127.0.0.1', port: 0 }, metrics);
  broker = await startBroker({}, { observeRequest: metrics.requestObserver() });
  await broker.broker.metadata.createTopic(TOPIC, { numPartitions: 1 });
  client = await RawClient.connect(broker.bootstrap);
});

afterAll(async () => {
  client?.close();
  await broker?.close();
  await admin?.close();
});

function produce(acks: number) {
  const body = {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: native.buildRecordBatch({ values: [Buffer.from('v')] }) }] }],
  };
  if (acks === 0) return client.send(ApiKey.Produce, 9, body);
  return client.request(ApiKey.Produce, 9, body);
}

function fetch(offset: bigint, maxWaitMs: number) {
  return client.request(ApiKey.Fetch, 11, fetchRequest({ topic: TOPIC, fetchOffset: offset }, { maxWaitMs }));
}

async function scrape(): Promise<Sample[]> {
  const response = await globalThis.fetch(`http://127.0.0.1:${admin.address.port}/metrics`);
  return parsePrometheusText(await response.text());
}

describe('request metrics of a running broker', () => {
  it('reports every phase of Produce and Fetch, and a parked fetch’s wait as remote time', async () => {
    await produce(1);
    await produce(-1);
    produce(0);
    await fetch(0n, 0);
    // Nothing after offset 3: parks until max_wait_ms.
    await fetch(3n, 50);
    await pollUntil(
      async () => sampleValue(await scrape(), 'gregor_request_total_time_seconds_count', { api: 'Produce' }) === 3,
      'the acks=0 produce to be counted',
    );

    const samples = await scrape();
    const count = (phase: string, api: string) => sampleValue(samples, `gregor_request_${phase}_seconds_count`, { api });
    for (const phase of PHASES) {
      expect(count(phase, 'Produce')).toBe(3);
      expect(count(phase, 'Fetch')).toBe(2);
    }
    for (const phase of KAFKA_PHASES) {
      expect(sampleValue(samples, `kafka_network_requestmetrics_${phase}_count`, { request: 'Fetch' })).toBe(2);
      expect(sampleValue(samples, `kafka_network_requestmetrics_${phase}`, { request: 'Produce', quantile: '0.99' })).toBeGreaterThanOrEqual(0);
    }
    const sum = (phase: string, api: string) => sampleValue(samples, `gregor_request_${phase}_seconds_sum`, { api })!;
    // The parked fetch waited out its 50 ms max_wait_ms, parked: remote time, not local.
    expect(sum('remote_time', 'Fetch')).toBeGreaterThanOrEqual(0.04);
    expect(sampleValue(samples, 'gregor_request_remote_time_seconds_bucket', { api: 'Fetch', le: '0.02' })).toBe(1);
    // acks=all waited for its flush.
    expect(sum('remote_time', 'Produce')).toBeGreaterThan(0);
    for (const api of ['Produce', 'Fetch']) {
      const phases = PHASES.slice(0, 5).reduce((total, phase) => total + sum(phase, api), 0);
      expect(phases).toBeCloseTo(sum('total_time', api), 6);
    }
  });
});

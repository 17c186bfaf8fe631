import { afterEach, describe, expect, it } from 'vitest';
import { AdminServer, parseHostPort } from '../../src/metrics/admin-server.js';
import { BrokerMetrics, countRecords } from '../../src/metrics/broker-metrics.js';
import { mappedSegmentBytes } from '../../src/metrics/mapped-memory.js';
import { RequestTiming } from '../../src/metrics/request-timing.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

async function scrape(metrics: BrokerMetrics) {
  return parsePrometheusText((await metrics.scrape()).body);
}

/** A request of `apiKey` whose response was ready `untilResponseMs` after its frame, timed on a fake clock. */
function timedRequest(apiKey: number, untilResponseMs: number, errorCode: ErrorCode): RequestTiming {
  let now = 1000;
  const timing = new RequestTiming(() => now);
  timing.apiKey = apiKey;
  timing.errorCode = errorCode;
  timing.handlerStarted();
  now += untilResponseMs;
  timing.responseReady();
  return timing;
}

describe('BrokerMetrics', () => {
  it('exports per-topic counters, request latency and errors by Kafka name', async () => {
    const metrics = new BrokerMetrics({ apiName: (key) => (key === 0 ? 'Produce' : `api_${key}`) });
    const orders = metrics.topic('orders');
    orders.bytesIn += 1000;
    orders.recordsIn += 10;
    metrics.topic('orders').bytesOut += 500;
    const observer = metrics.requestObserver();
    observer.requestCompleted(timedRequest(0, 2, ErrorCode.NONE));
    observer.requestCompleted(timedRequest(0, 3, ErrorCode.MESSAGE_TOO_LARGE));
    metrics.api(0).error(ErrorCode.MESSAGE_TOO_LARGE);
    metrics.setStateSource({ connectionCount: () => 1 });

    const samples = await scrape(metrics);
    expect(sampleValue(samples, 'gregor_topic_bytes_in_total', { topic: 'orders' })).toBe(1000);
    expect(sampleValue(samples, 'gregor_topic_records_in_total', { topic: 'orders' })).toBe(10);
    expect(sampleValue(samples, 'gregor_topic_bytes_out_total', { topic: 'orders' })).toBe(500);
    expect(sampleValue(samples, 'gregor_request_duration_seconds_count', { api: 'Produce' })).toBe(2);
    expect(sampleValue(samples, 'gregor_request_duration_seconds_bucket', { api: 'Produce', le: '0.001' })).toBe(0);
    expect(sampleValue(samples, 'gregor_request_duration_seconds_bucket', { api: 'Produce', le: '0.0025' })).toBe(1);
    expect(sampleValue(samples, 'gregor_request_duration_seconds_bucket', { api: 'Produce', le: '0.005' })).toBe(2);
    expect(sampleValue(samples, 'gregor_request_duration_seconds_bucket', { api: 'Produce', le: '+Inf' })).toBe(2);
    expect(sampleValue(samples, 'gregor_request_duration_seconds_sum', { api: 'Produce' })).toBeCloseTo(0.005, 9);
    expect(sampleValue(samples, 'gregor_request_errors_total', { api: 'Produce', error: 'MESSAGE_TOO_LARGE' })).toBe(2);
    expect(sampleValue(samples, 'gregor_connections')).toBe(1);
    expect(sampleValue(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(samples.some((s) => s.name.startsWith('kafka_'))).toBe(false);
    // Not reported by this broker: no sample rather than a misleading 0.
    expect(sampleValue(samples, 'gregor_worker_queue_depth')).toBeUndefined();

    orders.bytesIn += 24;
    expect(sampleValue(await scrape(metrics), 'gregor_topic_bytes_in_total', { topic: 'orders' })).toBe(1024);
    metrics.forgetTopic('orders');
    expect(sampleValue(await scrape(metrics), 'gregor_topic_bytes_in_total', { topic: 'orders' })).toBeUndefined();
  });

  it('reads partitions, log sizes, group lag and the worker queue from the broker at scrape time', async () => {
    const metrics = new BrokerMetrics();
    metrics.setStateSource({
      partitions: () => [
        { topic: 'a', partition: 0, sizeBytes: 100, logStartOffset: 0n, logEndOffset: 7n },
        { topic: 'a', partition: 1, sizeBytes: 50, logStartOffset: 2n, logEndOffset: 5n },
      ],
      consumerGroupLag: async () => [
        { group: 'g', topic: 'a', partition: 0, lag: 4n },
        { group: 'g', topic: 'a', partition: 1, lag: 1n },
      ],
      workerQueueDepth: () => 3,
      uncleanLeaderElections: () => 2,
    });
    const samples = await scrape(metrics);
    expect(sampleValue(samples, 'gregor_topic_partitions', { topic: 'a' })).toBe(2);
    expect(sampleValue(samples, 'gregor_topic_log_size_bytes', { topic: 'a' })).toBe(150);
    expect(sampleValue(samples, 'gregor_topic_log_records', { topic: 'a' })).toBe(10);
    expect(sampleValue(samples, 'gregor_consumer_group_lag', { group: 'g', topic: 'a' })).toBe(5);
    expect(sampleValue(samples, 'gregor_worker_queue_depth')).toBe(3);
    expect(sampleValue(samples, 'gregor_unclean_leader_elections_total')).toBe(2);
  });

  it('reads replication’s health at scrape time, under gregor’s names and, when asked, the JMX exporter’s', async () => {
    const source = {
      offlinePartitions: () => 1,
      replication: () => ({
        underReplicatedPartitions: 2,
        underMinIsrPartitions: 1,
        isrShrinks: 3,
        isrExpands: 4,
        followerFetchRequests: 50,
        maxFollowerLag: 7n,
      }),
    };
    const metrics = new BrokerMetrics();
    metrics.setStateSource(source);
    const samples = await scrape(metrics);
    expect(sampleValue(samples, 'gregor_under_replicated_partitions')).toBe(2);
    expect(sampleValue(samples, 'gregor_under_min_isr_partitions')).toBe(1);
    expect(sampleValue(samples, 'gregor_offline_partitions')).toBe(1);
    expect(sampleValue(samples, 'gregor_isr_shrinks_total')).toBe(3);
    expect(sampleValue(samples, 'gregor_isr_expands_total')).toBe(4);
    expect(sampleValue(samples, 'gregor_replica_fetcher_max_lag')).toBe(7);
    expect(sampleValue(samples, 'gregor_follower_fetch_requests_total')).toBe(50);
    const kafka = new BrokerMetrics({ kafkaNames: true });
    kafka.setStateSource(source);
    const kafkaSamples = await scrape(kafka);
    expect(sampleValue(kafkaSamples, 'kafka_server_replicamanager_underreplicatedpartitions')).toBe(2);
    expect(sampleValue(kafkaSamples, 'kafka_server_replicamanager_underminisrpartitioncount')).toBe(1);
    expect(sampleValue(kafkaSamples, 'kafka_controller_kafkacontroller_offlinepartitionscount')).toBe(1);
    expect(sampleValue(kafkaSamples, 'kafka_server_replicamanager_isrshrinks_total')).toBe(3);
    expect(sampleValue(kafkaSamples, 'kafka_server_replicamanager_isrexpands_total')).toBe(4);
    expect(sampleValue(kafkaSamples, 'kafka_server_replicafetchermanager_maxlag')).toBe(7);
  });

  it('adds the JMX exporter names of BrokerTopicMetrics when asked', async () => {
    const metrics = new BrokerMetrics({ kafkaNames: true });
    metrics.topic('a').bytesIn += 10;
    metrics.topic('b').bytesIn += 5;
    metrics.topic('b').recordsIn += 2;
    metrics.fetched('a', [], ErrorCode.OFFSET_OUT_OF_RANGE);
    const samples = await scrape(metrics);
    const bytesIn = samples.filter((s) => s.name === 'kafka_server_brokertopicmetrics_bytesin_total');
    expect(bytesIn).toEqual([
      { name: 'kafka_server_brokertopicmetrics_bytesin_total', labels: { topic: 'a' }, value: 10 },
      { name: 'kafka_server_brokertopicmetrics_bytesin_total', labels: { topic: 'b' }, value: 5 },
      { name: 'kafka_server_brokertopicmetrics_bytesin_total', labels: {}, value: 15 },
    ]);
    expect(sampleValue(samples, 'kafka_server_brokertopicmetrics_messagesin_total', { topic: 'b' })).toBe(2);
    expect(sampleValue(samples, 'kafka_server_brokertopicmetrics_failedfetchrequests_total')).toBe(1);
    expect(sampleValue(samples, 'kafka_server_brokertopicmetrics_failedproducerequests_total')).toBe(0);
  });
});

/** A record batch v2 header (and filler) with `records` as its count: what the counters read. */
function batch(records: number, size = 100): Buffer {
  const b = Buffer.alloc(size);
  b.writeInt32BE(size - 12, 8);
  b.writeInt32BE(records, 57);
  return b;
}

describe('produce and fetch traffic', () => {
  it('counts bytes and records per topic from batch headers, and errors by code', async () => {
    const metrics = new BrokerMetrics({ apiName: (key) => ['Produce', 'Fetch'][key] ?? `api_${key}` });
    metrics.produced('t', batch(5), ErrorCode.NONE);
    metrics.produced('t', batch(3, 70), ErrorCode.NONE);
    metrics.produced('t', batch(9), ErrorCode.CORRUPT_MESSAGE);
    metrics.fetched('t', [Buffer.concat([batch(5), batch(3, 70)]), batch(2, 80)], ErrorCode.NONE);
    metrics.fetched('t', [], ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const samples = await scrape(metrics);
    expect(sampleValue(samples, 'gregor_topic_bytes_in_total', { topic: 't' })).toBe(170);
    expect(sampleValue(samples, 'gregor_topic_records_in_total', { topic: 't' })).toBe(8);
    expect(sampleValue(samples, 'gregor_topic_bytes_out_total', { topic: 't' })).toBe(250);
    expect(sampleValue(samples, 'gregor_topic_records_out_total', { topic: 't' })).toBe(10);
    expect(sampleValue(samples, 'gregor_request_errors_total', { api: 'Produce', error: 'CORRUPT_MESSAGE' })).toBe(1);
    expect(sampleValue(samples, 'gregor_request_errors_total', { api: 'Fetch', error: 'NOT_LEADER_OR_FOLLOWER' })).toBe(1);
  });

  it('reads a count per batch and stops at a partial trailing header', () => {
    expect(countRecords(Buffer.concat([batch(1), batch(2), batch(4), Buffer.alloc(30)]))).toBe(7);
    expect(countRecords(Buffer.alloc(0))).toBe(0);
  });
});

describe('mappedSegmentBytes', () => {
  it('sums mappings of segment files by kind, deleted ones included', () => {
    const maps = [
      '7f0000000000-7f0000100000 rw-s 00000000 08:01 1234   /data/t-0/00000000000000000000.log',
      '7f0000100000-7f0000101000 rw-s 00000000 08:01 1235   /data/t-0/00000000000000000000.index',
      '7f0000200000-7f0000300000 r--s 00000000 08:01 1236   /data/t-0/00000000000000000042.log (deleted)',
      '7f0000300000-7f0000400000 r-xp 00000000 08:01 99     /usr/lib/libc.so.6',
      '7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0      [stack]',
    ].join('\n');
    expect(mappedSegmentBytes(maps)).toEqual(
      new Map([
        ['log', 0x200000],
        ['index', 0x1000],
      ]),
    );
  });
});

describe('AdminServer', () => {
  let admin: AdminServer | undefined;
  afterEach(async () => admin?.close());

  it('serves /metrics, /health/live and /health/ready', async () => {
    const metrics = new BrokerMetrics();
    admin = await AdminServer.start({ host: '127.0.0.1', port: 0 }, metrics);
    const base = `http://127.0.0.1:${admin.address.port}`;
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const notReady = await fetch(`${base}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not ready' });
    admin.setReady(true);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    metrics.topic('t').bytesIn += 3;
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(sampleValue(parsePrometheusText(await response.text()), 'gregor_topic_bytes_in_total', { topic: 't' })).toBe(3);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('parses host:port listeners', () => {
    expect(parseHostPort('127.0.0.1:9644')).toEqual({ host: '127.0.0.1', port: 9644 });
    expect(parseHostPort(':9644')).toEqual({ host: '', port: 9644 });
    expect(parseHostPort('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseHostPort('9644')).toThrow(/host:port/);
    expect(() => parseHostPort('h:70000')).toThrow(/host:port/);
  });
});

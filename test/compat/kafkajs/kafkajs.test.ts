// kafkajs 2.2.4 (non-flexible versions) against a broker on an ephemeral port: topic admin, keyed produce to
// 6 partitions with per-partition order, keys and headers intact, every codec, records near max.message.bytes.
// Records are read back with kcat (ListOffsets + Fetch without a group).
import { CompressionCodecs, CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../../support/broker.js';
import { LZ4Codec, SnappyCodec } from '../../support/kafkajs-codecs.js';
import { consumeAll } from '../../support/kcat.js';

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec as (typeof CompressionCodecs)[CompressionTypes.Snappy];
if (LZ4Codec) CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec as (typeof CompressionCodecs)[CompressionTypes.LZ4];

let broker: TestBroker;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startBroker({ 'message.max.bytes': 256 * 1024, 'group.initial.rebalance.delay.ms': 0 });
  kafka = new Kafka({ clientId: 'gregor-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
});

afterAll(async () => {
  await broker?.close();
});

describe('kafkajs', () => {
  it('creates, lists, describes and deletes topics', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'admin-a', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '60000' }] }] })).toBe(
        true,
      );
      expect(await admin.listTopics()).toContain('admin-a');
      const metadata = await admin.fetchTopicMetadata({ topics: ['admin-a'] });
      expect(metadata.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
      expect(await admin.createTopics({ topics: [{ topic: 'admin-a' }] })).toBe(false);
      const configs = await admin.describeConfigs({ resources: [{ type: 2, name: 'admin-a', configNames: ['retention.ms'] }], includeSynonyms: false });
      expect(configs.resources[0]!.configEntries[0]).toMatchObject({ configName: 'retention.ms', configValue: '60000' });
      await admin.deleteTopics({ topics: ['admin-a'] });
      expect(await admin.listTopics()).not.toContain('admin-a');
    } finally {
      await admin.disconnect();
    }
  });

  it('produces keyed records to 6 partitions; each partition keeps order, keys and headers', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'keyed', numPartitions: 6 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const keys = Array.from({ length: 24 }, (_, i) => `key-${i}`);
    const partitionOfKey = new Map<string, number>();
    for (let round = 0; round < 5; round++) {
      const results = await producer.send({
        topic: 'keyed',
        acks: -1,
        messages: keys.map((key) => ({ key, value: `${key}:${round}`, headers: { round: String(round), key } })),
      });
      expect(results.every((r) => r.errorCode === 0)).toBe(true);
    }
    await producer.disconnect();
    const records = await consumeAll(broker.bootstrap, 'keyed');
    expect(records).toHaveLength(keys.length * 5);
    expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(1);
    for (const record of records) {
      const seen = partitionOfKey.get(record.key!);
      if (seen !== undefined) expect(record.partition).toBe(seen);
      partitionOfKey.set(record.key!, record.partition);
      expect(record.payload!.startsWith(`${record.key}:`)).toBe(true);
      expect(record.headers).toEqual(['round', record.payload!.split(':')[1], 'key', record.key]);
    }
    for (const key of keys) {
      const rounds = records.filter((r) => r.key === key).map((r) => Number(r.payload!.split(':')[1]));
      expect(rounds).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('consumes from the beginning with a kafkajs consumer: per-partition order, keys and headers', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'consumed', numPartitions: 6 }] });
    await admin.disconnect();
    const sent = Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 12}`, value: `v${i}`, headers: { n: String(i) } }));
    await producer.send({ topic: 'consumed', messages: sent });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'kafkajs-consumed', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'consumed', fromBeginning: true });
    const received: { partition: number; offset: string; key: string; value: string; n: string }[] = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({
            partition,
            offset: message.offset,
            key: message.key!.toString(),
            value: message.value!.toString(),
            n: message.headers!.n!.toString(),
          });
          if (received.length === sent.length) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();
    for (const message of sent) {
      const got = received.find((r) => r.value === message.value)!;
      expect(got).toMatchObject({ key: message.key, n: message.headers.n });
    }
    for (const key of new Set(sent.map((m) => m.key))) {
      const forKey = received.filter((r) => r.key === key);
      expect(new Set(forKey.map((r) => r.partition)).size).toBe(1);
      expect(forKey.map((r) => r.value)).toEqual(sent.filter((m) => m.key === key).map((m) => m.value));
    }
  });

  it.for([
    ['none', CompressionTypes.None],
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
  ] as const)('round-trips %s batches', async ([name, compression], context) => {
    if (compression === CompressionTypes.LZ4 && !LZ4Codec) context.skip('kafkajs-lz4 (node-gyp lz4) is not built for this Node');
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const topic = `codec-${name}`;
    const values = Array.from({ length: 50 }, (_, i) => `${name}-${i}-${'x'.repeat(i * 7)}`);
    await producer.send({ topic, compression, messages: values.map((value, i) => ({ key: String(i), value })) });
    await producer.disconnect();
    const records = await consumeAll(broker.bootstrap, topic);
    expect(records.map((r) => r.payload)).toEqual(values);
  });

  it('fails a transactional producer promptly instead of hanging (no transactions yet)', async () => {
    const producer = kafka.producer({ transactionalId: 'tx-1', idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
    await producer.connect();
    const started = Date.now();
    await expect(producer.transaction()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(15_000);
    await producer.disconnect();
  });

  it('accepts a record just under max.message.bytes and refuses one above with MESSAGE_TOO_LARGE', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 0 } });
    await producer.connect();
    try {
      const near = 'n'.repeat(256 * 1024 - 200);
      await producer.send({ topic: 'large', messages: [{ value: near }] });
      await expect(producer.send({ topic: 'large', messages: [{ value: 'n'.repeat(256 * 1024 + 10) }] })).rejects.toMatchObject({
        type: 'MESSAGE_TOO_LARGE',
      });
    } finally {
      await producer.disconnect();
    }
    const records = await consumeAll(broker.bootstrap, 'large');
    expect(records.map((r) => r.payload!.length)).toEqual([256 * 1024 - 200]);
  });
});

// Kafka's produce rules over the wire with crafted requests: versions, batch checks, acks, configs, and the
// idempotence protocol (reliability scenario R6) through InitProducerId and Produce.
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { useBrokerWithClient } from '../support/broker-with-client.js';
import { RawClient } from '../../bench/lib/raw-client.js';

const server = useBrokerWithClient();

function batch(values: string[], options: Parameters<typeof native.buildRecordBatch>[1] = {}): Buffer {
  return native.buildRecordBatch({ values: values.map((v) => Buffer.from(v)) }, options);
}

async function produce(
  topic: string,
  records: Buffer | null,
  { version = 9, acks = -1, partition = 0 } = {},
): Promise<{ errorCode: number; baseOffset: bigint; logAppendTimeMs: bigint }> {
  const response = await server.client.request(ApiKey.Produce, version, {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return response.responses[0].partitionResponses[0];
}

async function logEnd(topic: string): Promise<bigint> {
  return server.broker.broker.replicaManager.partition(topic, 0)!.logEndOffset;
}

describe('produce', () => {
  beforeAll(async () => {
    await server.broker.broker.metadata.createTopic('p', { numPartitions: 1 });
  });

  it('appends and answers the base offset', async () => {
    expect(await produce('p', batch(['a', 'b']))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await produce('p', batch(['c']))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2n });
  });

  it('answers Produce v0–2 with UNSUPPORTED_VERSION while advertising them', async () => {
    const versions = await server.client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    expect(versions.apiKeys.find((k: { apiKey: number }) => k.apiKey === ApiKey.Produce)).toMatchObject({ minVersion: 0, maxVersion: 11 });
    expect((await produce('p', batch(['x']), { version: 2 })).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('refuses, without appending: a bad CRC, two batches, a non-v2 batch, zstd below v7, an unknown partition', async () => {
    const before = await logEnd('p');
    const corrupt = batch(['y']);
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect((await produce('p', corrupt)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produce('p', Buffer.concat([batch(['a']), batch(['b'])]))).errorCode).toBe(ErrorCode.INVALID_RECORD);
    const magic1 = batch(['m']);
    magic1.writeInt8(1, 16);
    expect((await produce('p', magic1)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await produce('p', batch(['z'], { compression: 4 }), { version: 6 })).errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect((await produce('p', batch(['u']), { partition: 9 })).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await logEnd('p')).toBe(before);
  });

  it('applies topic configs: max.message.bytes, timestamps, LogAppendTime, min.insync.replicas', async () => {
    const metadata = server.broker.broker.metadata;
    await metadata.createTopic('small', { configs: { 'max.message.bytes': '200' } });
    expect((await produce('small', batch(['x'.repeat(300)]))).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    await metadata.createTopic('recent', { configs: { 'message.timestamp.before.max.ms': '60000' } });
    expect((await produce('recent', batch(['old'], { baseTimestamp: BigInt(Date.now() - 3_600_000) }))).errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect((await produce('recent', batch(['new']))).errorCode).toBe(ErrorCode.NONE);
    await metadata.createTopic('appended', { configs: { 'message.timestamp.type': 'LogAppendTime' } });
    const stamped = await produce('appended', batch(['t'], { baseTimestamp: 5n }));
    expect(stamped.logAppendTimeMs).toBeGreaterThan(BigInt(Date.now() - 60_000));
    await metadata.createTopic('isr', { configs: { 'min.insync.replicas': '2' } });
    expect((await produce('isr', batch(['i']), { acks: -1 })).errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect((await produce('isr', batch(['i']), { acks: 1 })).errorCode).toBe(ErrorCode.NONE);
    expect((await produce('isr', batch(['i']), { acks: 2 })).errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    await metadata.createTopic('compacted', { configs: { 'cleanup.policy': 'compact' } });
    expect((await produce('compacted', batch(['no key']))).errorCode).toBe(ErrorCode.INVALID_RECORD);
    const keyed = native.buildRecordBatch({ keys: [Buffer.from('k')], values: [Buffer.from('v')] });
    expect((await produce('compacted', keyed)).errorCode).toBe(ErrorCode.NONE);
  });

  it('recompresses to the topic’s compression.type, keeping records, keys, headers and producer fields', async () => {
    const metadata = server.broker.broker.metadata;
    for (const [topic, type, sentCodec, storedCodec] of [
      ['to-gzip', 'gzip', 0, 1],
      ['to-none', 'uncompressed', 3, 0],
      ['as-sent', 'producer', 2, 2],
    ] as const) {
      await metadata.createTopic(topic, { configs: { 'compression.type': type } });
      const sent = native.buildRecordBatch(
        { keys: [Buffer.from('k1'), null], values: [Buffer.from('v1'), Buffer.from('v2')], headers: [[{ key: 'h', value: Buffer.from('x') }], []] },
        { compression: sentCodec, producerId: 9n, producerEpoch: 1, baseSequence: 0 },
      );
      expect((await produce(topic, sent)).errorCode).toBe(ErrorCode.NONE);
      const read = server.broker.broker.replicaManager.partition(topic, 0)!.read(0n, 1 << 20, false);
      const stored = Buffer.from(read.views[0]!);
      read.release();
      expect(stored.readInt16BE(21) & 0x07).toBe(storedCodec);
      expect(stored.readBigInt64BE(43)).toBe(9n);
      const records = native.decodeRecordBatch(stored);
      expect(records.map((r) => [r.key?.toString() ?? null, r.value!.toString(), r.headers.map((h) => `${h.key}=${h.value}`)])).toEqual([
        ['k1', 'v1', ['h=x']],
        [null, 'v2', []],
      ]);
    }
  });

  it('sends nothing back for acks=0 and keeps answering later requests in order', async () => {
    const before = await logEnd('p');
    server.client.send(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: 'p', partitionData: [{ index: 0, records: batch(['q']) }] }],
    });
    expect((await produce('p', batch(['r']))).baseOffset).toBe(before + 1n);
  });

  it('closes the connection when an acks=0 produce fails, as Kafka does', async () => {
    const quiet = await RawClient.connect(server.broker.bootstrap);
    quiet.send(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: 'p', partitionData: [{ index: 7, records: batch(['lost']) }] }],
    });
    await quiet.closed;
  });

  it('refuses transactions cleanly', async () => {
    const init = await server.client.request(ApiKey.InitProducerId, 4, {
      transactionalId: 'tx',
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    });
    expect(init.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect((await produce('p', batch(['t'], { producerId: 5n, producerEpoch: 0, baseSequence: 0, transactional: true }))).errorCode).toBe(
      ErrorCode.INVALID_TXN_STATE,
    );
  });
});

describe('idempotent produce (R6)', () => {
  let producerId: bigint;

  beforeAll(async () => {
    await server.broker.broker.metadata.createTopic('idem', { numPartitions: 1 });
    const init = await server.client.request(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    });
    expect(init.errorCode).toBe(ErrorCode.NONE);
    producerId = init.producerId;
  });

  const send = (epoch: number, sequence: number, values: string[]) =>
    produce('idem', batch(values, { producerId, producerEpoch: epoch, baseSequence: sequence }));

  it('hands out a new producer id each time', async () => {
    const again = await server.client.request(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    });
    expect(again.producerId).not.toBe(producerId);
  });

  it('answers a duplicate of any of the last 5 batches with its original offset and appends nothing', async () => {
    const offsets: bigint[] = [];
    for (let i = 0; i < 6; i++) offsets.push((await send(0, i * 2, [`a${i}`, `b${i}`])).baseOffset);
    const end = await logEnd('idem');
    for (let i = 1; i < 6; i++) expect(await send(0, i * 2, [`a${i}`, `b${i}`])).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: offsets[i] });
    expect(await logEnd('idem')).toBe(end);
  });

  it('refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER and a stale epoch with INVALID_PRODUCER_EPOCH', async () => {
    expect((await send(0, 100, ['gap'])).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect((await send(1, 0, ['new-epoch'])).errorCode).toBe(ErrorCode.NONE);
    expect((await send(0, 12, ['stale'])).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('accepts any sequence from a producer id it has no state for (KIP-360)', async () => {
    expect((await produce('idem', batch(['late'], { producerId: 123_456n, producerEpoch: 3, baseSequence: 777 }))).errorCode).toBe(ErrorCode.NONE);
  });
});

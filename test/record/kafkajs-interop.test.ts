// Record batches cross-checked against kafkajs, a real Kafka client: what kafkajs encodes (with its gzip
// codec and the kafkajs-snappy and kafkajs-lz4 plugins) the engine decodes and validates, and what the
// engine builds kafkajs decodes. zstd has no kafkajs codec; it is checked against Node's zlib where
// Node has zstd (22.15+), and against libzstd's streaming frames in the Rust tests.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/storage/native.js';
import { LZ4Codec, SnappyCodec } from '../support/kafkajs-codecs.js';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any -- kafkajs internals are untyped CommonJS */
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (args: any) => Promise<{ buffer: Buffer }> };
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (args: any) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<any>;
const KafkaDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromValue(value: string | number): unknown };
const { Codecs, Types } = require('kafkajs/src/protocol/message/compression') as {
  Codecs: Record<number, () => unknown>;
  Types: { None: number; GZIP: number; Snappy: number; LZ4: number; ZSTD: number };
};
interface TestRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: bigint;
  headers: { key: string; value: Buffer }[];
}

const FIRST_TIMESTAMP = 1_700_000_000_000n;

function sampleRecords(count: number, valueSize: number): TestRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
    value: i % 5 === 4 ? null : Buffer.alloc(valueSize + i, `value-${i}|`),
    // Out of order on purpose: deltas may be negative, maxTimestamp is the largest.
    timestamp: FIRST_TIMESTAMP + BigInt((i * 7) % 11) - 3n,
    headers:
      i % 2 === 0
        ? []
        : [
            { key: 'trace', value: Buffer.from(`t${i}`) },
            { key: 'h2', value: Buffer.alloc(0) },
          ],
  }));
}

async function kafkajsBatch(records: TestRecord[], compression: number, baseOffset: bigint): Promise<Buffer> {
  const first = records[0]!.timestamp;
  // biome-ignore lint/complexity/useMathMinMax: timestamps are bigints, which Math.max does not take
  const max = records.reduce((m, r) => (r.timestamp > m ? r.timestamp : m), first);
  const encoded = records.map((record, offsetDelta) =>
    encodeRecord({
      offsetDelta,
      timestampDelta: Number(record.timestamp - first),
      key: record.key,
      value: record.value,
      headers: Object.fromEntries(record.headers.map((h) => [h.key, h.value])),
    }),
  );
  const batch = await RecordBatch({
    compression,
    firstOffset: Long.fromValue(baseOffset.toString()),
    firstTimestamp: Number(first),
    maxTimestamp: Number(max),
    lastOffsetDelta: records.length - 1,
    records: encoded,
  });
  return batch.buffer;
}

function ourBatch(records: TestRecord[], compression: number, baseOffset: bigint): Buffer {
  return native.buildRecordBatch(
    {
      values: records.map((r) => r.value),
      keys: records.map((r) => r.key),
      timestamps: BigInt64Array.from(records.map((r) => r.timestamp)),
      headers: records.map((r) => r.headers),
    },
    { compression, baseOffset },
  );
}

const CODECS = [
  ['none', 0],
  ['gzip', 1],
  ['snappy', 2],
  ['lz4', 3],
] as const;

beforeAll(() => {
  Codecs[Types.Snappy] = SnappyCodec;
  if (LZ4Codec) Codecs[Types.LZ4] = new LZ4Codec().codec;
});

describe.each(CODECS)('%s batches', (_name, codec) => {
  const records = sampleRecords(40, 300);
  const codecMissing = codec === Types.LZ4 && !LZ4Codec;

  it.skipIf(codecMissing)('encoded by kafkajs decode and validate in the engine', async () => {
    const batch = await kafkajsBatch(records, codec, 1234n);
    const [validated] = native.validateBatches(batch);
    expect(validated).toMatchObject({ position: 0, size: batch.length, compression: codec, recordsCount: 40, lastOffsetDelta: 39 });
    expect(validated!.maxTimestamp).toBe(FIRST_TIMESTAMP + 7n);

    const decoded = native.decodeRecordBatch(batch);
    expect(decoded).toHaveLength(records.length);
    decoded.forEach((record, i) => {
      const expected = records[i]!;
      expect(record.offset).toBe(1234n + BigInt(i));
      expect(record.timestamp).toBe(expected.timestamp);
      expect(record.key).toEqual(expected.key);
      expect(record.value).toEqual(expected.value);
      expect(record.headers).toEqual(expected.headers);
    });
  });

  it.skipIf(codecMissing)('built by the engine decode in kafkajs', async () => {
    const batch = ourBatch(records, codec, 99n);
    const decoded = await decodeBatch(new KafkaDecoder(batch));
    expect(decoded.lastOffsetDelta).toBe(39);
    expect(decoded.maxTimestamp).toBe((FIRST_TIMESTAMP + 7n).toString());
    expect(decoded.records).toHaveLength(records.length);
    decoded.records.forEach((record: any, i: number) => {
      const expected = records[i]!;
      expect(record.offset).toBe((99n + BigInt(i)).toString());
      expect(record.timestamp).toBe(expected.timestamp.toString());
      expect(record.key).toEqual(expected.key);
      expect(record.value).toEqual(expected.value);
      expect(record.headers).toEqual(Object.fromEntries(expected.headers.map((h) => [h.key, h.value])));
    });
  });

  it('agrees with kafkajs on the CRC', async () => {
    const batch = ourBatch(records, codec, 0n);
    const crcKafkajs = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
    expect(batch.readUInt32BE(17)).toBe(crcKafkajs(batch.subarray(21)) >>> 0);
  });
});

describe('codec framing', () => {
  const payload = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(3000));

  it('writes snappy in xerial framing, which kafkajs-snappy reads', async () => {
    const compressed = native.compress(2, payload);
    expect(compressed.subarray(0, 8)).toEqual(Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]));
    const snappy = SnappyCodec() as { decompress(buffer: Buffer): Promise<Buffer> };
    expect(await snappy.decompress(compressed)).toEqual(payload);
  });

  it('reads raw snappy as kafkajs-snappy writes it', async () => {
    const snappy = SnappyCodec() as { compress(encoder: { buffer: Buffer }): Promise<Buffer> };
    const raw = Buffer.from(await snappy.compress({ buffer: payload }));
    expect(native.decompress(2, raw)).toEqual(payload);
  });

  it.skipIf(!LZ4Codec)('reads lz4 frames with content checksums and 4 MiB blocks (the lz4 package) and writes frames it reads', async () => {
    const lz4 = new LZ4Codec!().codec() as {
      compress(encoder: { buffer: Buffer }): Promise<Buffer>;
      decompress(buffer: Buffer): Promise<Buffer>;
    };
    expect(native.decompress(3, await lz4.compress({ buffer: payload }))).toEqual(payload);
    expect(await lz4.decompress(native.compress(3, payload))).toEqual(payload);
  });

  it('reads and writes gzip as Node does', () => {
    expect(native.decompress(1, zlib.gzipSync(payload))).toEqual(payload);
    expect(zlib.gunzipSync(native.compress(1, payload))).toEqual(payload);
  });

  const zstd = zlib as unknown as {
    zstdCompressSync?: (buffer: Buffer) => Buffer;
    zstdDecompressSync?: (buffer: Buffer) => Buffer;
  };
  it.runIf(typeof zstd.zstdCompressSync === 'function')('reads and writes zstd as Node does', () => {
    expect(native.decompress(4, zstd.zstdCompressSync!(payload))).toEqual(payload);
    expect(zstd.zstdDecompressSync!(native.compress(4, payload))).toEqual(payload);
  });
});

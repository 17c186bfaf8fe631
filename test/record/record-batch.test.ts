// src/record: the header parser and single-field reads agree with the engine's builder, RecordBatchView
// reads every field of every record as the engine's object decoder does (fast-check), and recompression
// keeps the records while changing the codec.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { compressionAt, lastOffsetOf, LOG_OVERHEAD, readBatchHeader } from '../../src/record/batch.js';
import { buildRecordBatch } from '../../src/record/builder.js';
import { Compression, compressionNamed, compressionOf } from '../../src/record/compression.js';
import { recompress, targetCodec } from '../../src/record/recompress.js';
import { decodeRecords, RecordBatchView } from '../../src/record/records.js';
import { errorCodeOf } from '../support/error-code.js';

const CODECS = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

const nullableBuffer = fc.option(
  fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a)),
  { nil: null },
);
const record = fc.record({
  key: nullableBuffer,
  value: nullableBuffer,
  headers: fc.uniqueArray(fc.record({ key: fc.string({ maxLength: 8 }), value: nullableBuffer }), { maxLength: 3, selector: (h) => h.key }),
});

interface TestRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly { readonly key: string; readonly value: Buffer | null }[];
}

function build(records: readonly TestRecord[], compression: Compression): Buffer {
  return buildRecordBatch(
    {
      values: records.map((r) => r.value),
      keys: records.map((r) => r.key),
      timestamps: BigInt64Array.from(records, (_, i) => 1_000n + BigInt(i)),
      headers: records.map((r) => r.headers.map((h) => ({ key: h.key, value: h.value ?? undefined }))),
    },
    { compression, baseOffset: 40n, producerId: 7n, producerEpoch: 1, baseSequence: 3 },
  );
}

describe('record batch header', () => {
  it('parses what the builder wrote, and the single-field reads agree with it', () => {
    const batch = build(
      [
        { key: null, value: Buffer.from('a'), headers: [] },
        { key: null, value: null, headers: [] },
      ],
      Compression.Lz4,
    );
    const header = readBatchHeader(batch);
    expect(header).toMatchObject({
      baseOffset: 40n,
      sizeInBytes: batch.length,
      magic: 2,
      lastOffsetDelta: 1,
      producerId: 7n,
      producerEpoch: 1,
      baseSequence: 3,
      recordsCount: 2,
    });
    expect([compressionOf(header.attributes), compressionAt(batch)]).toEqual([Compression.Lz4, Compression.Lz4]);
    expect(lastOffsetOf(Buffer.concat([batch, batch]))).toBe(41n);
    expect(batch.readInt32BE(8) + LOG_OVERHEAD).toBe(batch.length);
    expect(compressionAt(batch.subarray(0, 22))).toBeUndefined();
  });

  it('refuses what is not a whole v2 batch', () => {
    const batch = build([{ key: null, value: Buffer.from('a'), headers: [] }], Compression.None);
    expect(errorCodeOf(() => readBatchHeader(batch.subarray(0, 60)))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(errorCodeOf(() => readBatchHeader(batch.subarray(0, batch.length - 1)))).toBe(ErrorCode.CORRUPT_MESSAGE);
    const v1 = Buffer.from(batch);
    v1.writeInt8(1, 16);
    expect(errorCodeOf(() => readBatchHeader(v1))).toBe(ErrorCode.INVALID_RECORD);
  });

  it('names codecs as clients and topics do', () => {
    expect(['none', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd', 'producer', 'constructor'].map(compressionNamed)).toEqual([
      0,
      0,
      1,
      2,
      3,
      4,
      undefined,
      undefined,
    ]);
  });
});

describe('RecordBatchView', () => {
  it.each(CODECS)('reads every record as the object decoder does (codec %i)', (codec) => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), (records) => {
        const batch = build(records, codec);
        const view = RecordBatchView.decode(batch);
        const viewed = Array.from({ length: view.count }, (_, i) => ({
          offset: view.offset(i),
          timestamp: view.timestamp(i),
          key: view.key(i),
          value: view.value(i),
          hasKey: view.hasKey(i),
          headers: view.headers(i),
        }));
        const decoded = decodeRecords(batch).map((r) => ({
          offset: r.offset,
          timestamp: r.timestamp,
          key: r.key,
          value: r.value,
          hasKey: r.key !== null,
          headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])),
        }));
        expect(viewed).toEqual(decoded);
      }),
      { numRuns: 30 },
    );
  });

  it('turns engine errors into KafkaErrors', () => {
    const batch = build([{ key: null, value: Buffer.from('a'), headers: [] }], Compression.None);
    batch[batch.length - 1]! ^= 0xff;
    expect(errorCodeOf(() => RecordBatchView.decode(batch))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(errorCodeOf(() => decodeRecords(batch))).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});

describe('recompress', () => {
  it('rewrites a batch only when the topic names another codec, keeping records and producer fields', () => {
    const records = [
      { key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('x') }] },
      { key: null, value: null, headers: [{ key: 'n', value: null }] },
    ];
    const batch = build(records, Compression.None);
    const header = readBatchHeader(batch);
    expect([targetCodec('producer', header), targetCodec('uncompressed', header), targetCodec('zstd', header)]).toEqual([
      undefined,
      undefined,
      Compression.Zstd,
    ]);
    const rewritten = recompress(batch, header, Compression.Zstd);
    expect(readBatchHeader(rewritten)).toMatchObject({ producerId: 7n, producerEpoch: 1, baseSequence: 3, recordsCount: 2 });
    expect(compressionAt(rewritten)).toBe(Compression.Zstd);
    const strip = (r: { key: Buffer | null; value: Buffer | null; timestamp: bigint; headers: unknown }) => [r.key, r.value, r.timestamp, r.headers];
    expect(decodeRecords(rewritten).map(strip)).toEqual(decodeRecords(batch).map(strip));
  });
});

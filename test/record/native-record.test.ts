// The record-batch N-API surface: builder → decoder round trips (fast-check), validation errors carrying
// Kafka's error names, and hostile input that must come back as a thrown error, never a crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { engineErrorCode } from '../../src/storage/errors.js';
import { ProducerBatch, StagingArea } from '../../src/embedded/producer-batch.js';
import { native } from '../../src/storage/native.js';

const CODECS = [0, 1, 2, 3, 4];

/** The Kafka error code a native error carries, read as the broker reads it (`engineErrorCode`). */
function engineErrorOf(action: () => unknown): ErrorCode {
  try {
    action();
  } catch (error) {
    const engine = engineErrorCode(error);
    if (!engine) throw error;
    return engine.code;
  }
  throw new Error('expected a native error');
}

const nullableBuffer = fc.option(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  { nil: null },
);
const record = fc.record({
  key: nullableBuffer,
  value: nullableBuffer,
  timestamp: fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 12 }), value: nullableBuffer }), { maxLength: 3 }),
});

type TestRecord = typeof record extends fc.Arbitrary<infer T> ? T : never;

function build(records: TestRecord[], compression: number, baseOffset = 0n): Buffer {
  return native.buildRecordBatch(
    {
      values: records.map((r) => r.value),
      keys: records.map((r) => r.key),
      timestamps: BigInt64Array.from(records.map((r) => r.timestamp)),
      headers: records.map((r) => r.headers.map((h) => ({ key: h.key, value: h.value ?? undefined }))),
    },
    { compression, baseOffset, producerId: 7n, producerEpoch: 1, baseSequence: 0 },
  );
}

/** What a consumer does with `decodeRecordBatchColumns`: record objects whose buffers are views of `bytes`. */
function recordsFromColumns(columns: ReturnType<typeof native.decodeRecordBatchColumns>) {
  const { bytes, offsetsAndTimestamps, recordSpans, headerSpans } = columns;
  const view = (start: number, length: number) => (length < 0 ? null : bytes.subarray(start, start + length));
  return Array.from({ length: offsetsAndTimestamps.length / 2 }, (_, i) => {
    const [keyStart, keyLength, valueStart, valueLength, firstHeader, headerCount] = recordSpans.subarray(6 * i, 6 * i + 6);
    return {
      offset: offsetsAndTimestamps[2 * i],
      timestamp: offsetsAndTimestamps[2 * i + 1],
      key: view(keyStart!, keyLength!),
      value: view(valueStart!, valueLength!),
      headers: Array.from({ length: headerCount! }, (_, h) => {
        const [hKeyStart, hKeyLength, hValueStart, hValueLength] = headerSpans.subarray(4 * (firstHeader! + h), 4 * (firstHeader! + h) + 4);
        return { key: bytes.toString('utf8', hKeyStart, hKeyStart! + hKeyLength!), value: view(hValueStart!, hValueLength!) };
      }),
    };
  });
}

describe('buildRecordBatch → decodeRecordBatch', () => {
  it('round-trips arbitrary records through every codec', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 30 }),
        fc.constantFrom(...CODECS),
        fc.bigInt({ min: 0n, max: 2n ** 53n }),
        (records, codec, baseOffset) => {
          const batch = build(records, codec, baseOffset);
          const [validated] = native.validateBatches(batch);
          expect(validated!.recordsCount).toBe(records.length);
          expect(validated!.compression).toBe(codec);
          const decoded = native.decodeRecordBatch(batch);
          expect(decoded).toEqual(
            records.map((r, i) => ({
              offset: baseOffset + BigInt(i),
              timestamp: r.timestamp,
              key: r.key,
              value: r.value,
              headers: r.headers,
            })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes to columns that describe the same records', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), fc.constantFrom(...CODECS), (records, codec) => {
        const batch = build(records, codec, 10n);
        expect(recordsFromColumns(native.decodeRecordBatchColumns(batch))).toEqual(native.decodeRecordBatch(batch));
      }),
      { numRuns: 200 },
    );
  });

  it('gives every record the base timestamp when no timestamps are passed', () => {
    const batch = native.buildRecordBatch({ values: [Buffer.from('a'), Buffer.from('b')] }, { baseTimestamp: 42n });
    expect(native.decodeRecordBatch(batch).map((r) => r.timestamp)).toEqual([42n, 42n]);
  });

  it('copies records out of the batch, so they outlive it, while columns of an uncompressed batch alias it', () => {
    const batch = native.buildRecordBatch({ values: [Buffer.from('value')] });
    const [decoded] = native.decodeRecordBatch(batch);
    const columns = native.decodeRecordBatchColumns(batch);
    expect(columns.bytes.buffer).toBe(batch.buffer);
    batch.fill(0);
    expect(decoded!.value).toEqual(Buffer.from('value'));
  });

  it('refuses columns of different lengths', () => {
    expect(() => native.buildRecordBatch({ values: [null, null], keys: [null] })).toThrow(/keys has 1 entries for 2 records/);
    expect(() => native.buildRecordBatch({ values: [null], timestamps: new BigInt64Array(2) })).toThrow(/timestamps/);
    expect(engineErrorOf(() => native.buildRecordBatch({ values: [null] }, { compression: 6 }))).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });
});

describe('buildPackedRecordBatch (the embedded producer staging)', () => {
  const staged = fc.record({
    key: nullableBuffer,
    value: fc.oneof(nullableBuffer, fc.string({ maxLength: 40 })),
    timestamp: fc.integer({ min: 0, max: 2 ** 52 }),
    headers: fc.dictionary(
      fc.string({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
      { maxKeys: 3 },
    ),
  });

  it('builds, on the calling thread (into a given buffer or a new one) or the pool, the batch buildRecordBatch builds from the same records', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(staged, { minLength: 1, maxLength: 40 }), fc.constantFrom(...CODECS), async (records, compression) => {
        // A tiny area, so staging has to grow its bytes, layout and timestamps.
        const packed = new ProducerBatch(new StagingArea(16));
        for (const r of records) packed.add(r.key, r.value, r.headers, r.timestamp);
        const expected = native.buildRecordBatch(
          {
            values: records.map((r) => (typeof r.value === 'string' ? Buffer.from(r.value) : r.value)),
            keys: records.map((r) => r.key),
            timestamps: BigInt64Array.from(records.map((r) => BigInt(r.timestamp))),
            headers: records.map((r) => Object.entries(r.headers).map(([key, value]) => ({ key, value }))),
          },
          { compression },
        );
        expect(native.buildPackedRecordBatch(packed.columns(), { compression })).toEqual(expected);
        // Into a caller's buffer when it fits (a view of it), else into a new one.
        const output = Buffer.alloc(expected.length + 8);
        const into = native.buildPackedRecordBatch(packed.columns(), { compression }, output);
        expect(into).toEqual(expected);
        expect(into.buffer).toBe(output.buffer);
        expect(native.buildPackedRecordBatch(packed.columns(), { compression }, Buffer.alloc(8))).toEqual(expected);
        expect(await native.buildPackedRecordBatchAsync(packed.columns(), { compression })).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('stamps records staged without a timestamp with the build time', () => {
    const packed = new ProducerBatch(new StagingArea(64));
    packed.add(null, 'a', undefined, -1);
    packed.add(null, 'b', undefined, 5);
    const before = BigInt(Date.now());
    const timestamps = native.decodeRecordBatch(native.buildPackedRecordBatch(packed.columns())).map((r) => r.timestamp);
    expect(timestamps[0]).toBeGreaterThanOrEqual(before);
    expect(timestamps[1]).toBe(5n);
  });

  it('refuses a layout that does not match the bytes', () => {
    const columns = { bytes: Buffer.from('abc'), layout: Int32Array.from([-1, 5, 0]), count: 1 };
    expect(engineErrorOf(() => native.buildPackedRecordBatch(columns))).toBe(ErrorCode.INVALID_RECORD);
    expect(engineErrorOf(() => native.buildPackedRecordBatch({ ...columns, count: 2 }))).toBe(ErrorCode.INVALID_RECORD);
  });

  it('rejects the async build of a bad layout with the engine error code', async () => {
    const columns = { bytes: Buffer.from('abc'), layout: Int32Array.from([-1, 5, 0]), count: 1 };
    await expect(native.buildPackedRecordBatchAsync(columns)).rejects.toMatchObject({ code: 'GREGOR_INVALID_RECORD' });
  });
});

describe('validateBatches', () => {
  const batch = native.buildRecordBatch({ values: [Buffer.from('one'), Buffer.from('two')] }, { producerId: 3n, producerEpoch: 0, baseSequence: 0 });

  it('accepts several batches back to back', () => {
    const input = Buffer.concat([batch, batch, batch]);
    expect(native.validateBatches(input).map((b) => [b.position, b.size])).toEqual([
      [0, batch.length],
      [batch.length, batch.length],
      [2 * batch.length, batch.length],
    ]);
  });

  it('maps each failure to its Kafka error', () => {
    const badCrc = Buffer.from(batch);
    badCrc[batch.length - 1]! ^= 1;
    expect(engineErrorOf(() => native.validateBatches(badCrc))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(engineErrorOf(() => native.validateBatches(batch.subarray(0, batch.length - 1)))).toBe(ErrorCode.CORRUPT_MESSAGE);

    const legacy = Buffer.from(batch);
    legacy[16] = 1;
    expect(engineErrorOf(() => native.validateBatches(legacy))).toBe(ErrorCode.INVALID_RECORD);
    expect(engineErrorOf(() => native.validateBatches(Buffer.alloc(0)))).toBe(ErrorCode.INVALID_RECORD);

    expect(engineErrorOf(() => native.validateBatches(batch, { maxBatchBytes: batch.length - 1 }))).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });

  it('refuses compression bombs', () => {
    const bomb = native.buildRecordBatch({ values: [Buffer.alloc(4 << 20)] }, { compression: 4 });
    expect(bomb.length).toBeLessThan(4096);
    expect(engineErrorOf(() => native.validateBatches(bomb, { maxDecompressedBytes: 1 << 20 }))).toBe(ErrorCode.INVALID_RECORD);
    expect(engineErrorOf(() => native.decodeRecordBatch(bomb, 1 << 20))).toBe(ErrorCode.INVALID_RECORD);
    expect(engineErrorOf(() => native.decompress(4, bomb.subarray(61), 1 << 20))).toBe(ErrorCode.INVALID_RECORD);
  });
});

describe('hostile input', () => {
  const valid = native.buildRecordBatch(
    { values: [Buffer.from('a'), null], keys: [Buffer.from('k'), null], headers: [[{ key: 'h', value: Buffer.from('v') }], null] },
    { compression: 0 },
  );

  /** Calls every decoder; each must return or throw a native error with a Kafka error name. */
  function decodeEverything(bytes: Buffer): void {
    const attempts: (() => unknown)[] = [
      () => native.validateBatches(bytes),
      () => native.decodeRecordBatch(bytes),
      () => native.decodeRecordBatchColumns(bytes),
      ...CODECS.map((codec) => () => native.decompress(codec, bytes, 1 << 20)),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
      } catch (error) {
        expect((error as { code?: unknown }).code).toMatch(/^GREGOR_[A-Z_]+$/);
      }
    }
  }

  it('arbitrary bytes only ever throw Kafka errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodeEverything(Buffer.from(bytes))),
      { numRuns: 500 },
    );
  });

  it('mutated valid batches only ever throw Kafka errors', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CODECS),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (codec, mutations) => {
          const batch = codec === 0 ? Buffer.from(valid) : native.buildRecordBatch({ values: [Buffer.from('x'.repeat(50))] }, { compression: codec });
          for (const [at, byte] of mutations) batch[at % batch.length] = byte;
          // Also with a recomputed CRC, so the record parser and the decompressors see the damage.
          decodeEverything(batch);
          batch.writeUInt32BE(native.crc32C(batch.subarray(21)), 17);
          decodeEverything(batch);
        },
      ),
      { numRuns: 500 },
    );
  });
});

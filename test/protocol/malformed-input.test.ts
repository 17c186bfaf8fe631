/**
 * Bytes the decoders were not made for: random bytes, and valid frames with bytes flipped, cut off or
 * inserted, must decode to some value or throw ProtocolError, nothing else; counts and lengths far beyond
 * the frame are refused before anything is allocated.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeData, decodeRequest, decodeRequestHeader, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/codec.js';
import { parseVersions } from '../../src/protocol/definition.js';
import { apiDefinitions } from '../../src/protocol/definitions/index.js';
import { consumerProtocolAssignment, consumerProtocolSubscription } from '../../src/protocol/definitions/consumer-protocol.js';
import { ProtocolError } from '../../src/protocol/protocol-error.js';
import { messageBody } from './arbitraries.js';

/** Runs `decode`; anything thrown must be a ProtocolError. */
function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
}

const cases = apiDefinitions.flatMap((api) => {
  const { min, max } = parseVersions(api.request.validVersions);
  return Array.from({ length: max - min + 1 }, (_, i) => [api.name, min + i, api] as const);
});

const randomBytes = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b));

/** A valid frame changed at random: bytes overwritten, the end cut off, or bytes inserted. */
function mutated(frame: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return fc
    .tuple(
      frame,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.nat(),
      fc.constantFrom('overwrite', 'truncate', 'insert'),
    )
    .map(([valid, edits, cut, how]) => {
      const bytes = Buffer.from(valid);
      if (bytes.length === 0) return bytes;
      if (how === 'truncate') return bytes.subarray(0, cut % bytes.length);
      if (how === 'insert') {
        const [at, value] = edits[0]!;
        const i = at % bytes.length;
        return Buffer.concat([bytes.subarray(0, i), Buffer.from([value]), bytes.subarray(i)]);
      }
      for (const [at, value] of edits) bytes[at % bytes.length] = value;
      return bytes;
    });
}

describe.each(cases)('%s v%i', (_name, version, api) => {
  it('request: random and mutated bytes decode or throw ProtocolError', () => {
    const valid = messageBody(api.request, version).map((body) =>
      Buffer.concat(encodeRequest({ apiKey: api.apiKey, apiVersion: version, correlationId: 1, clientId: 'c' }, body)).subarray(4),
    );
    fc.assert(
      fc.property(fc.oneof(randomBytes, mutated(valid)), (frame) => {
        decodesOrRefuses(() => decodeRequestHeader(frame));
        decodesOrRefuses(() => decodeRequest(api.apiKey, version, frame, 0));
      }),
      { numRuns: 60 },
    );
  });

  it('response: random and mutated bytes decode or throw ProtocolError', () => {
    const valid = messageBody(api.response, version).map((body) => Buffer.concat(encodeResponse(api.apiKey, version, 1, body)).subarray(4));
    fc.assert(
      fc.property(fc.oneof(randomBytes, mutated(valid)), (frame) => decodesOrRefuses(() => decodeResponse(api.apiKey, version, frame))),
      { numRuns: 60 },
    );
  });
});

it('consumer protocol payloads: random bytes decode or throw ProtocolError', () => {
  fc.assert(
    fc.property(randomBytes, (data) => {
      decodesOrRefuses(() => decodeData(consumerProtocolSubscription, data));
      decodesOrRefuses(() => decodeData(consumerProtocolAssignment, data));
    }),
    { numRuns: 500 },
  );
});

describe('counts and lengths beyond the frame are refused without allocating', () => {
  const heapAfter = (decode: () => unknown, why: RegExp): number => {
    const before = process.memoryUsage().heapUsed;
    expect(decode).toThrow(ProtocolError);
    expect(decode).toThrow(why);
    return process.memoryUsage().heapUsed - before;
  };

  it.each([
    // Produce v3: transactionalId null, acks, timeout, then a topic count of INT32_MAX.
    ['classic array count INT32_MAX', 0, 3, 'ffff' + 'ffff' + '00007530' + '7fffffff', /array of 2147483647 elements/],
    // Produce v9 (flexible): the compact count 0xffffffff - 1 as a 5-byte uvarint.
    ['compact array count 2^32 - 2', 0, 9, '00' + 'ffff' + '00007530' + 'ffffffff0f', /array of 4294967294 elements/],
    // Metadata v4: a topic array of one element whose name claims 32767 bytes.
    ['string length 32767', 3, 4, '00000001' + '7fff' + '6162', /needs 32767 bytes/],
    // JoinGroup v0: group, session timeout, member, protocol type, one protocol whose metadata claims INT32_MAX bytes.
    [
      'bytes length INT32_MAX',
      11,
      0,
      '0001' + '67' + '00007530' + '0001' + '6d' + '0001' + '63' + '00000001' + '0001' + '72' + '7fffffff',
      /needs 2147483647 bytes/,
    ],
    // Fetch v12: a tagged-field section claiming a 2^31-byte field.
    [
      'tagged field size 2^31',
      1,
      12,
      'ffffffff' + '00000000' + '00000001' + '00000001' + '00' + '00000000' + '00000000' + '01' + '01' + '01' + '01' + '00' + '8080808008',
      /tagged field of 2147483648 bytes/,
    ],
  ] as const)('%s', (_label, apiKey, version, hex, why) => {
    const frame = Buffer.from(hex, 'hex');
    expect(heapAfter(() => decodeRequest(apiKey, version, frame, 0), why)).toBeLessThan(16 * 1024 * 1024);
  });

  it('a huge array count at every position of a real frame', () => {
    const body = {
      topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'orders' }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    };
    for (const version of [4, 9, 12]) {
      const frame = Buffer.concat(encodeRequest({ apiKey: 3, apiVersion: version, correlationId: 1, clientId: null }, body)).subarray(4);
      for (let at = 0; at + 4 <= frame.length; at++) {
        const hostile = Buffer.from(frame);
        hostile.writeInt32BE(0x7fffffff, at);
        decodesOrRefuses(() => decodeRequest(3, version, hostile, decodeRequestHeader(frame).bodyOffset));
      }
    }
  });
});

/**
 * Every message of every API, in every version its definition lists: random bodies survive
 * encode → decode unchanged, and re-encoding the decoded body gives the same bytes. The interpreter the
 * compiled codec was benchmarked against (bench/interpreter.ts) must read every frame the same way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeData, decodeRequest, decodeRequestHeader, decodeResponse, encodeData, encodeRequest, encodeResponse } from '../../src/protocol/codec.js';
import { parseVersions } from '../../src/protocol/definition.js';
import { apiDefinitions } from '../../src/protocol/definitions/index.js';
import { consumerProtocolAssignment, consumerProtocolSubscription } from '../../src/protocol/definitions/consumer-protocol.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { messageBody } from './arbitraries.js';
import { interpret } from './bench/interpreter.js';

const RUNS = 40;

function versionsOf(validVersions: string): number[] {
  const { min, max } = parseVersions(validVersions);
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

const frameOf = (chunks: Buffer[]): Buffer => {
  const whole = Buffer.concat(chunks);
  expect(whole.readInt32BE(0)).toBe(whole.length - 4);
  return whole.subarray(4);
};

describe.each(apiDefinitions.map((api) => [api.name, api] as const))('%s', (_name, api) => {
  it.each(versionsOf(api.request.validVersions))('request v%i', (version) => {
    fc.assert(
      fc.property(messageBody(api.request, version), fc.integer(), fc.option(fc.string({ maxLength: 8 }), { nil: null }), (body, correlationId, clientId) => {
        const header = { apiKey: api.apiKey, apiVersion: version, correlationId, clientId };
        const frame = frameOf(encodeRequest(header, body));
        const decodedHeader = decodeRequestHeader(frame);
        expect(decodedHeader.header).toEqual(header);
        const decoded = decodeRequest(api.apiKey, version, frame, decodedHeader.bodyOffset);
        expect(decoded).toEqual(body);
        expect(interpret(api.request, version).decode(new Reader(frame, decodedHeader.bodyOffset, frame.length, 'interpreter'))).toEqual(body);
        expect(frameOf(encodeRequest(header, decoded))).toEqual(frame);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(versionsOf(api.response.validVersions))('response v%i', (version) => {
    fc.assert(
      fc.property(messageBody(api.response, version), fc.integer(), (body, correlationId) => {
        const frame = frameOf(encodeResponse(api.apiKey, version, correlationId, body));
        expect(frame.readInt32BE(0)).toBe(correlationId);
        const decoded = decodeResponse(api.apiKey, version, frame);
        expect(decoded).toEqual(body);
        expect(frameOf(encodeResponse(api.apiKey, version, correlationId, decoded))).toEqual(frame);
      }),
      { numRuns: RUNS },
    );
  });
});

describe.each([consumerProtocolSubscription, consumerProtocolAssignment].map((m) => [m.name, m] as const))('%s', (_name, message) => {
  it.each(versionsOf(message.validVersions))('v%i', (version) => {
    fc.assert(
      fc.property(messageBody(message, version), (body) => {
        const data = encodeData(message, version, body);
        expect(data.readInt16BE(0)).toBe(version);
        expect(decodeData(message, data)).toEqual({ version, body });
      }),
      { numRuns: RUNS },
    );
  });
});

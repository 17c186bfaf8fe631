/**
 * The codec's entry points: request and response headers and bodies for every API in
 * src/protocol/definitions, in every version those define. Frames handed in exclude the int32 size prefix
 * (the connection strips it); encoded messages come out as writev chunks that include it.
 *
 * Header versions (KIP-482): a flexible API version uses request header v2 (tagged fields after the
 * classic, non-compact client id) and response header v1 (tagged fields after the correlation id), except
 * that the ApiVersions response header is always v0, so a client can read the error of a version the
 * broker does not know (KIP-511).
 */
import { ApiKey } from './api-keys.js';
import { compileDecoder, compileEncoder, type Decoder, type Encoder } from './compiler.js';
import { type ApiDefinition, inRange, inVersions, type MessageDefinition, parseVersions, type VersionRange } from './definition.js';
import { apiDefinitions } from './definitions/index.js';
import type { RequestByKey, ResponseByKey } from './messages.js';
import { Reader } from './primitives/reader.js';
import { Writer } from './primitives/writer.js';
import { ProtocolError } from './protocol-error.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

const apis = new Map<number, ApiDefinition>(apiDefinitions.map((api) => [api.apiKey, api]));

/** Each API's valid and flexible version ranges, parsed once: they are checked on every request. */
const ranges = new Map(
  apiDefinitions.map((api) => [api.apiKey, { valid: parseVersions(api.request.validVersions), flexible: parseVersions(api.request.flexibleVersions) }]),
);

/** Compiled decoders and encoders, one per message and version, built on first use. */
const decoders = new Map<MessageDefinition, Decoder[]>();
const encoders = new Map<MessageDefinition, Encoder[]>();

function decoderFor(message: MessageDefinition, version: number): Decoder {
  let byVersion = decoders.get(message);
  if (!byVersion) decoders.set(message, (byVersion = []));
  return (byVersion[version] ??= compileDecoder(message, version, inVersions(message.flexibleVersions, version)));
}

function encoderFor(message: MessageDefinition, version: number): Encoder {
  let byVersion = encoders.get(message);
  if (!byVersion) encoders.set(message, (byVersion = []));
  return (byVersion[version] ??= compileEncoder(message, version, inVersions(message.flexibleVersions, version)));
}

/** The versions of an API the codec can decode and encode (its schema's validVersions). */
export function validVersions(apiKey: number): VersionRange | undefined {
  return ranges.get(apiKey)?.valid;
}

/**
 * Whether this version of the API uses the flexible encoding (KIP-482). Answered from the flexible
 * range alone, so it also holds for versions above the valid ones (an ApiVersions request from a newer
 * client still has a v2 header).
 */
export function isFlexible(apiKey: number, version: number): boolean {
  const range = ranges.get(apiKey)?.flexible;
  return range !== undefined && inRange(range, version);
}

function skipTaggedFields(r: Reader): void {
  for (let t = r.uvarint(); t > 0; t--) {
    r.uvarint();
    r.pos = r.tagEnd();
  }
}

/**
 * Decodes a request header (v1, or v2 for flexible versions). For an unknown API key the header is read
 * as v1: enough for the dispatcher to answer or close the connection.
 */
export function decodeRequestHeader(frame: Buffer): { header: RequestHeader; bodyOffset: number } {
  const r = new Reader(frame, 0, frame.length, 'request header');
  const apiKey = r.i16();
  const apiVersion = r.i16();
  const correlationId = r.i32();
  const clientId = r.string(false, true);
  if (isFlexible(apiKey, apiVersion)) skipTaggedFields(r);
  return { header: { apiKey, apiVersion, correlationId, clientId }, bodyOffset: r.pos };
}

function checkedApi(apiKey: number, version: number, what: string): ApiDefinition {
  const api = apis.get(apiKey);
  if (api === undefined) throw new ProtocolError(what, `unknown API key ${apiKey}`);
  if (!inRange(ranges.get(apiKey)!.valid, version)) throw new ProtocolError(what, `${api.name} v${version} does not exist`);
  return api;
}

/** Decodes a request body that starts at `offset` of the frame. Record data are views of the frame. */
export function decodeRequest<K extends ApiKey>(apiKey: K, apiVersion: number, frame: Buffer, offset: number): RequestByKey[K];
export function decodeRequest(apiKey: number, apiVersion: number, frame: Buffer, offset: number): unknown;
export function decodeRequest(apiKey: number, apiVersion: number, frame: Buffer, offset: number): unknown {
  const message = checkedApi(apiKey, apiVersion, 'request').request;
  return decoderFor(message, apiVersion)(new Reader(frame, offset, frame.length, `${message.name} v${apiVersion}`));
}

function sizePrefixed(w: Writer): Buffer[] {
  const size = w.byteLength - 4;
  const chunks = w.finish();
  chunks[0]!.writeInt32BE(size, 0);
  return chunks;
}

/** Encodes a response (size prefix, header, body) as writev chunks; record views are chunks of their own. */
export function encodeResponse<K extends ApiKey>(apiKey: K, apiVersion: number, correlationId: number, body: ResponseByKey[K]): Buffer[];
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Buffer[];
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Buffer[] {
  const message = checkedApi(apiKey, apiVersion, 'response').response;
  const w = new Writer();
  w.skip(4);
  w.i32(correlationId);
  if (isFlexible(apiKey, apiVersion) && apiKey !== ApiKey.ApiVersions) w.uvarint(0);
  encoderFor(message, apiVersion)(w, body as object);
  return sizePrefixed(w);
}

/** Encodes a request (size prefix, header, body): the client side, for tests and the embedded client. */
export function encodeRequest<K extends ApiKey>(header: RequestHeader & { apiKey: K }, body: RequestByKey[K]): Buffer[];
export function encodeRequest(header: RequestHeader, body: unknown): Buffer[];
export function encodeRequest(header: RequestHeader, body: unknown): Buffer[] {
  const message = checkedApi(header.apiKey, header.apiVersion, 'request').request;
  const w = new Writer();
  w.skip(4);
  w.i16(header.apiKey);
  w.i16(header.apiVersion);
  w.i32(header.correlationId);
  w.string(header.clientId, false);
  if (isFlexible(header.apiKey, header.apiVersion)) w.uvarint(0);
  encoderFor(message, header.apiVersion)(w, body as object);
  return sizePrefixed(w);
}

/**
 * Decodes a response frame (without its size prefix) of a request sent with this key and version. The
 * caller has matched it to the request by its correlation id, the frame's first four bytes.
 */
export function decodeResponse<K extends ApiKey>(apiKey: K, apiVersion: number, frame: Buffer): ResponseByKey[K];
export function decodeResponse(apiKey: number, apiVersion: number, frame: Buffer): unknown;
export function decodeResponse(apiKey: number, apiVersion: number, frame: Buffer): unknown {
  const message = checkedApi(apiKey, apiVersion, 'response').response;
  const r = new Reader(frame, 0, frame.length, `${message.name} v${apiVersion}`);
  r.i32();
  if (isFlexible(apiKey, apiVersion) && apiKey !== ApiKey.ApiVersions) skipTaggedFields(r);
  return decoderFor(message, apiVersion)(r);
}

/**
 * Encodes a versioned payload that is not an API message (the consumer protocol's subscription and
 * assignment): an int16 version, then the fields.
 */
export function encodeData(message: MessageDefinition, version: number, body: object): Buffer {
  if (!inVersions(message.validVersions, version)) throw new RangeError(`${message.name} v${version} does not exist`);
  const w = new Writer();
  w.i16(version);
  encoderFor(message, version)(w, body);
  // A copy: these payloads live as long as a group member, and a view would pin the whole slab.
  return Buffer.from(w.finish()[0]!);
}

/**
 * Decodes a payload written by `encodeData`. A version newer than the definitions is read as the newest
 * known one (its extra trailing fields ignored), as Kafka's consumer protocol does. A payload that ends
 * before the fields its version adds is read as the newest older version it holds: @platformatic/kafka
 * 1.35 labels its subscriptions v1 but leaves out v1's owned partitions.
 */
export function decodeData(message: MessageDefinition, data: Buffer): { version: number; body: Record<string, unknown> } {
  const r = new Reader(data, 0, data.length, message.name);
  const written = r.i16();
  const { min, max } = parseVersions(message.validVersions);
  if (written < min) r.fail(`version ${written} below ${min}`);
  for (let version = Math.min(written, max); ; version--) {
    try {
      return { version, body: decoderFor(message, version)(new Reader(data, 2, data.length, `${message.name} v${version}`)) };
    } catch (error) {
      if (version === min || !(error instanceof ProtocolError)) throw error;
    }
  }
}

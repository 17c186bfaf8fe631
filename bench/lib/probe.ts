/**
 * Readiness probes: a broker is ready when it answers an ApiVersions v0 request on its listener (an
 * open port alone is not enough: Kafka accepts connections before it serves requests); a sink, which
 * answers nothing but Produce, when it answers an empty Produce v7 request.
 */
import { connect } from 'node:net';

const PRODUCE = 0;
const API_VERSIONS = 18;
const CORRELATION_ID = 1;

/** A size-prefixed request with header v1 (api key, version, correlation id, client id) and `body`. */
function request(apiKey: number, version: number, body: Buffer): Buffer {
  const clientId = Buffer.from('gregor-bench-probe');
  const head = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
  head.writeInt32BE(head.length - 4 + body.length, 0);
  head.writeInt16BE(apiKey, 4);
  head.writeInt16BE(version, 6);
  head.writeInt32BE(CORRELATION_ID, 8);
  head.writeInt16BE(clientId.length, 12);
  clientId.copy(head, 14);
  return Buffer.concat([head, body]);
}

/** Sends `frame` and resolves with whether the first `need` bytes of the answer satisfy `ok`. */
function answers(host: string, port: number, frame: Buffer, need: number, ok: (answer: Buffer) => boolean, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let got = Buffer.alloc(0);
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= need) done(ok(got));
    });
  });
}

/** True when the broker at host:port answers ApiVersions with error code NONE. */
export function answersApiVersions(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  const frame = request(API_VERSIONS, 0, Buffer.alloc(0));
  return answers(host, port, frame, 10, (a) => a.readInt32BE(4) === CORRELATION_ID && a.readInt16BE(8) === 0, timeoutMs);
}

/** True when host:port answers a Produce v7 request (acks=1, no topics) with its correlation id. */
export function answersProduce(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  const body = Buffer.alloc(2 + 2 + 4 + 4);
  body.writeInt16BE(-1, 0); // null transactional id
  body.writeInt16BE(1, 2); // acks
  body.writeInt32BE(1000, 4); // timeout ms
  body.writeInt32BE(0, 8); // no topics
  return answers(host, port, request(PRODUCE, 7, body), 8, (a) => a.readInt32BE(4) === CORRELATION_ID, timeoutMs);
}

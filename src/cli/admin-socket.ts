/**
 * One admin request over a plain socket with gregor's own codec, for the APIs @platformatic/kafka's Admin
 * does not offer (the SCRAM credential APIs): the brokers are tried in order until one answers.
 */
import { connect } from 'node:net';
import { decodeResponse, encodeRequest } from '../protocol/codec.js';
import { CLIENT_ID } from './kafka-client.js';

const CONNECT_TIMEOUT_MS = 3_000;
const REQUEST_TIMEOUT_MS = 30_000;

export async function adminRequest<T>(brokers: readonly string[], apiKey: number, apiVersion: number, body: unknown): Promise<T> {
  let lastError: unknown;
  for (const broker of brokers) {
    try {
      return (await requestOnce(broker, apiKey, apiVersion, body)) as T;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function requestOnce(broker: string, apiKey: number, apiVersion: number, body: unknown): Promise<unknown> {
  const at = broker.lastIndexOf(':');
  const socket = connect({ host: broker.slice(0, at), port: Number(broker.slice(at + 1)) });
  socket.setTimeout(CONNECT_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.once('connect', () => {
      socket.setTimeout(REQUEST_TIMEOUT_MS);
      socket.write(Buffer.concat(encodeRequest({ apiKey, apiVersion, correlationId: 1, clientId: CLIENT_ID }, body)));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      socket.destroy();
      try {
        resolve(decodeResponse(apiKey, apiVersion, received.subarray(4, 4 + received.readInt32BE(0))));
      } catch (error) {
        reject(error as Error);
      }
    });
    socket.once('timeout', () => fail(Object.assign(new Error(`${broker} did not answer in time`), { code: 'ETIMEDOUT' })));
    socket.once('error', fail);
    socket.once('close', () => reject(Object.assign(new Error(`${broker} closed the connection`), { code: 'ECONNRESET' })));
  });
}

/**
 * The compiled codec against the interpreter of the same definitions, on the hot messages: Produce
 * request decode, Fetch response encode, Metadata response encode (flexible and classic versions).
 * Run: `npx vitest bench --run test/protocol/bench/codec.bench.ts`.
 *
 * Measured on the project's 2-core machine while other work ran on it (load 13-18, so means and tails are
 * noise; min / p75 per operation, compiled vs interpreted):
 *   ProduceRequest v7 decode, 1 topic x 16 partitions   1.0 / 1.0 us   vs  2.1 / 2.3 us
 *   ProduceRequest v9 decode (flexible)                 1.1 / 1.2 us   vs  2.3 / 2.6 us
 *   FetchResponse v11 encode, 16 partitions x 2 views   2.6 / 3.7 us   vs  4.8 / 5.4 us
 *   FetchResponse v12 encode (flexible)                 3.0 / 3.6 us   vs  7.2 / 8.0 us
 *   MetadataResponse v7 encode, 200 topics x 8          0.11 / 0.18 ms vs  0.40 / 0.58 ms
 *   MetadataResponse v12 encode (flexible)              0.14 / 0.23 ms vs  0.50 / 1.32 ms
 * Record batches are views in both, so these costs do not grow with the data carried.
 */
import { bench, describe } from 'vitest';
import { compileDecoder, compileEncoder } from '../../../src/protocol/compiler.js';
import { encodeRequest } from '../../../src/protocol/codec.js';
import type { MessageDefinition } from '../../../src/protocol/definition.js';
import { fetch } from '../../../src/protocol/definitions/01-fetch.js';
import { metadata } from '../../../src/protocol/definitions/03-metadata.js';
import { produce } from '../../../src/protocol/definitions/00-produce.js';
import type { FetchResponse, MetadataResponse, ProduceRequest } from '../../../src/protocol/messages.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';
import { interpret } from './interpreter.js';

const PARTITIONS = 16;
const batch = Buffer.alloc(64 * 1024, 1);

const produceRequest: ProduceRequest = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30_000,
  topicData: [{ name: 'bench-topic', partitionData: Array.from({ length: PARTITIONS }, (_, index) => ({ index, records: batch })) }],
};

const fetchResponse: FetchResponse = {
  throttleTimeMs: 0,
  errorCode: 0,
  sessionId: 0,
  responses: [
    {
      topic: 'bench-topic',
      topicId: '00000000-0000-0000-0000-000000000000',
      partitions: Array.from({ length: PARTITIONS }, (_, partitionIndex) => ({
        partitionIndex,
        errorCode: 0,
        highWatermark: 1_000_000n,
        lastStableOffset: 1_000_000n,
        logStartOffset: 0n,
        abortedTransactions: null,
        preferredReadReplica: -1,
        records: [batch.subarray(0, 32 * 1024), batch.subarray(32 * 1024)],
      })),
    },
  ],
};

const metadataResponse: MetadataResponse = {
  throttleTimeMs: 0,
  brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }],
  clusterId: 'gregor-cluster-id-000000',
  controllerId: 1,
  topics: Array.from({ length: 200 }, (_, t) => ({
    errorCode: 0,
    name: `topic-${t}`,
    topicId: '6f1b3c1e-8a3d-4d0e-9a51-0c2a4b6f8e10',
    isInternal: false,
    partitions: Array.from({ length: 8 }, (_, partitionIndex) => ({
      errorCode: 0,
      partitionIndex,
      leaderId: 1,
      leaderEpoch: 0,
      replicaNodes: [1],
      isrNodes: [1],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: -2147483648,
  })),
  clusterAuthorizedOperations: -2147483648,
};

function decodeBench(message: MessageDefinition, apiKey: number, version: number, body: object): void {
  const frame = Buffer.concat(encodeRequest({ apiKey, apiVersion: version, correlationId: 1, clientId: 'bench' }, body)).subarray(4);
  const offset = 10 + 'bench'.length + (version >= 9 ? 1 : 0);
  const compiled = compileDecoder(message, version, version >= 9);
  const interpreted = interpret(message, version);
  describe(`${message.name} v${version} decode`, () => {
    bench('compiled', () => void compiled(new Reader(frame, offset, frame.length, 'bench')));
    bench('interpreted', () => void interpreted.decode(new Reader(frame, offset, frame.length, 'bench')));
  });
}

function encodeBench(message: MessageDefinition, version: number, flexible: boolean, body: object): void {
  const compiled = compileEncoder(message, version, flexible);
  const interpreted = interpret(message, version);
  describe(`${message.name} v${version} encode`, () => {
    bench('compiled', () => {
      const w = new Writer();
      compiled(w, body);
      w.finish();
    });
    bench('interpreted', () => {
      const w = new Writer();
      interpreted.encode(w, body);
      w.finish();
    });
  });
}

decodeBench(produce.request, 0, 7, produceRequest);
decodeBench(produce.request, 0, 9, produceRequest);
encodeBench(fetch.response, 11, false, fetchResponse);
encodeBench(fetch.response, 12, true, fetchResponse);
encodeBench(metadata.response, 7, false, metadataResponse);
encodeBench(metadata.response, 12, true, metadataResponse);

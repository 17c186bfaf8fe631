/** The codec's entry points: header versions, exact bytes of known messages, record views, refusals. */
import { describe, expect, it } from 'vitest';
import { fetchRequest } from '../../bench/lib/fetch-request.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { decodeRequest, decodeRequestHeader, decodeResponse, encodeRequest, encodeResponse, isFlexible, validVersions } from '../../src/protocol/codec.js';
import type { DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse, FetchResponse } from '../../src/protocol/messages.js';
import { ProtocolError } from '../../src/protocol/protocol-error.js';

const hex = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('hex');

describe('headers', () => {
  it('request header v1 for classic versions, v2 (tagged fields after the classic client id) for flexible ones', () => {
    const body = { clientSoftwareName: 'x', clientSoftwareVersion: '1' };
    expect(hex(encodeRequest({ apiKey: ApiKey.ApiVersions, apiVersion: 2, correlationId: 7, clientId: 'c' }, body))).toBe(
      '0000000b' + '0012' + '0002' + '00000007' + '000163',
    );
    expect(hex(encodeRequest({ apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 7, clientId: 'c' }, body))).toBe(
      '00000011' + '0012' + '0003' + '00000007' + '000163' + '00' + '0278' + '0231' + '00',
    );
  });

  it('the ApiVersions response header is v0 even for flexible versions; other flexible responses use v1', () => {
    const apiVersions = encodeResponse(ApiKey.ApiVersions, 3, 9, {
      errorCode: 0,
      apiKeys: [],
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    });
    expect(hex(apiVersions)).toBe('0000000c' + '00000009' + '0000' + '01' + '00000000' + '00');
    const heartbeat = encodeResponse(ApiKey.Heartbeat, 4, 9, { throttleTimeMs: 0, errorCode: 0 });
    expect(hex(heartbeat)).toBe('0000000c' + '00000009' + '00' + '00000000' + '0000' + '00');
  });

  it('an unsupported ApiVersions version is answered with a v0 body (KIP-511)', () => {
    const chunks = encodeResponse(ApiKey.ApiVersions, 0, 1, {
      errorCode: 35,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    });
    expect(hex(chunks)).toBe('00000010' + '00000001' + '0023' + '00000001' + '0012' + '0000' + '0004');
  });

  it('flexibility follows the flexible range even above the valid versions, so newer headers parse', () => {
    expect(isFlexible(ApiKey.ApiVersions, 2)).toBe(false);
    expect(isFlexible(ApiKey.ApiVersions, 3)).toBe(true);
    expect(isFlexible(ApiKey.ApiVersions, 99)).toBe(true);
    expect(isFlexible(9999, 0)).toBe(false);
    // An ApiVersions v5 request (a version this codec does not define) still yields its header.
    const frame = Buffer.from('0012' + '0005' + '0000002a' + '000163' + '00' + 'ff', 'hex');
    expect(decodeRequestHeader(frame)).toEqual({ header: { apiKey: 18, apiVersion: 5, correlationId: 42, clientId: 'c' }, bodyOffset: 12 });
  });

  it('skips unknown tagged fields in a v2 request header', () => {
    const frame = Buffer.from('0012' + '0003' + '00000001' + 'ffff' + '01' + '05' + '02' + 'abcd' + '01' + '01' + '00', 'hex');
    const { header, bodyOffset } = decodeRequestHeader(frame);
    expect(header.clientId).toBeNull();
    expect(decodeRequest(ApiKey.ApiVersions, 3, frame, bodyOffset)).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' });
  });
});

describe('bodies', () => {
  it('record views of a Fetch response are chunks of their own, not copies', () => {
    const views: Buffer[] = [Buffer.from('batch-one'), Buffer.from('batch-two')];
    const body: FetchResponse = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 't',
          topicId: '00000000-0000-0000-0000-000000000000',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 2n,
              lastStableOffset: 2n,
              logStartOffset: 0n,
              abortedTransactions: null,
              preferredReadReplica: -1,
              records: views,
            },
          ],
        },
      ],
    };
    for (const version of [4, 11, 12]) {
      const chunks = encodeResponse(ApiKey.Fetch, version, 1, body);
      expect(chunks.filter((c) => views.includes(c))).toEqual(views);
      const frame = Buffer.concat(chunks);
      expect(frame.readInt32BE(0)).toBe(frame.length - 4);
      const decoded = decodeResponse(ApiKey.Fetch, version, frame.subarray(4));
      expect(decoded.responses[0]!.partitions[0]!.records).toEqual(Buffer.concat(views));
    }
  });

  it('fields left undefined are written as their defaults; tagged fields at their default are left off', () => {
    const chunks = encodeResponse(ApiKey.Produce, 10, 1, {
      responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 5n } as never] }],
      throttleTimeMs: 0,
    });
    const decoded = decodeResponse(ApiKey.Produce, 10, Buffer.concat(chunks).subarray(4));
    expect(decoded.responses[0]!.partitionResponses[0]).toEqual({
      index: 0,
      errorCode: 0,
      baseOffset: 5n,
      logAppendTimeMs: -1n,
      logStartOffset: -1n,
      recordErrors: [],
      errorMessage: null,
      currentLeader: { leaderId: -1, leaderEpoch: -1 },
    });
    // Per partition: no tagged fields (one 0 byte); at the top level the same.
    expect(hex(chunks).endsWith('00' + '00' + '00000000' + '00')).toBe(true);
  });

  it('a tagged field is written when it differs from its default, and read back', () => {
    const body = {
      responses: [
        {
          name: 't',
          partitionResponses: [
            {
              index: 0,
              errorCode: 6,
              baseOffset: -1n,
              logAppendTimeMs: -1n,
              logStartOffset: -1n,
              recordErrors: [],
              errorMessage: null,
              currentLeader: { leaderId: 2, leaderEpoch: 7 },
            },
          ],
        },
      ],
      throttleTimeMs: 0,
      nodeEndpoints: [{ nodeId: 2, host: 'h', port: 9092, rack: null }],
    };
    const decoded = decodeResponse(ApiKey.Produce, 11, Buffer.concat(encodeResponse(ApiKey.Produce, 11, 1, body)).subarray(4));
    expect(decoded).toEqual(body);
  });

  it('fields a version lacks decode to their defaults, a fresh object each time', () => {
    const body = fetchRequest([], { maxWaitMs: 500, maxBytes: 1024 });
    const frame = Buffer.concat(encodeRequest({ apiKey: ApiKey.Fetch, apiVersion: 11, correlationId: 1, clientId: null }, body)).subarray(4);
    const { bodyOffset } = decodeRequestHeader(frame);
    const first = decodeRequest(ApiKey.Fetch, 11, frame, bodyOffset);
    const second = decodeRequest(ApiKey.Fetch, 11, frame, bodyOffset);
    expect(first.replicaState).toEqual({ replicaId: -1, replicaEpoch: -1n });
    expect(first.clusterId).toBeNull();
    expect(first.replicaState).not.toBe(second.replicaState);
    expect(first.forgottenTopicsData).not.toBe(second.forgottenTopicsData);
  });

  it('refuses to encode null where the version allows none', () => {
    expect(() => encodeResponse(ApiKey.Produce, 7, 1, { responses: [{ name: null as never, partitionResponses: [] }], throttleTimeMs: 0 })).toThrow(
      /name is not nullable in version 7/,
    );
    expect(() => encodeResponse(ApiKey.Produce, 7, 1, { responses: null as never, throttleTimeMs: 0 })).toThrow(TypeError);
    // Nullable from v8: written as null.
    const withNull = {
      responses: [
        {
          name: 't',
          partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null }],
        },
      ],
      throttleTimeMs: 0,
    };
    expect(decodeResponse(ApiKey.Produce, 8, Buffer.concat(encodeResponse(ApiKey.Produce, 8, 1, withNull)).subarray(4))).toMatchObject(withNull);
  });

  it('a nullable struct is a marker byte, -1 for null and 1 before the struct, as Kafka writes DescribeTopicPartitions cursors', () => {
    // Bytes written by Kafka 4.4's own DescribeTopicPartitionsRequestData/ResponseData (version 0).
    const header = { apiKey: ApiKey.DescribeTopicPartitions, apiVersion: 0, correlationId: 7, clientId: null };
    // Size, api key, version, correlation id, null client id and the v2 header's empty tagged fields: 15 bytes.
    const bodyOf = (chunks: Buffer[]): string => hex(chunks).slice(2 * 15);
    const requests: [DescribeTopicPartitionsRequest, string][] = [
      [{ topics: [{ name: 't' }], responsePartitionLimit: 2000, cursor: null }, '02027400000007d0ff00'],
      [{ topics: [{ name: 't' }], responsePartitionLimit: 4, cursor: { topicName: 't', partitionIndex: 3 } }, '0202740000000004010274000000030000'],
    ];
    for (const [body, kafka] of requests) {
      const chunks = encodeRequest(header, body);
      expect(bodyOf(chunks)).toBe(kafka);
      const frame = Buffer.concat(chunks).subarray(4);
      expect(decodeRequest(ApiKey.DescribeTopicPartitions, 0, frame, decodeRequestHeader(frame).bodyOffset)).toEqual(body);
    }
    const partition = {
      errorCode: 0,
      partitionIndex: 3,
      leaderId: 1,
      leaderEpoch: 0,
      replicaNodes: [1],
      isrNodes: [1],
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: [],
    };
    const topic = {
      errorCode: 0,
      name: 't',
      topicId: '00010203-0405-0607-0809-0a0b0c0d0e0f',
      isInternal: false,
      partitions: [partition],
      topicAuthorizedOperations: -2147483648,
    };
    const partitionBytes = '00000000000300000001000000000200000001020000000101010100';
    const topicBytes = `00000274000102030405060708090a0b0c0d0e0f0002${partitionBytes}8000000000`;
    const responses: [DescribeTopicPartitionsResponse, string][] = [
      [{ throttleTimeMs: 0, topics: [topic], nextCursor: null }, `0000000002${topicBytes}ff00`],
      [{ throttleTimeMs: 0, topics: [topic], nextCursor: { topicName: 't', partitionIndex: 4 } }, `0000000002${topicBytes}010274000000040000`],
      [
        { throttleTimeMs: 0, topics: [{ ...topic, partitions: [{ ...partition, eligibleLeaderReplicas: null, lastKnownElr: null }] }], nextCursor: null },
        `0000000002${topicBytes.replace('0101010100', '0100000100')}ff00`,
      ],
    ];
    for (const [body, kafka] of responses) {
      const chunks = encodeResponse(ApiKey.DescribeTopicPartitions, 0, 7, body);
      // Size, correlation id and the v1 response header's empty tagged fields: 9 bytes.
      expect(hex(chunks).slice(2 * 9)).toBe(kafka);
      expect(decodeResponse(ApiKey.DescribeTopicPartitions, 0, Buffer.concat(chunks).subarray(4))).toEqual(body);
    }
  });

  it('refuses unknown API keys and versions the definitions lack', () => {
    expect(() => decodeRequest(9999, 0, Buffer.alloc(8), 0)).toThrow(ProtocolError);
    expect(() => decodeRequest(ApiKey.Produce, validVersions(ApiKey.Produce)!.max + 1, Buffer.alloc(8), 0)).toThrow(ProtocolError);
    expect(() => encodeResponse(9999, 0, 1, {})).toThrow(ProtocolError);
  });
});

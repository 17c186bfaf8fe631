/**
 * Request frames captured from real clients (test/protocol/fixtures/<client>-<version>/NN-api-vV.hex, made
 * by tools/capture-fixtures.test.ts): each decodes, carries what the capture run sent, and re-encodes to
 * the same bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { decodeRequest, decodeRequestHeader, encodeRequest, isFlexible } from '../../src/protocol/codec.js';
import { decodeAssignment, decodeSubscription } from '../../src/protocol/consumer-protocol.js';
import type * as M from '../../src/protocol/messages.js';

const root = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const TOPIC = 'fixture-topic';
const GROUP = 'fixture-group';
/** The topic id the capture broker gave out in Metadata, which topic-id clients send back. */
const TOPIC_ID = '5f1c0e2a-7b3d-4c8e-9a10-2b3c4d5e6f70';
const CLIENT_IDS: Record<string, string> = { kafkajs: 'fixture-kafkajs', kcat: 'fixture-kcat', platformatic: 'fixture-platformatic' };

const clients = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const fixtures = clients.flatMap((client) =>
  readdirSync(join(root, client)).map((file) => {
    const [, key, version] = /^(\d+)-[a-z-]+-v(\d+)\.hex$/.exec(file)!;
    return { client, file, apiKey: Number(key), apiVersion: Number(version), frame: Buffer.from(readFileSync(join(root, client, file), 'utf8').trim(), 'hex') };
  }),
);

/** What each capture run sent, by API: the parts of the body the run controlled. */
const expectations: Partial<Record<ApiKey, (body: never, version: number, frame: Buffer) => void>> = {
  [ApiKey.Produce]: (body: M.ProduceRequest, _version, frame) => {
    expect(body.acks).toBe(-1);
    expect(body.topicData).toMatchObject([{ name: TOPIC, partitionData: [{ index: 0 }] }]);
    const records = body.topicData[0]!.partitionData[0]!.records!;
    expect(records[16]).toBe(2); // RecordBatch magic
    expect(records.buffer).toBe(frame.buffer); // a view of the frame, not a copy
  },
  [ApiKey.Fetch]: (body: M.FetchRequest, version) => {
    expect(body.replicaId).toBe(-1);
    const topic = body.topics[0]!;
    if (version >= 13) expect(topic.topicId).toBe(TOPIC_ID);
    else expect(topic.topic).toBe(TOPIC);
    expect(topic.partitions).toMatchObject([{ partition: 0, fetchOffset: 0n }]);
  },
  [ApiKey.ListOffsets]: (body: M.ListOffsetsRequest) => {
    expect(body.topics).toMatchObject([{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }]);
    expect([-1n, -2n]).toContain(body.topics[0]!.partitions[0]!.timestamp);
  },
  [ApiKey.Metadata]: (body: M.MetadataRequest) => {
    // The bootstrap request: all topics (null) or none ([]).
    expect(body.topics === null || body.topics.length === 0).toBe(true);
  },
  [ApiKey.OffsetFetch]: (body: M.OffsetFetchRequest) => {
    expect(body.groupId).toBe(GROUP);
    expect(body.topics).toEqual([{ name: TOPIC, partitionIndexes: [0] }]);
  },
  [ApiKey.FindCoordinator]: (body: M.FindCoordinatorRequest, version) => {
    expect(body.keyType).toBe(0);
    if (version >= 4) expect(body.coordinatorKeys).toEqual([GROUP]);
    else expect(body.key).toBe(GROUP);
  },
  [ApiKey.JoinGroup]: (body: M.JoinGroupRequest) => {
    expect(body).toMatchObject({ groupId: GROUP, memberId: '', protocolType: 'consumer' });
    expect(body.protocols.length).toBeGreaterThan(0);
    for (const protocol of body.protocols) expect(decodeSubscription(protocol.metadata).subscription.topics).toEqual([TOPIC]);
  },
  [ApiKey.SyncGroup]: (body: M.SyncGroupRequest) => {
    expect(body).toMatchObject({ groupId: GROUP, generationId: 1 });
    // The capture broker made each client its group's leader: it sends the one assignment.
    expect(body.assignments.map((a) => a.memberId)).toEqual([body.memberId]);
    expect(decodeAssignment(body.assignments[0]!.assignment).assignment.assignedPartitions).toEqual([{ topic: TOPIC, partitions: [0] }]);
  },
  [ApiKey.Heartbeat]: (body: M.HeartbeatRequest) => expect(body).toMatchObject({ groupId: GROUP, generationId: 1 }),
  [ApiKey.LeaveGroup]: (body: M.LeaveGroupRequest, version) => {
    expect(body.groupId).toBe(GROUP);
    expect(version >= 3 ? body.members[0]!.memberId : body.memberId).toMatch(/-capture$/);
  },
  [ApiKey.DescribeGroups]: (body: M.DescribeGroupsRequest) => expect(body.groups).toEqual([GROUP]),
  [ApiKey.ListGroups]: (body: M.ListGroupsRequest) => expect(body.statesFilter).toEqual([]),
  [ApiKey.ApiVersions]: (body: M.ApiVersionsRequest, version) => {
    if (version >= 3) expect(body.clientSoftwareName).not.toBe('');
  },
  [ApiKey.CreateTopics]: (body: M.CreateTopicsRequest) => {
    expect(body.topics).toMatchObject([{ name: TOPIC, numPartitions: 1, replicationFactor: 1 }]);
  },
  [ApiKey.DeleteTopics]: (body: M.DeleteTopicsRequest, version) => {
    if (version >= 6) expect(body.topics).toMatchObject([{ name: TOPIC }]);
    else expect(body.topicNames).toEqual([TOPIC]);
  },
  [ApiKey.InitProducerId]: (body: M.InitProducerIdRequest) => {
    expect(body.transactionalId).toBeNull();
    // No producer yet: -1/-1, or 0/0 from @platformatic/kafka 1.35 (Kafka ignores both without a transactional id).
    expect([
      [-1n, -1],
      [0n, 0],
    ]).toContainEqual([body.producerId, body.producerEpoch]);
  },
  [ApiKey.DescribeConfigs]: (body: M.DescribeConfigsRequest) => expect(body.resources).toMatchObject([{ resourceType: 2, resourceName: TOPIC }]),
  [ApiKey.DeleteGroups]: (body: M.DeleteGroupsRequest) => expect(body.groupsNames).toEqual([GROUP]),
};

describe.each(fixtures.map((f) => [`${f.client}/${f.file}`, f] as const))('%s', (_name, fixture) => {
  it('decodes to what the client sent and re-encodes byte for byte', () => {
    const { header, bodyOffset } = decodeRequestHeader(fixture.frame);
    const clientId = Object.entries(CLIENT_IDS).find(([prefix]) => fixture.client.startsWith(prefix))![1];
    expect(header).toMatchObject({ apiKey: fixture.apiKey, apiVersion: fixture.apiVersion, clientId });

    const body = decodeRequest(fixture.apiKey, fixture.apiVersion, fixture.frame, bodyOffset);
    const expectation = expectations[fixture.apiKey as ApiKey];
    expect(expectation, `no expectation for API key ${fixture.apiKey}`).toBeDefined();
    expectation!(body as never, fixture.apiVersion, fixture.frame);

    const encoded = Buffer.concat(encodeRequest(header, body));
    expect(encoded.readInt32BE(0)).toBe(fixture.frame.length);
    expect(encoded.subarray(4).toString('hex')).toBe(fixture.frame.toString('hex'));
  });
});

it('the fixtures cover classic and flexible versions from each client', () => {
  const clients = new Set(fixtures.map((f) => f.client.split('-')[0]));
  expect(clients).toEqual(new Set(['kafkajs', 'kcat', 'platformatic']));
  expect(fixtures.some((f) => f.client.startsWith('kcat') && f.apiKey === ApiKey.ApiVersions && f.apiVersion === 3)).toBe(true);
  expect(fixtures.filter((f) => f.client.startsWith('kafkajs')).every((f) => !isFlexible(f.apiKey, f.apiVersion))).toBe(true);
  expect(fixtures.filter((f) => f.client.startsWith('platformatic')).every((f) => isFlexible(f.apiKey, f.apiVersion))).toBe(true);
});

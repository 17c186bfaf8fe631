// DescribeTopicPartitions (75) over the wire, with Kafka 4.4's semantics: topics in name order, paged by a
// partition limit and a cursor (topic, partition), per-topic errors, and Metadata's view of each partition.
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse } from '../../src/protocol/messages.js';
import { type BrokerWithClient, useBrokerWithClient } from '../support/broker-with-client.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const TOPICS = ['pg-a', 'pg-b', 'pg-c'];

const server = useBrokerWithClient();

beforeAll(async () => {
  for (const name of TOPICS) await server.broker.broker.metadata.createTopic(name, { numPartitions: 5 });
});

function describeTopicPartitions(fixture: BrokerWithClient, request: Partial<DescribeTopicPartitionsRequest>): Promise<DescribeTopicPartitionsResponse> {
  return fixture.client.request(ApiKey.DescribeTopicPartitions, 0, { topics: [], cursor: null, ...request });
}

/** Each topic of a response with the indexes of the partitions it carries. */
const partitionsOf = (response: DescribeTopicPartitionsResponse): [string | null, number[]][] =>
  response.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]);

describe('DescribeTopicPartitions', () => {
  it('pages through 3 topics of 5 partitions 4 partitions at a time, in name order, each partition once', async () => {
    const topics = [{ name: 'pg-c' }, { name: 'pg-a' }, { name: 'pg-b' }, { name: 'pg-a' }];
    const pages: [string | null, number[]][][] = [];
    const cursors: DescribeTopicPartitionsResponse['nextCursor'][] = [];
    let cursor: DescribeTopicPartitionsRequest['cursor'] = null;
    do {
      const response = await describeTopicPartitions(server, { topics, responsePartitionLimit: 4, cursor });
      pages.push(partitionsOf(response));
      cursors.push(response.nextCursor);
      cursor = response.nextCursor;
    } while (cursor !== null && pages.length < 10);
    expect(pages).toEqual([
      [['pg-a', [0, 1, 2, 3]]],
      [
        ['pg-a', [4]],
        ['pg-b', [0, 1, 2]],
      ],
      [
        ['pg-b', [3, 4]],
        ['pg-c', [0, 1]],
      ],
      [['pg-c', [2, 3, 4]]],
    ]);
    expect(cursors).toEqual([
      { topicName: 'pg-a', partitionIndex: 4 },
      { topicName: 'pg-b', partitionIndex: 3 },
      { topicName: 'pg-c', partitionIndex: 2 },
      null,
    ]);
  });

  it('describes each partition as Metadata v12 does, with empty ELR lists (gregor keeps no ELR)', async () => {
    const response = await describeTopicPartitions(server, { topics: [{ name: 'pg-b' }], responsePartitionLimit: 2 });
    const metadata = await server.client.request(ApiKey.Metadata, 12, {
      topics: [{ topicId: ZERO_UUID, name: 'pg-b' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const [described] = response.topics;
    const [fromMetadata] = metadata.topics;
    if (described === undefined) throw new Error('no topic described');
    expect(described).toMatchObject({
      errorCode: ErrorCode.NONE,
      name: 'pg-b',
      topicId: fromMetadata.topicId,
      isInternal: false,
      // Kafka 4.4 always reports them (the request cannot ask): without an authorizer, every topic operation.
      topicAuthorizedOperations: 0b1101_1111_1000,
    });
    expect(described.topicId).not.toBe(ZERO_UUID);
    expect(described.partitions).toEqual(fromMetadata.partitions.slice(0, 2).map((p: object) => ({ ...p, eligibleLeaderReplicas: [], lastKnownElr: [] })));
    const nodeId = server.broker.broker.metadata.nodeId;
    expect(described.partitions[1]).toEqual({
      errorCode: ErrorCode.NONE,
      partitionIndex: 1,
      leaderId: nodeId,
      leaderEpoch: 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: [],
    });
  });

  it('a limit reached exactly at the end of a topic points the cursor at the start of the next one', async () => {
    const response = await describeTopicPartitions(server, { topics: TOPICS.map((name) => ({ name })), responsePartitionLimit: 5 });
    expect(partitionsOf(response)).toEqual([['pg-a', [0, 1, 2, 3, 4]]]);
    expect(response.nextCursor).toEqual({ topicName: 'pg-b', partitionIndex: 0 });
  });

  it('the default limit (2000) describes everything in one response', async () => {
    const response = await describeTopicPartitions(server, { topics: TOPICS.map((name) => ({ name })) });
    expect(response.topics.map((t) => t.partitions.length)).toEqual([5, 5, 5]);
    expect(response.nextCursor).toBeNull();
  });

  it('a limit below 1 is taken as 1', async () => {
    for (const responsePartitionLimit of [0, -7]) {
      const response = await describeTopicPartitions(server, { topics: [{ name: 'pg-a' }], responsePartitionLimit });
      expect(partitionsOf(response)).toEqual([['pg-a', [0]]]);
      expect(response.nextCursor).toEqual({ topicName: 'pg-a', partitionIndex: 1 });
    }
  });

  it('no topics listed means every topic, internal ones included, sorted by name', async () => {
    const response = await describeTopicPartitions(server, {});
    const names = response.topics.map((t) => t.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(TOPICS));
    expect(response.topics.find((t) => t.name === '__consumer_offsets')).toMatchObject({ errorCode: ErrorCode.NONE, isInternal: true });
    expect(response.topics.every((t) => t.errorCode === ErrorCode.NONE)).toBe(true);
    expect(response.nextCursor).toBeNull();
  });

  it('without a topic list the cursor may name a topic that does not exist: the page starts at the next name', async () => {
    const response = await describeTopicPartitions(server, { cursor: { topicName: 'pg-aa', partitionIndex: 3 }, responsePartitionLimit: 7 });
    expect(partitionsOf(response)).toEqual([
      ['pg-b', [0, 1, 2, 3, 4]],
      ['pg-c', [0, 1]],
    ]);
    expect(response.nextCursor).toEqual({ topicName: 'pg-c', partitionIndex: 2 });
  });

  it('a cursor past the last partition gives the topic without partitions and goes on with the next', async () => {
    const response = await describeTopicPartitions(server, {
      topics: [{ name: 'pg-a' }, { name: 'pg-b' }],
      cursor: { topicName: 'pg-a', partitionIndex: 9 },
      responsePartitionLimit: 3,
    });
    expect(partitionsOf(response)).toEqual([
      ['pg-a', []],
      ['pg-b', [0, 1, 2]],
    ]);
    expect(response.nextCursor).toEqual({ topicName: 'pg-b', partitionIndex: 3 });
  });

  it('unknown and invalid topic names are answered per topic and cost nothing from the limit', async () => {
    const response = await describeTopicPartitions(server, {
      topics: [{ name: 'pg-a' }, { name: 'pg-a-missing' }, { name: 'pg-a bad name!' }, { name: 'pg-b' }, { name: 'pg-z-missing' }],
      responsePartitionLimit: 10,
    });
    expect(response.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([
      ['pg-a', ErrorCode.NONE, 5],
      ['pg-a bad name!', ErrorCode.INVALID_TOPIC_EXCEPTION, 0],
      ['pg-a-missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0],
      ['pg-b', ErrorCode.NONE, 5],
    ]);
    expect(response.topics[2]).toMatchObject({ topicId: ZERO_UUID, isInternal: false });
    // The limit is used up at the end of pg-b: the next page starts at the next listed name, known or not.
    expect(response.nextCursor).toEqual({ topicName: 'pg-z-missing', partitionIndex: 0 });
  });

  it('a cursor whose topic is not in the list, or with a negative partition, fails the request with INVALID_REQUEST', async () => {
    const notListed = await describeTopicPartitions(server, { topics: [{ name: 'pg-a' }, { name: 'pg-c' }], cursor: { topicName: 'pg-b', partitionIndex: 0 } });
    expect(notListed.topics.map((t) => [t.name, t.errorCode, t.partitions])).toEqual([
      ['pg-a', ErrorCode.INVALID_REQUEST, []],
      ['pg-c', ErrorCode.INVALID_REQUEST, []],
    ]);
    expect(notListed.nextCursor).toBeNull();
    const negative = await describeTopicPartitions(server, { topics: [{ name: 'pg-a' }], cursor: { topicName: 'pg-a', partitionIndex: -1 } });
    expect(negative.topics.map((t) => [t.name, t.errorCode])).toEqual([['pg-a', ErrorCode.INVALID_REQUEST]]);
    const negativeWithoutList = await describeTopicPartitions(server, { cursor: { topicName: 'pg-a', partitionIndex: -1 } });
    expect(negativeWithoutList.topics).toEqual([]);
  });
});

describe('DescribeTopicPartitions with max.request.partition.size.limit=3', () => {
  const capped = useBrokerWithClient({ 'max.request.partition.size.limit': '3' });

  it('caps the limit a request asks for at the broker limit', async () => {
    await capped.broker.broker.metadata.createTopic('capped', { numPartitions: 5 });
    const response = await describeTopicPartitions(capped, { topics: [{ name: 'capped' }], responsePartitionLimit: 2000 });
    expect(partitionsOf(response)).toEqual([['capped', [0, 1, 2]]]);
    expect(response.nextCursor).toEqual({ topicName: 'capped', partitionIndex: 3 });
  });
});

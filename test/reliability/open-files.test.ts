// A broker under a 200-descriptor limit (`ulimit -n 200`): creating a topic costs no descriptor per
// partition, so 1,000 partitions are created; writing to more partitions than writers may hold descriptors
// for (three quarters of the limit) fails the produce with KAFKA_STORAGE_ERROR but leaves the log dir online
// and descriptors free for new connections, and the broker restarts under the same limit.
import { readdirSync, rmSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { type BrokerProcess, ensureBuilt, spawnBroker, tempDataDir } from '../support/broker.js';

const OPEN_FILE_LIMIT = 200;
const PARTITIONS = 1000;

const running: BrokerProcess[] = [];
const dirs: string[] = [];
const clients: RawClient[] = [];

beforeAll(() => ensureBuilt(), 300_000);

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const broker of running.splice(0)) await broker.stop('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<{ broker: BrokerProcess; client: RawClient }> {
  const broker = await spawnBroker(dataDir, {}, 0, OPEN_FILE_LIMIT);
  running.push(broker);
  const client = await RawClient.connect(broker.bootstrap);
  clients.push(client);
  return { broker, client };
}

async function stop(broker: BrokerProcess): Promise<void> {
  running.splice(running.indexOf(broker), 1);
  expect(await broker.stop('SIGTERM')).toBe(0);
}

function descriptorsOf(broker: BrokerProcess): number {
  return readdirSync(`/proc/${broker.child.pid}/fd`).length;
}

async function partitionCount(client: RawClient, topic: string): Promise<number> {
  const metadata = await client.request(ApiKey.Metadata, 12, {
    topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: topic }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  expect(metadata.topics[0].errorCode).toBe(ErrorCode.NONE);
  return metadata.topics[0].partitions.length;
}

async function createTopic(client: RawClient, name: string): Promise<{ errorCode: number; numPartitions: number }> {
  const created = await client.request(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 60_000,
    validateOnly: false,
  });
  return created.topics[0];
}

async function produce(client: RawClient, topic: string, partition: number): Promise<{ errorCode: number; errorMessage: string | null }> {
  const response = await client.request(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: native.buildRecordBatch({ values: [Buffer.from(`p${partition}`)] }) }] }],
  });
  return response.responses[0].partitionResponses[0];
}

describe(`a broker limited to ${OPEN_FILE_LIMIT} open files`, () => {
  it(`creates a ${PARTITIONS}-partition topic without a descriptor per partition and restarts with it`, async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    let { broker, client } = await start(dataDir);
    const before = descriptorsOf(broker);
    expect(await createTopic(client, 'wide')).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: PARTITIONS });
    expect(descriptorsOf(broker) - before).toBeLessThan(10);
    await stop(broker);

    ({ broker, client } = await start(dataDir));
    expect(await partitionCount(client, 'wide')).toBe(PARTITIONS);
  });

  it('fails the produce that needs a descriptor too many, keeps the dir online and restarts under the same limit', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    let { broker, client } = await start(dataDir);
    expect((await createTopic(client, 'wide')).errorCode).toBe(ErrorCode.NONE);
    let written = 0;
    let failure = await produce(client, 'wide', 0);
    while (failure.errorCode === ErrorCode.NONE && written < PARTITIONS - 1) failure = await produce(client, 'wide', ++written);
    expect(failure).toMatchObject({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: expect.stringMatching(/too many open files/i) });
    expect(written).toBe((OPEN_FILE_LIMIT / 4) * 3);

    const logDirs = await client.request(ApiKey.DescribeLogDirs, 4, { topics: null });
    expect(logDirs.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([ErrorCode.NONE]);
    expect((await produce(client, 'wide', 0)).errorCode).toBe(ErrorCode.NONE);
    const connections = await Promise.all(Array.from({ length: 10 }, () => RawClient.connect(broker.bootstrap)));
    clients.push(...connections);
    for (const connection of connections) expect(await partitionCount(connection, 'wide')).toBe(PARTITIONS);
    await stop(broker);

    ({ broker, client } = await start(dataDir));
    expect(await partitionCount(client, 'wide')).toBe(PARTITIONS);
    const offsets = await client.request(ApiKey.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: 'wide',
          partitions: [
            { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n },
            { partitionIndex: written - 1, currentLeaderEpoch: -1, timestamp: -1n },
          ],
        },
      ],
    });
    expect(offsets.topics[0].partitions.map((p: { errorCode: number; offset: bigint }) => [p.errorCode, p.offset])).toEqual([
      [ErrorCode.NONE, 2n],
      [ErrorCode.NONE, 1n],
    ]);
  });
});

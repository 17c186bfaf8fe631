// Several log dirs: partitions spread over them, and a dir that fails takes only its own partitions offline
// (KAFKA_STORAGE_ERROR) while the others keep serving and new partitions go to the dirs that work.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { startBroker, tempDataDir, type TestBroker } from '../support/broker.js';
import { RawClient } from '../../bench/lib/raw-client.js';

const dirs: string[] = [];
const brokers: TestBroker[] = [];

afterEach(async () => {
  for (const broker of brokers.splice(0)) await broker.broker.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function produce(client: RawClient, topic: string, partition: number): Promise<number> {
  const response = await client.request(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: native.buildRecordBatch({ values: [Buffer.from('x')] }) }] }],
  });
  return response.responses[0].partitionResponses[0].errorCode;
}

describe('log.dirs', () => {
  it('spreads partitions over the dirs; a failed dir takes only its partitions offline', async () => {
    const root = tempDataDir();
    dirs.push(root);
    const [a, b] = [join(root, 'a'), join(root, 'b')];
    const settings = { 'log.dirs': `${a},${b}` };
    let broker = await startBroker(settings, {}, root);
    brokers.push(broker);
    await broker.broker.metadata.createTopic('spread', { numPartitions: 4 });
    let client = await RawClient.connect(broker.bootstrap);
    for (let p = 0; p < 4; p++) expect(await produce(client, 'spread', p)).toBe(ErrorCode.NONE);
    client.close();
    const inB = readdirSync(b)
      .filter((name) => name.startsWith('spread-'))
      .map((name) => Number(name.slice('spread-'.length)));
    expect(inB.length).toBe(2);
    await broker.broker.close();
    brokers.pop();

    rmSync(b, { recursive: true, force: true });
    writeFileSync(b, 'not a directory');
    broker = await startBroker(settings, {}, root);
    brokers.push(broker);
    client = await RawClient.connect(broker.bootstrap);
    for (let p = 0; p < 4; p++) {
      expect(await produce(client, 'spread', p)).toBe(inB.includes(p) ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NONE);
    }
    const metadata = await client.request(ApiKey.Metadata, 9, {
      topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'spread' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    for (const partition of metadata.topics[0].partitions) {
      expect(partition.errorCode).toBe(inB.includes(partition.partitionIndex) ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NONE);
    }
    const logDirs = await client.request(ApiKey.DescribeLogDirs, 4, { topics: null });
    expect(logDirs.results.map((r: { logDir: string; errorCode: number }) => [r.logDir, r.errorCode])).toEqual([
      [a, ErrorCode.NONE],
      [b, ErrorCode.KAFKA_STORAGE_ERROR],
    ]);
    await broker.broker.metadata.createTopic('after', { numPartitions: 2 });
    for (let p = 0; p < 2; p++) expect(await produce(client, 'after', p)).toBe(ErrorCode.NONE);
    client.close();
  });
});

// A topic whose partitions cannot all be opened (the process ran out of descriptors part way) is not left
// recorded: CreateTopics answers KAFKA_STORAGE_ERROR, the logs it opened are closed and removed, the log dir
// stays online and the name can be created again once descriptors are back.
import { readdirSync, readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { StorageError, StorageFault } from '../../src/storage/errors.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { pollUntil } from '../support/poll.js';

const brokers: TestBroker[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const broker of brokers.splice(0)) await broker.close();
});

function createTopic(client: RawClient, name: string, numPartitions: number) {
  return client.request(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
}

/** Entries of the data dir belonging to the topic (partition directories, also those being deleted). */
function topicEntries(dataDir: string, topic: string): string[] {
  return readdirSync(dataDir).filter((name) => name.startsWith(`${topic}-`));
}

/** Descriptors this process holds on files of the topic. */
function descriptorsOf(dataDir: string, topic: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dataDir}/${topic}-`)) count++;
    } catch {
      // Closed between the listing and the look-up.
    }
  }
  return count;
}

describe('CreateTopics when partitions fail to open', () => {
  it('answers KAFKA_STORAGE_ERROR, records no topic, removes the logs it opened and keeps the dir online', async () => {
    const broker = await startBroker();
    brokers.push(broker);
    const logManager = broker.broker.logManager;
    const open = logManager.getOrCreateLog.bind(logManager);
    let opened = 0;
    vi.spyOn(logManager, 'getOrCreateLog').mockImplementation((topic, partition, topicId, config) => {
      if (topic === 'doomed' && ++opened > 5)
        throw new StorageError(StorageFault.TOO_MANY_OPEN_FILES, `open ${topic}-${partition}: Too many open files (os error 24)`);
      return open(topic, partition, topicId, config);
    });
    const client = await RawClient.connect(broker.bootstrap);

    const created = await createTopic(client, 'doomed', 8);
    expect(created.topics[0]).toMatchObject({
      name: 'doomed',
      errorCode: ErrorCode.KAFKA_STORAGE_ERROR,
      errorMessage: expect.stringContaining('Too many open files'),
    });
    expect(opened).toBe(6);

    const metadata = await client.request(ApiKey.Metadata, 12, {
      topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'doomed' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    expect(metadata.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(broker.broker.metadata.topic('doomed')).toBeUndefined();
    await pollUntil(() => topicEntries(broker.dataDir, 'doomed').length === 0, 'the opened logs to be removed');
    expect(descriptorsOf(broker.dataDir, 'doomed')).toBe(0);
    const logDirs = await client.request(ApiKey.DescribeLogDirs, 4, { topics: null });
    expect(logDirs.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([ErrorCode.NONE]);

    vi.restoreAllMocks();
    const again = await createTopic(client, 'doomed', 8);
    expect(again.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 8 });
    expect(topicEntries(broker.dataDir, 'doomed')).toHaveLength(8);
    client.close();
  });
});

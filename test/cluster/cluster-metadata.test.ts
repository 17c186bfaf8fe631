// Cluster metadata: ids persisted in meta.properties, topics persisted and reloaded, Kafka's validation.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterMetadata, METADATA_FILE, type TopicInfo } from '../../src/cluster/cluster-metadata.js';
import { writeMetaProperties } from '../../src/cluster/meta-properties.js';
import { openMetadataStore } from '../../src/cluster/store/open-store.js';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { TestEtcd, etcdMissing, etcdStoreSettings } from '../support/etcd.js';
import { pollUntil } from '../support/poll.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-cluster-'));
  dirs.push(dir);
  return dir;
}

/** Runs `test` with the metadata of brokers 1 (`writer`) and 2 (`reader`) in the cluster of a new etcd, removed after. */
async function onNewEtcd(test: (writer: ClusterMetadata, reader: ClusterMetadata) => Promise<void>): Promise<void> {
  const etcd = await TestEtcd.start();
  const opened: ClusterMetadata[] = [];
  try {
    for (const nodeId of [1, 2]) {
      const dir = tempDir();
      await writeMetaProperties(dir, { clusterId: 'shared-cluster-id-00000', nodeId, directoryId: `dir-${nodeId}` });
      const config = BrokerConfig.create({ 'log.dir': dir, ...etcdStoreSettings(etcd) });
      opened.push(await ClusterMetadata.open(config, config.logDirs));
    }
    await test(opened[0]!, opened[1]!);
  } finally {
    for (const metadata of opened) await metadata.close();
    await etcd.destroy();
  }
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toSatisfy((error) => error instanceof KafkaError && error.code === code);
}

describe('cluster metadata', () => {
  it('writes meta.properties to every log dir and keeps node and cluster id across restarts', async () => {
    const a = tempDir();
    const b = tempDir();
    const config = BrokerConfig.create({ 'log.dirs': `${a},${b}` });
    const first = await ClusterMetadata.open(config, config.logDirs);
    const second = await ClusterMetadata.open(config, config.logDirs);
    expect(second.clusterId).toBe(first.clusterId);
    expect(second.nodeId).toBe(1);
    for (const dir of [a, b]) expect(readFileSync(join(dir, 'meta.properties'), 'utf8')).toContain(`cluster.id=${first.clusterId}`);
    await expectCode(ClusterMetadata.open(BrokerConfig.create({ 'node.id': 7 }), config.logDirs), ErrorCode.INCONSISTENT_CLUSTER_ID);
  });

  it('persists topics with their ids, partitions and configs', async () => {
    const dir = tempDir();
    const config = BrokerConfig.create({ 'log.dir': dir, 'num.partitions': 3 });
    const metadata = await ClusterMetadata.open(config, config.logDirs);
    const created = await metadata.createTopic('events', { configs: { 'retention.ms': '1000' } });
    await metadata.createPartitions('events', 5);
    const reopened = await ClusterMetadata.open(config, config.logDirs);
    const topic = reopened.topic('events')!;
    expect(topic.topicId).toBe(created.topicId);
    expect(topic.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4]);
    expect(reopened.topicConfig('events').number('retention.ms')).toBe(1000);
    await reopened.deleteTopic('events');
    expect((await ClusterMetadata.open(config, config.logDirs)).topic('events')).toBeUndefined();
  });

  it('deletes at start the keys a crash left unread in the middle of a change, keeping every topic', async () => {
    const dir = tempDir();
    const config = BrokerConfig.create({ 'log.dir': dir });
    const metadata = await ClusterMetadata.open(config, config.logDirs);
    await metadata.createTopic('kept', { numPartitions: 2 });
    await metadata.close();
    const location = { clusterId: metadata.clusterId, localFile: join(dir, METADATA_FILE) };
    const keys = async (): Promise<string[]> => {
      const store = await openMetadataStore(config, location);
      try {
        return (await store.range('')).kvs.map((kv) => kv.key).sort();
      } finally {
        await store.close();
      }
    };
    const kept = await keys();
    const crashed = await openMetadataStore(config, location);
    const topicId = metadata.topic('kept')!.topicId;
    const leftovers = ['partitions/hidden-id/0', `partitions/${topicId}/3`, 'configs/topics/deleted', 'log-dirs/deleted-id/1'];
    await crashed.txn({ compare: [], success: leftovers.map((key) => ({ type: 'put', key, value: '{}' })) });
    await crashed.close();

    const reopened = await ClusterMetadata.open(config, config.logDirs);
    expect(reopened.topic('kept')!.partitions).toHaveLength(2);
    await reopened.close();
    expect(await keys()).toEqual(kept);
  });

  it('tells the other listeners and the later changes when a listener fails, and answers the change that failed it', async () => {
    const config = BrokerConfig.create({ 'log.dir': tempDir() });
    const metadata = await ClusterMetadata.open(config, config.logDirs);
    try {
      const seen: string[] = [];
      await metadata.subscribe({
        topicConfigChanged: () => {
          throw new Error('a listener that cannot apply configs');
        },
      });
      await metadata.subscribe({
        topicConfigChanged: (topic: TopicInfo) => void seen.push(`configs ${topic.configs['retention.ms']}`),
        partitionsCreated: (topic: TopicInfo) => void seen.push(`grown to ${topic.partitions.length}`),
      });
      await metadata.createTopic('a', { numPartitions: 1 });
      expect((await metadata.setTopicConfigs('a', { 'retention.ms': '5' })).configs).toEqual({ 'retention.ms': '5' });
      await metadata.createPartitions('a', 2);
      expect(seen).toEqual(['configs 5', 'grown to 2']);
    } finally {
      await metadata.close();
    }
  });

  it('validates names, partitions, replication factor and configs with Kafka’s errors', async () => {
    const dir = tempDir();
    const config = BrokerConfig.create({ 'log.dir': dir });
    const metadata = await ClusterMetadata.open(config, config.logDirs);
    await expectCode(metadata.createTopic('bad/name'), ErrorCode.INVALID_TOPIC_EXCEPTION);
    await expectCode(metadata.createTopic('x'.repeat(250)), ErrorCode.INVALID_TOPIC_EXCEPTION);
    await expectCode(metadata.createTopic('t', { numPartitions: 0 }), ErrorCode.INVALID_PARTITIONS);
    await expectCode(metadata.createTopic('t', { replicationFactor: 3 }), ErrorCode.INVALID_REPLICATION_FACTOR);
    await expectCode(metadata.createTopic('t', { configs: { 'segment.bytes': 'big' } }), ErrorCode.INVALID_CONFIG);
    await metadata.createTopic('t');
    await expectCode(metadata.createTopic('t'), ErrorCode.TOPIC_ALREADY_EXISTS);
    await expectCode(metadata.createPartitions('t', 1), ErrorCode.INVALID_PARTITIONS);
  });

  it('never hands out a producer id twice, across restarts', async () => {
    const dir = tempDir();
    const config = BrokerConfig.create({ 'log.dir': dir });
    const first = await ClusterMetadata.open(config, config.logDirs);
    const ids = [await first.allocateProducerId(), await first.allocateProducerId()];
    const second = await ClusterMetadata.open(config, config.logDirs);
    ids.push(await second.allocateProducerId());
    expect(new Set(ids).size).toBe(3);
    expect(ids[2]).toBeGreaterThan(ids[1]!);
  });

  it('converts a data dir written before the metadata store in place, keeping topics, log dirs and producer ids', async () => {
    const dir = tempDir();
    await writeMetaProperties(dir, { clusterId: 'old-cluster-id-0000000', nodeId: 1, directoryId: 'dir-id' });
    const legacy = {
      version: 1,
      topics: [
        {
          name: 'events',
          topicId: '0b6a1f0e-7f61-4b5e-9d1e-1d7c2a0f0a01',
          partitions: [0, 1].map((partition) => ({ partition, leader: 1, leaderEpoch: 3, replicas: [1], isr: [1], logDir: dir })),
          configs: { 'retention.ms': '1000' },
          internal: false,
        },
      ],
      producerIdBlockEnd: '2000',
    };
    writeFileSync(join(dir, METADATA_FILE), JSON.stringify(legacy));
    const config = BrokerConfig.create({ 'log.dir': dir });
    const metadata = await ClusterMetadata.open(config, config.logDirs);
    const topic = metadata.topic('events')!;
    expect(topic).toMatchObject({ name: 'events', topicId: legacy.topics[0]!.topicId, internal: false, configs: { 'retention.ms': '1000' } });
    expect(topic.partitions).toEqual(
      [0, 1].map((partition) => ({ partition, leader: 1, leaderEpoch: 3, partitionEpoch: 0, replicas: [1], isr: [1], logDir: dir })),
    );
    expect(metadata.topicConfig('events').number('retention.ms')).toBe(1000);
    expect(await metadata.allocateProducerId()).toBe(2000n);
    await metadata.close();
    expect(JSON.parse(readFileSync(join(dir, METADATA_FILE), 'utf8')).version).toBe(2);
    const reopened = await ClusterMetadata.open(config, config.logDirs);
    expect(reopened.topic('events')?.topicId).toBe(legacy.topics[0]!.topicId);
    expect(await reopened.allocateProducerId()).toBeGreaterThanOrEqual(3000n);
    await reopened.close();
  });

  it.skipIf(etcdMissing !== undefined)('applies changes made by another broker, in order, to its listeners', () =>
    onNewEtcd(async (writer, reader) => {
      const seen: string[] = [];
      await reader.subscribe({
        topicCreated: (topic: TopicInfo) => void seen.push(`created ${topic.name} ${topic.partitions.length}`),
        partitionsCreated: (topic: TopicInfo, first: number) => void seen.push(`grown ${topic.name} from ${first}`),
        topicConfigChanged: (topic: TopicInfo) => void seen.push(`configs ${topic.name} ${topic.configs['retention.ms']}`),
        topicDeleted: (topic: TopicInfo) => void seen.push(`deleted ${topic.name}`),
      });
      const created = await writer.createTopic('a', { numPartitions: 2 });
      await writer.createPartitions('a', 3);
      await writer.setTopicConfigs('a', { 'retention.ms': '5' });
      await writer.deleteTopic('a');
      await pollUntil(() => seen.length === 4, 'the other broker’s changes');
      expect(seen).toEqual(['created a 2', 'grown a from 2', 'configs a 5', 'deleted a']);
      expect(reader.topicById(created.topicId)).toBeUndefined();
    }),
  );

  it.skipIf(etcdMissing !== undefined)(
    'keeps a watched prefix current through the metadata’s watch: what is there when opened, then the other broker’s writes only',
    () =>
      onNewEtcd(async (writer, reader) => {
        const written = await writer.watchPrefix('acls/');
        expect(await written.write([{ key: 'a', value: '1' }])).toBe(true);
        expect(written.get('a')).toBe('1');
        const seen: { key: string; value: string | undefined }[] = [];
        const watched = await reader.watchPrefix('acls/', (changes) => seen.push(...changes));
        await pollUntil(() => watched.get('a') === '1', 'the key written before');
        await writer.createTopic('t');
        expect(await written.write([{ key: 'b', value: '2' }])).toBe(true);
        expect(await written.write([{ key: 'a', value: undefined }])).toBe(true);
        await pollUntil(() => seen.length === 2, 'the other broker’s writes');
        expect(seen).toEqual([
          { key: 'b', value: '2' },
          { key: 'a', value: undefined },
        ]);
        expect(watched.entries()).toEqual(new Map([['b', '2']]));
      }),
  );
});

// Cluster metadata: ids persisted in meta.properties, topics persisted and reloaded, Kafka's validation.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterMetadata } from '../../src/cluster/cluster-metadata.js';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-cluster-'));
  dirs.push(dir);
  return dir;
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
});

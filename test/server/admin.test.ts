// Admin APIs over the wire: configs (describe with sources and synonyms, alter, incremental alter), partitions,
// record deletion, leader-epoch end offsets, cluster description, log dirs and ACLs.
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigSource } from '../../src/config/config-def.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { useBrokerWithClient } from '../support/broker-with-client.js';

const TOPIC = 2;
const BROKER = 4;
const server = useBrokerWithClient({ 'num.partitions': 2, 'log.retention.hours': 48 });

beforeAll(async () => {
  await server.broker.broker.metadata.createTopic('admin', { numPartitions: 1 });
});

async function describeTopic(keys: string[] | null = null) {
  const response = await server.client.request(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType: TOPIC, resourceName: 'admin', configurationKeys: keys }],
    includeSynonyms: true,
    includeDocumentation: true,
  });
  return response.results[0];
}

describe('admin APIs', () => {
  it('describes topic and broker configs with values, sources, synonyms and docs', async () => {
    const result = await describeTopic(['retention.ms', 'segment.bytes']);
    expect(result.errorCode).toBe(ErrorCode.NONE);
    const retention = result.configs.find((c: { name: string }) => c.name === 'retention.ms');
    expect(retention).toMatchObject({ value: String(48 * 3_600_000), configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(retention.documentation).toBeTruthy();
    const brokerConfigs = await server.client.request(ApiKey.DescribeConfigs, 4, {
      resources: [
        { resourceType: BROKER, resourceName: String(server.broker.broker.metadata.nodeId), configurationKeys: ['num.partitions', 'message.max.bytes'] },
      ],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(brokerConfigs.results[0].configs.map((c: { name: string; value: string; configSource: number }) => [c.name, c.value, c.configSource])).toEqual([
      ['num.partitions', '2', ConfigSource.STATIC_BROKER_CONFIG],
      ['message.max.bytes', '1048588', ConfigSource.DEFAULT_CONFIG],
    ]);
    const unknown = await server.client.request(ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: TOPIC, resourceName: 'missing', configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(unknown.results[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('alters topic configs: incremental SET/DELETE/APPEND, full replacement, validation', async () => {
    const incremental = await server.client.request(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: TOPIC,
          resourceName: 'admin',
          configs: [
            { name: 'retention.ms', configOperation: 0, value: '1000' },
            { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
          ],
        },
      ],
      validateOnly: false,
    });
    expect(incremental.responses[0].errorCode).toBe(ErrorCode.NONE);
    let configs = (await describeTopic(['retention.ms', 'cleanup.policy'])).configs;
    expect(configs.map((c: { value: string; configSource: number }) => [c.value, c.configSource])).toEqual([
      ['compact', ConfigSource.DYNAMIC_TOPIC_CONFIG],
      ['1000', ConfigSource.DYNAMIC_TOPIC_CONFIG],
    ]);
    const bad = await server.client.request(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: TOPIC, resourceName: 'admin', configs: [{ name: 'retention.ms', configOperation: 0, value: 'soon' }] }],
      validateOnly: false,
    });
    expect(bad.responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    const replaced = await server.client.request(ApiKey.AlterConfigs, 2, {
      resources: [{ resourceType: TOPIC, resourceName: 'admin', configs: [{ name: 'segment.bytes', value: '1048576' }] }],
      validateOnly: false,
    });
    expect(replaced.responses[0].errorCode).toBe(ErrorCode.NONE);
    configs = (await describeTopic(['retention.ms', 'segment.bytes'])).configs;
    expect(configs.map((c: { name: string; configSource: number }) => [c.name, c.configSource])).toEqual([
      ['retention.ms', ConfigSource.STATIC_BROKER_CONFIG],
      ['segment.bytes', ConfigSource.DYNAMIC_TOPIC_CONFIG],
    ]);
    const brokerAlter = await server.client.request(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: BROKER, resourceName: '1', configs: [{ name: 'num.partitions', configOperation: 0, value: '3' }] }],
      validateOnly: false,
    });
    expect(brokerAlter.responses[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('grows partitions and refuses to shrink them', async () => {
    const grow = await server.client.request(ApiKey.CreatePartitions, 3, {
      topics: [{ name: 'admin', count: 3, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(grow.results[0].errorCode).toBe(ErrorCode.NONE);
    expect(server.broker.broker.replicaManager.partition('admin', 2)).toBeDefined();
    const shrink = await server.client.request(ApiKey.CreatePartitions, 3, {
      topics: [{ name: 'admin', count: 2, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(shrink.results[0].errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
  });

  it('deletes records up to an offset and reports the new low watermark', async () => {
    await server.broker.broker.replicaManager.appendRecords(
      [
        {
          topic: 'admin',
          partition: 0,
          records: native.buildRecordBatch({ keys: [0, 1, 2, 3].map((i) => Buffer.from(`k${i}`)), values: [0, 1, 2, 3].map((i) => Buffer.from(`v${i}`)) }),
        },
      ],
      { acks: 1, timeoutMs: 1000 },
    );
    const deleted = await server.client.request(ApiKey.DeleteRecords, 2, {
      topics: [{ name: 'admin', partitions: [{ partitionIndex: 0, offset: 2n }] }],
      timeoutMs: 5000,
    });
    expect(deleted.topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, lowWatermark: 2n });
    const beyond = await server.client.request(ApiKey.DeleteRecords, 2, {
      topics: [{ name: 'admin', partitions: [{ partitionIndex: 0, offset: 99n }] }],
      timeoutMs: 5000,
    });
    expect(beyond.topics[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  it('answers OffsetForLeaderEpoch, DescribeCluster, DescribeLogDirs and DescribeAcls', async () => {
    const epochs = await server.client.request(ApiKey.OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [
        {
          topic: 'admin',
          partitions: [
            { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
            { partition: 0, currentLeaderEpoch: 5, leaderEpoch: 0 },
          ],
        },
      ],
    });
    expect(epochs.topics[0].partitions.map((p: { errorCode: number; endOffset: bigint }) => [p.errorCode, p.endOffset])).toEqual([
      [ErrorCode.NONE, 4n],
      [ErrorCode.UNKNOWN_LEADER_EPOCH, -1n],
    ]);
    const cluster = await server.client.request(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    expect(cluster).toMatchObject({
      errorCode: ErrorCode.NONE,
      clusterId: server.broker.broker.metadata.clusterId,
      controllerId: server.broker.broker.metadata.nodeId,
    });
    expect(cluster.brokers).toHaveLength(1);
    const logDirs = await server.client.request(ApiKey.DescribeLogDirs, 4, { topics: [{ topic: 'admin', partitions: [0] }] });
    expect(logDirs.results[0].topics).toEqual([{ name: 'admin', partitions: [expect.objectContaining({ partitionIndex: 0 })] }]);
    expect(logDirs.results[0].totalBytes).toBeGreaterThan(0n);
    const acls = await server.client.request(ApiKey.DescribeAcls, 3, {
      resourceTypeFilter: 1,
      resourceNameFilter: null,
      patternTypeFilter: 1,
      principalFilter: null,
      hostFilter: null,
      operation: 1,
      permissionType: 1,
    });
    expect(acls.errorCode).toBe(ErrorCode.SECURITY_DISABLED);
  });
});

// Metadata tells clients the advertised address, not the bound one; node and cluster ids come from the data dir.
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { startBroker } from '../support/broker.js';
import { RawClient } from '../../bench/lib/raw-client.js';

describe('advertised.listeners', () => {
  it('is what Metadata and DescribeCluster report', async () => {
    const broker = await startBroker({ 'advertised.listeners': 'PLAINTEXT://broker.example.test:19999', 'node.id': 7 });
    try {
      const client = await RawClient.connect(`127.0.0.1:${broker.broker.port}`);
      const metadata = await client.request(ApiKey.Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      expect(metadata.brokers).toEqual([{ nodeId: 7, host: 'broker.example.test', port: 19999, rack: null }]);
      expect(metadata).toMatchObject({ controllerId: 7, clusterId: broker.broker.metadata.clusterId });
      const cluster = await client.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false, endpointType: 1 });
      expect(cluster.brokers).toEqual([{ brokerId: 7, host: 'broker.example.test', port: 19999, rack: null }]);
      client.close();
    } finally {
      await broker.close();
    }
  });
});

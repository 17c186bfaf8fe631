// Kafka's listener rules: names map to protocols, unique names and ports, advertised per listener, the inter-broker listener.
import { describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { SecurityProtocol, planListeners } from '../../src/security/listeners.js';
import { RawClient } from '../../bench/lib/raw-client.js';
import { startBroker } from '../support/broker.js';

function plan(settings: Record<string, string>) {
  return planListeners(BrokerConfig.create(settings));
}

function refused(settings: Record<string, string>, message: RegExp): void {
  let error: unknown;
  try {
    plan(settings);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(KafkaError);
  expect((error as KafkaError).code).toBe(ErrorCode.INVALID_CONFIG);
  expect((error as KafkaError).message).toMatch(message);
}

describe('listeners', () => {
  it('maps each listener name to its protocol, upper-cased, with Kafka’s default map', () => {
    const { listeners, interBrokerListener } = plan({ listeners: 'PLAINTEXT://:9092,ssl://127.0.0.1:9093,SASL_SSL://[::1]:9094' });
    expect(listeners).toEqual([
      { name: 'PLAINTEXT', protocol: SecurityProtocol.PLAINTEXT, host: '', port: 9092 },
      { name: 'SSL', protocol: SecurityProtocol.SSL, host: '127.0.0.1', port: 9093 },
      { name: 'SASL_SSL', protocol: SecurityProtocol.SASL_SSL, host: '::1', port: 9094 },
    ]);
    expect(interBrokerListener).toBe('PLAINTEXT');
  });

  it('takes custom names from listener.security.protocol.map and inter.broker.listener.name', () => {
    const { listeners, interBrokerListener } = plan({
      listeners: 'CLIENT://:9092,REPLICATION://:9093',
      'listener.security.protocol.map': 'CLIENT:SASL_SSL,REPLICATION:SSL',
      'inter.broker.listener.name': 'replication',
    });
    expect(listeners.map((l) => [l.name, l.protocol])).toEqual([
      ['CLIENT', SecurityProtocol.SASL_SSL],
      ['REPLICATION', SecurityProtocol.SSL],
    ]);
    expect(interBrokerListener).toBe('REPLICATION');
  });

  it('refuses what Kafka refuses', () => {
    refused({ listeners: 'CLIENT://:9092' }, /no security protocol defined for listener CLIENT/);
    refused({ listeners: 'PLAINTEXT://:9092,PLAINTEXT://:9093' }, /different name/);
    refused({ listeners: 'PLAINTEXT://:9092,SSL://:9092' }, /different port/);
    refused({ listeners: 'PLAINTEXT://9092' }, /NAME:\/\/host:port/);
    refused({ listeners: 'PLAINTEXT://:9092', 'listener.security.protocol.map': 'PLAINTEXT:TLS' }, /unknown security protocol TLS/);
    refused({ listeners: 'PLAINTEXT://:9092', 'advertised.listeners': 'SSL://a:1' }, /not one of listeners/);
    refused({ listeners: 'PLAINTEXT://:9092', 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }, /nonroutable/);
    refused({ listeners: 'PLAINTEXT://:9092', 'inter.broker.listener.name': 'SSL' }, /must be one of the listeners/);
    refused({ listeners: 'PLAINTEXT://:9092', 'inter.broker.listener.name': 'PLAINTEXT', 'security.inter.broker.protocol': 'PLAINTEXT' }, /only one of/);
  });

  it('accepts listener-prefixed security keys and gives each listener its own view', () => {
    const config = BrokerConfig.create({
      'ssl.client.auth': 'none',
      'listener.name.internal.ssl.client.auth': 'required',
      'listener.name.internal.plain.sasl.jaas.config': 'x',
    });
    expect(config.unknownKeys).toEqual([]);
    expect(config.forListener('INTERNAL').string('ssl.client.auth')).toBe('required');
    expect(config.forListener('INTERNAL').string('plain.sasl.jaas.config')).toBe('x');
    expect(config.forListener('EXTERNAL').string('ssl.client.auth')).toBe('none');
    expect(BrokerConfig.create({ 'listener.name.internal.log.dir': 'x' }).unknownKeys).toEqual(['listener.name.internal.log.dir']);
  });

  it('answers Metadata, DescribeCluster and FindCoordinator with the endpoint of the listener the client came in on', async () => {
    const broker = await startBroker({
      listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
      'advertised.listeners': 'INTERNAL://internal.example.test:29092',
      'node.id': 3,
    });
    const clients: RawClient[] = [];
    try {
      const external = broker.bootstrap;
      const ports = broker.broker.listeners.map((l) => l.port);
      expect(broker.broker.listeners.map((l) => l.name)).toEqual(['PLAINTEXT', 'INTERNAL']);
      const seen: unknown[] = [];
      for (const port of ports) {
        const client = await RawClient.connect(`127.0.0.1:${port}`);
        clients.push(client);
        const metadata = await client.request(ApiKey.Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
        const cluster = await client.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false, endpointType: 1 });
        const coordinator = await client.request(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['g'] });
        seen.push([
          metadata.brokers,
          cluster.brokers.map((b: { host: string; port: number }) => `${b.host}:${b.port}`),
          `${coordinator.coordinators[0].host}:${coordinator.coordinators[0].port}`,
        ]);
      }
      expect(seen).toEqual([
        [[{ nodeId: 3, host: '127.0.0.1', port: ports[0], rack: null }], [external], external],
        [[{ nodeId: 3, host: 'internal.example.test', port: 29092, rack: null }], ['internal.example.test:29092'], 'internal.example.test:29092'],
      ]);
    } finally {
      for (const client of clients) client.close();
      await broker.close();
    }
  });
});

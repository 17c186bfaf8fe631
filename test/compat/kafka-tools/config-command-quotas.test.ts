// Kafka 4.4's own ConfigCommand (kafka-configs.sh) managing client quotas through AlterClientQuotas and
// DescribeClientQuotas: --alter --entity-type users / clients (named and --entity-default), --describe, and
// --delete-config, from the jars the Kafka benchmark target keeps in bench/.cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_VERSION } from '../../../bench/targets/kafka.js';
import { startBroker, type TestBroker } from '../../support/broker.js';
import { kafkaTool, kafkaToolsMissing } from '../../support/kafka-tools.js';

const reason = kafkaToolsMissing;

let broker: TestBroker;

beforeAll(async () => {
  if (reason) return;
  broker = await startBroker();
});

afterAll(async () => {
  await broker?.close();
});

const kafkaConfigs = (...args: string[]) => kafkaTool(broker.bootstrap, 'ConfigCommand', ...args);

describe.skipIf(reason !== '')(`Kafka ${KAFKA_VERSION} ConfigCommand quotas ${reason}`, () => {
  it('alters and describes user and client-id quotas, defaults included', async () => {
    await kafkaConfigs('--alter', '--add-config', 'producer_byte_rate=1048576,consumer_byte_rate=2097152', '--entity-type', 'users', '--entity-name', 'alice');
    await kafkaConfigs('--alter', '--add-config', 'request_percentage=50', '--entity-type', 'clients', '--entity-default');
    const quotas = broker.broker.services.quotas;
    expect(quotas.describe([], false).map((e) => [e.entity, Object.fromEntries(e.values)])).toEqual(
      expect.arrayContaining([
        [[{ entityType: 'user', entityName: 'alice' }], { producer_byte_rate: 1048576, consumer_byte_rate: 2097152 }],
        [[{ entityType: 'client-id', entityName: null }], { request_percentage: 50 }],
      ]),
    );
    const alice = await kafkaConfigs('--describe', '--entity-type', 'users', '--entity-name', 'alice');
    expect(alice).toContain("Quota configs for user-principal 'alice' are");
    expect(alice).toContain('producer_byte_rate=1048576.0');
    expect(alice).toContain('consumer_byte_rate=2097152.0');

    await kafkaConfigs('--alter', '--delete-config', 'consumer_byte_rate', '--entity-type', 'users', '--entity-name', 'alice');
    const after = await kafkaConfigs('--describe', '--entity-type', 'users', '--entity-name', 'alice');
    expect(after).toContain('producer_byte_rate=1048576.0');
    expect(after).not.toContain('consumer_byte_rate');
  }, 120_000);
});

// Kafka 4.4's own ConfigCommand (kafka-configs.sh) managing client quotas through AlterClientQuotas and
// DescribeClientQuotas: --alter --entity-type users / clients (named and --entity-default), --describe, and
// --delete-config, from the jars the Kafka benchmark target keeps in bench/.cache.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_VERSION, kafkaClasspath, kafkaLibs } from '../../../bench/targets/kafka.js';
import { startBroker, type TestBroker } from '../../support/broker.js';

const run = promisify(execFile);

const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const hasKafkaTools = existsSync(join(kafkaLibs(), `kafka-tools-${KAFKA_VERSION}.jar`));
const reason = !hasJava
  ? 'skipped: no java on PATH'
  : !hasKafkaTools
    ? `skipped: no Kafka ${KAFKA_VERSION} jars in bench/.cache (the Kafka benchmark target fetches them)`
    : '';

let broker: TestBroker;

beforeAll(async () => {
  if (reason) return;
  broker = await startBroker();
});

afterAll(async () => {
  await broker?.close();
});

/** Runs ConfigCommand as kafka-configs.sh would, without blocking this process's event loop (the broker's). */
async function kafkaConfigs(...args: string[]): Promise<string> {
  const { stdout } = await run(
    'java',
    ['-Xmx256m', '-cp', kafkaClasspath(), 'org.apache.kafka.tools.ConfigCommand', '--bootstrap-server', broker.bootstrap, ...args],
    { timeout: 60_000 },
  );
  return stdout;
}

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

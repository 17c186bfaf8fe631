// Kafka 4.4's Java client (its own tools, from the jars the Kafka benchmark target keeps in bench/.cache) over
// gregor's SASL listeners: PLAIN over SASL_SSL on TLS 1.2, SCRAM-SHA-512 over SASL_SSL on TLS 1.3 (a PEM trust
// store, host name verified), SCRAM-SHA-256 over SASL_PLAINTEXT consuming in a group, a wrong password refused.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_VERSION, kafkaClasspath } from '../../bench/targets/kafka.js';
import { SCRAM_MECHANISMS } from '../../src/security/scram/scram-mechanism.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { type TestCertificates, makeCertificates } from '../support/certificates.js';
import { kafkaToolsMissing } from '../support/kafka-tools.js';
import { upsertion } from '../support/scram-client.js';

const run = promisify(execFile);
const reason = kafkaToolsMissing;
const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';
const SCRAM_PASSWORD = 'scram secret, with=signs';

let certs: TestCertificates;
let broker: TestBroker;
let saslSsl: string;
let saslPlaintext: string;
let dir: string;

beforeAll(async () => {
  if (reason) return;
  certs = await makeCertificates();
  dir = mkdtempSync(join(certs.dir, 'java-'));
  broker = await startBroker({
    listeners: 'SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    'security.inter.broker.protocol': 'SASL_PLAINTEXT',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.serverKeystore,
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': PLAIN_JAAS,
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
    'failed.authentication.delay.ms': 50,
    'group.initial.rebalance.delay.ms': 0,
  });
  const [ssl, plaintext] = broker.broker.listeners;
  saslSsl = `127.0.0.1:${ssl!.port}`;
  saslPlaintext = `127.0.0.1:${plaintext!.port}`;
  await broker.broker.services.scramCredentials.apply(await Promise.all(SCRAM_MECHANISMS.map((m) => upsertion(m, 'alice', SCRAM_PASSWORD))));
  await broker.broker.metadata.createTopic('java-sasl', { numPartitions: 1 });
}, 120_000);

afterAll(async () => {
  await broker?.close();
  certs?.remove();
});

/** A client properties file: SASL with the mechanism's login module, and TLS on the given version when one is named. */
function clientConfig(name: string, bootstrap: string, mechanism: string, password: string, tlsVersion?: 'TLSv1.2' | 'TLSv1.3'): string {
  const loginModule =
    mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  const lines = [
    `bootstrap.servers=${bootstrap}`,
    'acks=all',
    `security.protocol=${tlsVersion ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`,
    `sasl.mechanism=${mechanism}`,
    `sasl.jaas.config=${loginModule} required username="alice" password="${password}";`,
    ...(tlsVersion
      ? ['ssl.truststore.type=PEM', `ssl.truststore.location=${certs.caFile}`, `ssl.protocol=${tlsVersion}`, `ssl.enabled.protocols=${tlsVersion}`]
      : []),
  ];
  const file = join(dir, `${name}.properties`);
  writeFileSync(file, lines.join('\n'));
  return file;
}

async function java(tool: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('java', ['-Xmx256m', '-cp', kafkaClasspath(), `org.apache.kafka.tools.${tool}`, ...args], { timeout: 90_000 });
  return stdout;
}

async function produce(config: string, records: number): Promise<string> {
  return java('ProducerPerformance', [
    '--topic',
    'java-sasl',
    '--num-records',
    String(records),
    '--throughput',
    '-1',
    '--record-size',
    '64',
    '--command-config',
    config,
  ]);
}

describe.skipIf(reason !== '')(`SASL with Kafka ${KAFKA_VERSION}'s Java client ${reason}`, () => {
  it('produces with PLAIN over SASL_SSL on TLS 1.2 and with SCRAM-SHA-512 over SASL_SSL on TLS 1.3', async () => {
    expect(await produce(clientConfig('plain-tls12', saslSsl, 'PLAIN', 'alice-secret', 'TLSv1.2'), 5)).toMatch(/^5 records sent/m);
    expect(await produce(clientConfig('scram512-tls13', saslSsl, 'SCRAM-SHA-512', SCRAM_PASSWORD, 'TLSv1.3'), 5)).toMatch(/^5 records sent/m);
  }, 180_000);

  it('consumes in a group with SCRAM-SHA-256 over SASL_PLAINTEXT', async () => {
    await produce(clientConfig('scram256-produce', saslPlaintext, 'SCRAM-SHA-256', SCRAM_PASSWORD), 3);
    const config = clientConfig('scram256', saslPlaintext, 'SCRAM-SHA-256', SCRAM_PASSWORD);
    const out = await java('consumer.ConsoleConsumer', [
      '--bootstrap-server',
      saslPlaintext,
      '--topic',
      'java-sasl',
      '--group',
      'java-sasl-group',
      '--from-beginning',
      '--max-messages',
      '3',
      '--timeout-ms',
      '30000',
      '--command-config',
      config,
    ]);
    expect(out.trim().split('\n')).toHaveLength(3);
  }, 180_000);

  it('is refused with a wrong password, with the message Kafka gives', async () => {
    const config = clientConfig('wrong', saslPlaintext, 'SCRAM-SHA-256', 'wrong');
    const failure = await java('TopicCommand', ['--bootstrap-server', saslPlaintext, '--command-config', config, '--list']).then(
      () => undefined,
      (error: { code?: number; stdout?: string; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(`${failure?.stdout}${failure?.stderr}`).toMatch(
      /SaslAuthenticationException: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/,
    );
  }, 120_000);
});

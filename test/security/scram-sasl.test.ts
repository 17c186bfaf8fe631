// SASL/SCRAM-SHA-256 and -512 on SASL_SSL and SASL_PLAINTEXT listeners against kafkajs, kcat, confluent-kafka
// (Debian's python3-confluent-kafka) and raw requests: logins, and Kafka's refusals (a wrong password and
// an unknown user answered alike, SASL_AUTHENTICATION_FAILED after the delay, the connection closed).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { SCRAM_MECHANISMS, type ScramMechanism } from '../../src/security/scram/scram-mechanism.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { type TestCertificates, makeCertificates } from '../support/certificates.js';
import { hasKcat, kcat } from '../support/kcat.js';
import { ScramTestClient, upsertion } from '../support/scram-client.js';

const DELAY_MS = 200;
const PASSWORD = 'scram "secret", with=signs';

let certs: TestCertificates;
let broker: TestBroker;
let saslSsl: string;
let saslPlaintext: string;

beforeAll(async () => {
  certs = await makeCertificates();
  broker = await startBroker({
    listeners: 'SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.serverKeystore,
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
    'failed.authentication.delay.ms': DELAY_MS,
    'group.initial.rebalance.delay.ms': 0,
  });
  const [ssl, plaintext] = broker.broker.listeners;
  saslSsl = `127.0.0.1:${ssl!.port}`;
  saslPlaintext = `127.0.0.1:${plaintext!.port}`;
  await broker.broker.services.scramCredentials.apply(
    await Promise.all(SCRAM_MECHANISMS.flatMap((m) => [upsertion(m, 'alice', PASSWORD, 8192), upsertion(m, 'bob', 'bob-secret')])),
  );
}, 120_000);

afterAll(async () => {
  await broker?.close();
  certs?.remove();
});

function kafkajs(bootstrap: string, mechanism: ScramMechanism, username: string, password: string): Kafka {
  return new Kafka({
    clientId: 'scram-test',
    brokers: [bootstrap],
    ssl: bootstrap === saslSsl ? { ca: [certs.read(certs.caFile)] } : false,
    sasl: { mechanism: mechanism.name.toLowerCase() as 'scram-sha-256', username, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
}

/** A SCRAM login over a raw connection: the SaslAuthenticate answers, the first failed one last. */
async function rawLogin(
  client: RawClient,
  mechanism: ScramMechanism,
  user: string,
  password: string,
): Promise<{ errorCode: number; errorMessage: string | null }> {
  expect((await client.request(ApiKey.SaslHandshake, 1, { mechanism: mechanism.name })).errorCode).toBe(ErrorCode.NONE);
  const scram = new ScramTestClient(mechanism, user, password);
  const first = await client.request(ApiKey.SaslAuthenticate, 2, { authBytes: scram.firstMessage() });
  if (first.errorCode !== ErrorCode.NONE) return first;
  const final = await client.request(ApiKey.SaslAuthenticate, 2, { authBytes: await scram.finalMessage(first.authBytes) });
  if (final.errorCode === ErrorCode.NONE) expect(scram.verifiesServer(final.authBytes)).toBe(true);
  return final;
}

function pythonConfluentKafka(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import confluent_kafka'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const CONFLUENT_PRODUCE_CONSUME = `
import sys, uuid
from confluent_kafka import Producer, Consumer
bootstrap, protocol, mechanism, user, password, ca, topic = sys.argv[1:8]
common = {'bootstrap.servers': bootstrap, 'security.protocol': protocol, 'sasl.mechanisms': mechanism,
          'sasl.username': user, 'sasl.password': password}
if ca: common['ssl.ca.location'] = ca
p = Producer(common)
p.produce(topic, b'from-confluent')
if p.flush(20) != 0: sys.exit('not delivered')
c = Consumer(dict(common, **{'group.id': 'confluent-' + uuid.uuid4().hex, 'auto.offset.reset': 'earliest'}))
c.subscribe([topic])
for _ in range(60):
    m = c.poll(0.5)
    if m is not None and m.error() is None:
        print(m.value().decode()); break
    if m is not None and m.error() is not None and m.error().fatal(): sys.exit(str(m.error()))
c.close()
`;

describe('SASL/SCRAM', () => {
  for (const mechanism of SCRAM_MECHANISMS) {
    it(`lets kafkajs in with ${mechanism.name} over SASL_SSL and SASL_PLAINTEXT`, async () => {
      const topic = `scram-${mechanism.type}`;
      const admin = kafkajs(saslSsl, mechanism, 'alice', PASSWORD).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic }] });
      await admin.disconnect();
      const producer = kafkajs(saslPlaintext, mechanism, 'bob', 'bob-secret').producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ value: 'hello' }] });
      await producer.disconnect();
      const refused = kafkajs(saslPlaintext, mechanism, 'alice', 'wrong').admin();
      await expect(refused.connect()).rejects.toThrow(
        `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism.name}`,
      );
    }, 60_000);
  }

  it.skipIf(!hasKcat())(
    'lets kcat in with SCRAM-SHA-256 and SCRAM-SHA-512, and refuses a wrong password',
    async () => {
      const scram = (mechanism: string, password = PASSWORD) => [
        '-X',
        `sasl.mechanisms=${mechanism}`,
        '-X',
        'sasl.username=alice',
        '-X',
        `sasl.password=${password}`,
      ];
      await kcat(['-b', saslPlaintext, '-X', 'security.protocol=sasl_plaintext', ...scram('SCRAM-SHA-256'), '-P', '-t', 'scram-kcat'], 'x\ny\n');
      const tls = ['-X', 'security.protocol=sasl_ssl', '-X', `ssl.ca.location=${certs.caFile}`];
      const out = await kcat(['-b', saslSsl, ...tls, ...scram('SCRAM-SHA-512'), '-C', '-t', 'scram-kcat', '-o', 'beginning', '-e', '-q']);
      expect(out.trim().split('\n')).toEqual(['x', 'y']);
      await expect(
        kcat(['-b', saslPlaintext, '-X', 'security.protocol=sasl_plaintext', ...scram('SCRAM-SHA-512', 'nope'), '-L', '-m', '3'], undefined, 15_000),
      ).rejects.toThrow(/invalid credentials with SASL mechanism SCRAM-SHA-512/);
    },
    60_000,
  );

  it.skipIf(!pythonConfluentKafka())(
    'lets confluent-kafka (python) produce and consume with SCRAM-SHA-512 over SASL_SSL and SCRAM-SHA-256 over SASL_PLAINTEXT',
    async () => {
      const run = promisify(execFile);
      const python = (args: string[]) => run('/usr/bin/python3', ['-c', CONFLUENT_PRODUCE_CONSUME, ...args], { timeout: 60_000 });
      const viaTls = await python([saslSsl, 'SASL_SSL', 'SCRAM-SHA-512', 'alice', PASSWORD, certs.caFile, 'scram-confluent']);
      expect(viaTls.stdout.trim()).toBe('from-confluent');
      const plain = await python([saslPlaintext, 'SASL_PLAINTEXT', 'SCRAM-SHA-256', 'bob', 'bob-secret', '', 'scram-confluent-2']);
      expect(plain.stdout.trim()).toBe('from-confluent');
    },
    120_000,
  );

  it('answers a wrong password and an unknown user alike, after the delay, and closes those connections', async () => {
    const [mechanism] = SCRAM_MECHANISMS;
    const healthy = await RawClient.connect(saslPlaintext);
    expect((await rawLogin(healthy, mechanism!, 'alice', PASSWORD)).errorCode).toBe(ErrorCode.NONE);
    const wrong = await RawClient.connect(saslPlaintext);
    const unknown = await RawClient.connect(saslPlaintext);
    const started = Date.now();
    const answers = await Promise.all([rawLogin(wrong, mechanism!, 'alice', 'wrong'), rawLogin(unknown, mechanism!, 'mallory', PASSWORD)]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(DELAY_MS - 5);
    const generic = {
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
    };
    expect(answers[0]).toMatchObject(generic);
    expect(answers[1]).toMatchObject(generic);
    await Promise.all([wrong.closed, unknown.closed]);
    expect(
      (await healthy.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).brokers,
    ).toHaveLength(1);
    healthy.close();
  }, 30_000);

  it('lists only the enabled mechanisms and refuses PLAIN when it is not one of them', async () => {
    const client = await RawClient.connect(saslPlaintext);
    expect(await client.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).toEqual({
      errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
    });
    await client.closed;
  });
});

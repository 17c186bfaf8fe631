// @platformatic/kafka 1.35 over gregor's security: PLAIN over SASL_SSL on TLS 1.2, SCRAM-SHA-256 and -512 over
// SASL_SSL on TLS 1.3 and SASL_PLAINTEXT, OAUTHBEARER with an unsecured JWT, a wrong password refused, and its
// timer-driven re-authentication (at 80% of session_lifetime_ms) keeping a producer going past several sessions.
import { AuthenticationError, Producer, type SASLOptions, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { SCRAM_MECHANISMS } from '../../src/security/scram/scram-mechanism.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { type TestCertificates, makeCertificates } from '../support/certificates.js';
import { nowSeconds, unsecuredJwt } from '../support/jwt.js';
import { pollUntil } from '../support/poll.js';
import { upsertion } from '../support/scram-client.js';

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';
const OAUTH_JAAS = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;';
const SESSION_MS = 3000;

let certs: TestCertificates;
let broker: TestBroker;
let saslSsl: string;
let saslPlaintext: string;
let handshakes = 0;

beforeAll(async () => {
  certs = await makeCertificates();
  broker = await startBroker(
    {
      listeners: 'SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'security.inter.broker.protocol': 'SASL_PLAINTEXT',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.serverKeystore,
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': PLAIN_JAAS,
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config': OAUTH_JAAS,
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': OAUTH_JAAS,
      'listener.name.sasl_plaintext.plain.connections.max.reauth.ms': SESSION_MS,
      'failed.authentication.delay.ms': 50,
    },
    { observeRequest: { requestCompleted: (timing) => void (timing.apiKey === ApiKey.SaslHandshake && handshakes++) } },
  );
  const [ssl, plaintext] = broker.broker.listeners;
  saslSsl = `127.0.0.1:${ssl!.port}`;
  saslPlaintext = `127.0.0.1:${plaintext!.port}`;
  await broker.broker.services.scramCredentials.apply(await Promise.all(SCRAM_MECHANISMS.map((m) => upsertion(m, 'alice', 'scram-secret'))));
  await broker.broker.metadata.createTopic('plt-secure', { numPartitions: 1 });
}, 120_000);

afterAll(async () => {
  await broker?.close();
  certs?.remove();
});

function producer(bootstrap: string, sasl: SASLOptions, tlsVersion?: 'TLSv1.2' | 'TLSv1.3'): Producer<string, string, string, string> {
  return new Producer({
    clientId: 'plt-secure',
    bootstrapBrokers: [bootstrap],
    serializers: stringSerializers,
    sasl,
    tls: tlsVersion && { ca: certs.read(certs.caFile), minVersion: tlsVersion, maxVersion: tlsVersion },
    retries: 0,
  });
}

async function sendOne(client: Producer<string, string, string, string>, value: string): Promise<void> {
  const result = await client.send({ messages: [{ topic: 'plt-secure', value }], acks: -1 });
  expect(result.offsets?.[0]?.topic).toBe('plt-secure');
}

describe('@platformatic/kafka over SASL and TLS', () => {
  const cases: [string, string, SASLOptions, ('TLSv1.2' | 'TLSv1.3')?][] = [
    ['PLAIN over SASL_SSL on TLS 1.2', 'ssl', { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' }, 'TLSv1.2'],
    ['SCRAM-SHA-512 over SASL_SSL on TLS 1.3', 'ssl', { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'scram-secret' }, 'TLSv1.3'],
    ['SCRAM-SHA-256 over SASL_PLAINTEXT', 'plaintext', { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'scram-secret' }],
    ['OAUTHBEARER with an unsecured JWT', 'plaintext', { mechanism: 'OAUTHBEARER', token: unsecuredJwt({ sub: 'alice', exp: nowSeconds() + 600 }) }],
  ];
  for (const [name, listener, sasl, tlsVersion] of cases) {
    it(`produces with ${name}`, async () => {
      const client = producer(listener === 'ssl' ? saslSsl : saslPlaintext, sasl, tlsVersion);
      try {
        await sendOne(client, name);
      } finally {
        await client.close();
      }
    });
  }

  it('is refused with a wrong password', async () => {
    const client = producer(saslPlaintext, { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'wrong' });
    try {
      const refused = await client.send({ messages: [{ topic: 'plt-secure', value: 'refused' }] }).then(
        () => undefined,
        (error: { errors?: { cause?: Error }[] }) => error,
      );
      expect(refused?.errors?.[0]?.cause).toBeInstanceOf(AuthenticationError);
    } finally {
      await client.close();
    }
  });

  it('re-authenticates on its own and keeps producing, without retries, across several sessions', async () => {
    const client = producer(saslPlaintext, { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' });
    try {
      await sendOne(client, 'first');
      const before = handshakes;
      // Each session lasts 3 s and is re-authenticated at 2.4 s: wait for two re-authentications, sending throughout.
      let sent = 0;
      await pollUntil(
        async () => {
          await sendOne(client, `during ${sent++}`);
          return handshakes - before >= 2;
        },
        'two re-authentications',
        { timeoutMs: 15_000 },
      );
      await sendOne(client, 'last');
    } finally {
      await client.close();
    }
  }, 30_000);
});

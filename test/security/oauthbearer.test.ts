// SASL/OAUTHBEARER on two listeners: DEV takes Kafka's unsecured JWTs (kcat's built-in token, the Java
// client's unsecured login module, kafkajs with a token provider), PROD only tokens signed by a key of a JWKS
// the test serves over http on loopback, with issuer and audience checked. Refusals answer the JSON
// challenge then SASL_AUTHENTICATION_FAILED; the token's principal is the one the ACLs are checked against.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_VERSION, kafkaClasspath, kafkaLibs } from '../../bench/targets/kafka.js';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer/acl.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { type JwksEndpoint, nowSeconds, oauthBearerMessage, startJwksEndpoint, unsecuredJwt } from '../support/jwt.js';
import { hasKcat, kcat } from '../support/kcat.js';

const run = promisify(execFile);
const ISSUER = 'https://issuer.test';
const OAUTH_JAAS = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;';
const AUDIENCE = 'gregor';
const hasJavaClient = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0 && existsSync(join(kafkaLibs(), `kafka-tools-${KAFKA_VERSION}.jar`));

let jwks: JwksEndpoint;
let broker: TestBroker;
let dev: string;
let prod: string;

function devToken(sub: string): string {
  return unsecuredJwt({ sub, iat: nowSeconds(), exp: nowSeconds() + 600 });
}

function prodToken(sub: string, overrides: Record<string, unknown> = {}, key?: 'other'): Promise<string> {
  return jwks.sign({ sub, iss: ISSUER, aud: AUDIENCE, iat: nowSeconds(), exp: nowSeconds() + 600, ...overrides }, { key });
}

/** A login over a raw connection: the SaslAuthenticate answers, and after an error challenge the answer to the client's \x01. */
async function rawLogin(
  bootstrap: string,
  token: string,
): Promise<{ client: RawClient; answers: { errorCode: number; errorMessage: string | null; authBytes: Buffer }[] }> {
  const client = await RawClient.connect(bootstrap);
  expect(await client.request(ApiKey.SaslHandshake, 1, { mechanism: 'OAUTHBEARER' })).toEqual({ errorCode: ErrorCode.NONE, mechanisms: ['OAUTHBEARER'] });
  const first = await client.request(ApiKey.SaslAuthenticate, 2, { authBytes: oauthBearerMessage(token) });
  if (first.errorCode !== ErrorCode.NONE || first.authBytes.length === 0) return { client, answers: [first] };
  return { client, answers: [first, await client.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from([1]) })] };
}

function kafkajs(bootstrap: string, token: () => Promise<string> | string): Kafka {
  return new Kafka({
    clientId: 'oauthbearer-test',
    brokers: [bootstrap],
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await token() }) },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
}

/**
 * kafkajs takes any OAUTHBEARER answer without an error code for a success (it never reads the JSON
 * challenge), as it would from Kafka: its next request then finds the connection closed.
 */
async function expectKafkajsRefused(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await expect(admin.listTopics()).rejects.toThrow(/Connection|closed|OAUTHBEARER/i);
  } finally {
    await admin.disconnect();
  }
}

function allow(principal: string, operation: number) {
  return {
    resourceType: ResourceType.TOPIC,
    resourceName: 'oauth-topic',
    resourcePatternType: PatternType.LITERAL,
    principal,
    host: '*',
    operation,
    permissionType: AclPermissionType.ALLOW,
  };
}

beforeAll(async () => {
  jwks = await startJwksEndpoint();
  broker = await startBroker({
    listeners: 'DEV://127.0.0.1:0,PROD://127.0.0.1:0',
    'listener.security.protocol.map': 'DEV:SASL_PLAINTEXT,PROD:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'DEV',
    'sasl.enabled.mechanisms': 'OAUTHBEARER',
    'listener.name.dev.oauthbearer.sasl.jaas.config': OAUTH_JAAS,
    'listener.name.prod.oauthbearer.sasl.jaas.config': OAUTH_JAAS,
    'listener.name.prod.sasl.oauthbearer.jwks.endpoint.url': jwks.url,
    'listener.name.prod.sasl.oauthbearer.expected.issuer': ISSUER,
    'listener.name.prod.sasl.oauthbearer.expected.audience': `other,${AUDIENCE}`,
    'authorizer.class.name': 'standard',
    'super.users': 'User:admin',
    'failed.authentication.delay.ms': 50,
  });
  const [devListener, prodListener] = broker.broker.listeners;
  dev = `127.0.0.1:${devListener!.port}`;
  prod = `127.0.0.1:${prodListener!.port}`;
  await broker.broker.metadata.createTopic('oauth-topic', { numPartitions: 1 });
  await broker.broker.metadata.createTopic('secret-topic', { numPartitions: 1 });
  const { client, answers } = await rawLogin(dev, devToken('admin'));
  expect(answers.map((a) => a.errorCode)).toEqual([ErrorCode.NONE]);
  const created = await client.request(ApiKey.CreateAcls, 3, {
    creations: [allow('User:alice', AclOperation.WRITE), allow('User:alice', AclOperation.READ), allow('User:alice', AclOperation.DESCRIBE)],
  });
  client.close();
  expect(created.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([0, 0, 0]);
}, 60_000);

afterAll(async () => {
  await broker?.close();
  await jwks?.close();
});

describe('SASL/OAUTHBEARER with unsecured JWTs', () => {
  it.skipIf(!hasKcat())(
    "lets kcat in with librdkafka's built-in unsecured token, and its principal meets the ACLs",
    async () => {
      const as = (principal: string) => [
        '-b',
        dev,
        '-X',
        'security.protocol=sasl_plaintext',
        '-X',
        'sasl.mechanisms=OAUTHBEARER',
        '-X',
        'enable.sasl.oauthbearer.unsecure.jwt=true',
        '-X',
        `sasl.oauthbearer.config=principal=${principal}`,
      ];
      await kcat([...as('alice'), '-P', '-t', 'oauth-topic'], 'k1\nk2\n');
      const out = await kcat([...as('alice'), '-C', '-t', 'oauth-topic', '-o', 'beginning', '-e', '-q']);
      expect(out.trim().split('\n').slice(0, 2)).toEqual(['k1', 'k2']);
      await expect(kcat([...as('bob'), '-P', '-t', 'oauth-topic'], 'no\n', 20_000)).rejects.toThrow(/authorization failed/i);
    },
    60_000,
  );

  it('lets kafkajs in with a token provider; the principal reaches the authorizer', async () => {
    await expectAliceWritesBobRefused(dev, devToken, 'from kafkajs');
  });

  it('refuses an expired unsecured token with the JSON challenge, then SASL_AUTHENTICATION_FAILED, and closes', async () => {
    const { client, answers } = await rawLogin(dev, unsecuredJwt({ sub: 'alice', exp: nowSeconds() - 1 }));
    expect(answers.map((a) => [a.errorCode, a.authBytes.toString()])).toEqual([
      [ErrorCode.NONE, '{"status":"invalid_token"}'],
      [ErrorCode.SASL_AUTHENTICATION_FAILED, ''],
    ]);
    expect(answers[1]!.errorMessage).toBe('{"status":"invalid_token"}');
    await client.closed;
    await expectKafkajsRefused(kafkajs(dev, () => unsecuredJwt({ sub: 'alice', exp: nowSeconds() - 1 })));
  });

  it.skipIf(!hasJavaClient)(
    `lets Kafka ${KAFKA_VERSION}'s Java client in with its unsecured login module; the topics listed are those the principal may describe`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gregor-oauth-'));
      try {
        const list = async (principal: string): Promise<string[]> => {
          const config = join(dir, `${principal}.properties`);
          writeFileSync(
            config,
            [
              'security.protocol=SASL_PLAINTEXT',
              'sasl.mechanism=OAUTHBEARER',
              `sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="${principal}";`,
            ].join('\n'),
          );
          const { stdout } = await run(
            'java',
            [
              '-Xmx256m',
              '-cp',
              kafkaClasspath(),
              'org.apache.kafka.tools.TopicCommand',
              '--bootstrap-server',
              dev,
              '--command-config',
              config,
              '--list',
              '--exclude-internal',
            ],
            { timeout: 60_000 },
          );
          return stdout.trim().split('\n').sort();
        };
        expect(await list('admin')).toEqual(['oauth-topic', 'secret-topic']);
        expect(await list('alice')).toEqual(['oauth-topic']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

describe('SASL/OAUTHBEARER configuration', () => {
  it("needs the listener's OAuthBearerLoginModule JAAS entry, as Kafka does", async () => {
    await expect(startBroker({ listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'OAUTHBEARER' })).rejects.toThrow(
      /needs listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config/,
    );
  });
});

describe('SASL/OAUTHBEARER with JWKS-validated tokens', () => {
  it('lets kafkajs in with a signed token; the principal reaches the authorizer', async () => {
    await expectAliceWritesBobRefused(prod, prodToken, 'signed');
  });

  it('refuses expired, wrong-issuer, wrong-audience, badly signed and unsecured tokens with SASL_AUTHENTICATION_FAILED', async () => {
    const refused = {
      expired: await prodToken('alice', { iat: nowSeconds() - 600, exp: nowSeconds() - 120 }),
      'wrong issuer': await prodToken('alice', { iss: 'https://elsewhere.test' }),
      'wrong audience': await prodToken('alice', { aud: 'someone-else' }),
      'bad signature': await prodToken('alice', {}, 'other'),
      'no iat': await prodToken('alice', { iat: undefined }),
      unsecured: devToken('alice'),
    };
    for (const [why, token] of Object.entries(refused)) {
      const { client, answers } = await rawLogin(prod, token);
      expect(
        answers.map((a) => [a.errorCode, a.errorMessage]),
        why,
      ).toEqual([
        [ErrorCode.NONE, null],
        [ErrorCode.SASL_AUTHENTICATION_FAILED, '{"status":"invalid_token"}'],
      ]);
      await client.closed;
    }
    const expired = refused.expired;
    await expectKafkajsRefused(kafkajs(prod, () => expired));
    const { client, answers } = await rawLogin(prod, await prodToken('alice'));
    expect(answers.map((a) => a.errorCode)).toEqual([ErrorCode.NONE]);
    client.close();
  });
});

/** kafkajs with alice's token writes to the topic; with bob's (no ACL) it gets TOPIC_AUTHORIZATION_FAILED. */
async function expectAliceWritesBobRefused(bootstrap: string, token: (user: string) => string | Promise<string>, value: string): Promise<void> {
  const producer = kafkajs(bootstrap, () => token('alice')).producer();
  await producer.connect();
  const [sent] = await producer.send({ topic: 'oauth-topic', acks: -1, messages: [{ value }] });
  await producer.disconnect();
  expect(sent!.errorCode).toBe(ErrorCode.NONE);
  const bob = kafkajs(bootstrap, () => token('bob')).producer();
  await bob.connect();
  try {
    await expect(bob.send({ topic: 'oauth-topic', acks: -1, messages: [{ value: 'x' }] })).rejects.toMatchObject({
      cause: { type: 'TOPIC_AUTHORIZATION_FAILED' },
    });
  } finally {
    await bob.disconnect();
  }
}

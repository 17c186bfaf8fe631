// KIP-368 session lifetimes and re-authentication: the authenticator's rules on a fake clock (lifetime the
// smaller of connections.max.reauth.ms and the credential's remaining life, re-authentication at most once a
// second with the same mechanism and principal), then over the wire: SaslAuthenticate's session_lifetime_ms,
// a re-authentication on the same connection, an expired session's next request closing the connection, and
// kafkajs and the Java client re-authenticating on their own while they produce.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { KAFKA_VERSION, kafkaClasspath, kafkaLibs } from '../../bench/targets/kafka.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { oauthBearerServer } from '../../src/security/oauth/oauthbearer-server.js';
import { unsecuredJwtValidator } from '../../src/security/oauth/unsecured-jwt.js';
import { type SaslMechanism, SaslAuthenticator } from '../../src/security/sasl/authenticator.js';
import { plainServer } from '../../src/security/sasl/plain.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { nowSeconds, oauthBearerMessage, unsecuredJwt } from '../support/jwt.js';
import { pollUntil } from '../support/poll.js';

const run = promisify(execFile);
const hasJavaClient = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0 && existsSync(join(kafkaLibs(), `kafka-tools-${KAFKA_VERSION}.jar`));
const USERS = new Map([
  ['alice', 'alice-secret'],
  ['bob', 'bob-secret'],
]);
const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";';
// Long enough that a loaded machine's delays stay well inside the clients' re-authentication margins (Java
// re-authenticates at 85-95% of the lifetime, platformatic at 80%).
const PLAIN_LIFETIME_MS = 3000;
const METADATA = { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };

function plain(user: string): Buffer {
  return Buffer.from(`\u0000${user}\u0000${USERS.get(user) ?? 'wrong'}`);
}

describe('the authenticator’s sessions', () => {
  let clock = 1_800_000_000_000;
  const now = (): number => clock;
  const oauth: SaslMechanism = {
    create: () =>
      oauthBearerServer(unsecuredJwtValidator({ principalClaimName: 'sub', scopeClaimName: 'scope', requiredScope: [], allowableClockSkewMs: 0 }, now)),
    maxReauthMs: 0,
  };
  const authenticator = (plainMaxReauthMs: number, oauthMaxReauthMs = 0): SaslAuthenticator =>
    new SaslAuthenticator(
      new Map([
        ['PLAIN', { create: () => plainServer(USERS), maxReauthMs: plainMaxReauthMs }],
        ['OAUTHBEARER', { ...oauth, maxReauthMs: oauthMaxReauthMs }],
      ]),
      0,
      { wallMs: now, monotonicMs: now },
    );
  const token = (sub: string, lifeSeconds: number): Buffer => oauthBearerMessage(unsecuredJwt({ sub, exp: clock / 1000 + lifeSeconds }));

  it('has no end without connections.max.reauth.ms or an expiring credential, and then refuses a second handshake', async () => {
    const sasl = authenticator(0);
    sasl.handshake('PLAIN', 1);
    expect((await sasl.authenticate(plain('alice'))).sessionLifetimeMs).toBe(0);
    clock += 365 * 24 * 3600 * 1000;
    expect(sasl.sessionExpired).toBe(false);
    expect(sasl.mayReauthenticate).toBe(false);
    expect(sasl.handshake('PLAIN', 1)).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(sasl.complete).toBe(true);
  });

  it('lasts connections.max.reauth.ms, or less if the token expires sooner, and expires once that has passed', async () => {
    const capped = authenticator(0, 10_000);
    capped.handshake('OAUTHBEARER', 1);
    expect((await capped.authenticate(token('alice', 60))).sessionLifetimeMs).toBe(10_000);
    const tokenBound = authenticator(0, 10_000);
    tokenBound.handshake('OAUTHBEARER', 1);
    expect((await tokenBound.authenticate(token('alice', 4))).sessionLifetimeMs).toBe(4000);
    const tokenOnly = authenticator(0, 0);
    tokenOnly.handshake('OAUTHBEARER', 1);
    expect((await tokenOnly.authenticate(token('alice', 7))).sessionLifetimeMs).toBe(7000);
    const plainOnly = authenticator(2000);
    plainOnly.handshake('PLAIN', 1);
    expect((await plainOnly.authenticate(plain('alice'))).sessionLifetimeMs).toBe(2000);
    clock += 2000;
    expect(plainOnly.sessionExpired).toBe(false);
    expect(tokenBound.sessionExpired).toBe(false);
    clock += 1;
    expect(plainOnly.sessionExpired).toBe(true);
    clock += 2000;
    expect(tokenBound.sessionExpired).toBe(true);
    expect(capped.sessionExpired).toBe(false);
  });

  it('re-authenticates the same principal on the same mechanism, at most once a second, even after the end', async () => {
    const sasl = authenticator(2000);
    sasl.handshake('PLAIN', 1);
    await sasl.authenticate(plain('alice'));
    clock += 2500;
    expect(sasl.sessionExpired).toBe(true);
    expect(sasl.mayReauthenticate).toBe(true);
    expect(sasl.handshake('PLAIN', 1)).toBe(ErrorCode.NONE);
    expect(sasl.principal).toEqual({ type: 'User', name: 'alice' });
    expect(sasl.allows(ApiKey.Metadata)).toBe(false);
    clock += 10;
    expect((await sasl.authenticate(plain('alice'))).sessionLifetimeMs).toBe(2000);
    expect(sasl.sessionExpired).toBe(false);
    clock += 989;
    expect(sasl.mayReauthenticate).toBe(false);
    expect(sasl.handshake('PLAIN', 1)).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    clock += 1;
    expect(sasl.handshake('PLAIN', 1)).toBe(ErrorCode.NONE);
  });

  it('fails a re-authentication as another principal, with another mechanism, or with a bad credential', async () => {
    const started = async (): Promise<SaslAuthenticator> => {
      const sasl = authenticator(2000, 2000);
      sasl.handshake('PLAIN', 1);
      await sasl.authenticate(plain('alice'));
      clock += 1000;
      return sasl;
    };
    const asBob = await started();
    asBob.handshake('PLAIN', 1);
    await expect(asBob.authenticate(plain('bob'))).rejects.toThrow('Cannot change principals during re-authentication from User.alice: User.bob');
    expect(asBob.state).toBe('failed');
    const otherMechanism = await started();
    expect(otherMechanism.handshake('OAUTHBEARER', 1)).toBe(ErrorCode.NONE);
    await expect(otherMechanism.authenticate(token('alice', 60))).rejects.toThrow(
      "SASL mechanism 'OAUTHBEARER' requested by client is not supported for re-authentication of mechanism 'PLAIN'",
    );
    const unknownMechanism = await started();
    expect(unknownMechanism.handshake('GSSAPI', 1)).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    expect(unknownMechanism.state).toBe('failed');
    const badCredential = authenticator(0, 2000);
    badCredential.handshake('OAUTHBEARER', 1);
    await badCredential.authenticate(token('alice', 60));
    clock += 1000;
    badCredential.handshake('OAUTHBEARER', 1);
    await expect(badCredential.authenticate(Buffer.from('not a client message'))).rejects.toThrow(
      'Authentication failed during re-authentication due to invalid credentials with SASL mechanism OAUTHBEARER',
    );
  });
});

describe('re-authentication over the wire', () => {
  let broker: TestBroker;
  /** Requests seen per API key. */
  const seen = new Map<number, number>();
  const count = (apiKey: number): number => seen.get(apiKey) ?? 0;

  beforeAll(async () => {
    broker = await startBroker(
      {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'security.inter.broker.protocol': 'SASL_PLAINTEXT',
        'sasl.enabled.mechanisms': 'PLAIN,OAUTHBEARER',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
        'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
        'listener.name.sasl_plaintext.plain.connections.max.reauth.ms': PLAIN_LIFETIME_MS,
        'failed.authentication.delay.ms': 0,
      },
      { observeRequest: { requestCompleted: (timing) => void seen.set(timing.apiKey, count(timing.apiKey) + 1) } },
    );
    await broker.broker.metadata.createTopic('reauth', { numPartitions: 1 });
  }, 60_000);

  afterAll(async () => {
    await broker?.close();
  });

  async function login(
    client: RawClient,
    mechanism: string,
    authBytes: Buffer,
  ): Promise<{ errorCode: number; errorMessage: string | null; sessionLifetimeMs: bigint }> {
    expect((await client.request(ApiKey.SaslHandshake, 1, { mechanism })).errorCode).toBe(ErrorCode.NONE);
    return client.request(ApiKey.SaslAuthenticate, 2, { authBytes });
  }

  /** Waits until `ms` have passed since `since`: what is awaited here is the passage of time itself. */
  const elapsed = (since: number, ms: number): Promise<void> => pollUntil(() => Date.now() - since > ms, `${ms} ms to pass`, { timeoutMs: ms + 5000 });

  it('tells the session lifetime, re-authenticates on the same connection, and closes it at the first request after the end', async () => {
    const client = await RawClient.connect(broker.bootstrap);
    expect(await login(client, 'PLAIN', plain('alice'))).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: BigInt(PLAIN_LIFETIME_MS) });
    // As Kafka's KafkaChannel: the first re-authentication may come at once, the next one a second after it started.
    expect(await login(client, 'PLAIN', plain('alice'))).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: BigInt(PLAIN_LIFETIME_MS) });
    const firstReauthenticationAt = Date.now();
    expect(await client.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).toMatchObject({ errorCode: ErrorCode.ILLEGAL_SASL_STATE });
    await elapsed(firstReauthenticationAt, 1000);
    expect(await login(client, 'PLAIN', plain('alice'))).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: BigInt(PLAIN_LIFETIME_MS) });
    const reauthenticatedAt = Date.now();
    expect((await client.request(ApiKey.Metadata, 12, METADATA)).brokers).toHaveLength(1);
    await elapsed(reauthenticatedAt, PLAIN_LIFETIME_MS);
    await expect(client.request(ApiKey.Metadata, 12, METADATA)).rejects.toThrow(/connection closed/);
  });

  it('closes the connection of a SaslAuthenticate v0 client too once its session has ended, as Kafka does', async () => {
    const client = await RawClient.connect(broker.bootstrap);
    expect((await client.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.NONE);
    expect((await client.request(ApiKey.SaslAuthenticate, 0, { authBytes: plain('alice') })).errorCode).toBe(ErrorCode.NONE);
    const authenticatedAt = Date.now();
    expect((await client.request(ApiKey.Metadata, 12, METADATA)).brokers).toHaveLength(1);
    await elapsed(authenticatedAt, PLAIN_LIFETIME_MS);
    await expect(client.request(ApiKey.Metadata, 12, METADATA)).rejects.toThrow(/connection closed/);
  });

  it('bounds an OAUTHBEARER session by the token, and refuses a re-authentication as someone else and closes', async () => {
    const client = await RawClient.connect(broker.bootstrap);
    const answer = await login(client, 'OAUTHBEARER', oauthBearerMessage(unsecuredJwt({ sub: 'alice', exp: nowSeconds() + 30 })));
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    expect(Number(answer.sessionLifetimeMs)).toBeGreaterThan(28_000);
    expect(Number(answer.sessionLifetimeMs)).toBeLessThanOrEqual(30_000);
    await elapsed(Date.now(), 1000);
    expect(await login(client, 'OAUTHBEARER', oauthBearerMessage(unsecuredJwt({ sub: 'bob', exp: nowSeconds() + 30 })))).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: 'Cannot change principals during re-authentication from User.alice: User.bob',
    });
    await client.closed;
  });

  it('kafkajs re-authenticates on its own while it produces past several session lifetimes', async () => {
    const kafka = new Kafka({
      clientId: 'reauth-kafkajs',
      brokers: [broker.bootstrap],
      sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' },
      // Re-authenticates 2200 ms into each 3000 ms session.
      reauthenticationThreshold: 800,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = kafka.producer();
    await producer.connect();
    const before = count(ApiKey.SaslHandshake);
    const started = Date.now();
    let sent = 0;
    // A send at least every 300 ms for two session lifetimes: each one would fail (no retries) on a connection the broker closed.
    while (Date.now() - started < 2 * PLAIN_LIFETIME_MS) {
      await producer.send({ topic: 'reauth', acks: -1, messages: [{ value: `m${sent}` }] });
      sent++;
      await elapsed(Date.now(), 300);
    }
    await producer.disconnect();
    expect(sent).toBeGreaterThanOrEqual(10);
    expect(count(ApiKey.SaslHandshake) - before).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it.skipIf(!hasJavaClient)(
    `Kafka ${KAFKA_VERSION}'s Java producer re-authenticates on its own and loses nothing`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gregor-reauth-'));
      try {
        const config = join(dir, 'producer.properties');
        writeFileSync(
          config,
          [
            'security.protocol=SASL_PLAINTEXT',
            'sasl.mechanism=PLAIN',
            'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";',
            'acks=all',
          ].join('\n'),
        );
        // 15 s of sends at 10/s: on a loaded machine the first send may wait seconds for the JVM and the first connection.
        const args = ['--topic', 'reauth', '--num-records', '150', '--throughput', '10', '--record-size', '100', '--command-config', config, '--print-metrics'];
        const { stdout } = await run(
          'java',
          [
            '-Xmx256m',
            '-cp',
            kafkaClasspath(),
            'org.apache.kafka.tools.ProducerPerformance',
            ...args,
            '--command-property',
            `bootstrap.servers=${broker.bootstrap}`,
          ],
          { timeout: 90_000 },
        );
        expect(stdout).toMatch(/^150 records sent/m);
        // The client's own counters: it re-authenticated, and no connection was closed under it (nor a new one made for it).
        const metric = (name: string): number => Number(new RegExp(`^producer-metrics:${name}:\\{[^}]*\\}\\s*: ([\\d.]+)$`, 'm').exec(stdout)?.[1]);
        expect(metric('successful-reauthentication-total'), stdout).toBeGreaterThanOrEqual(1);
        expect(metric('failed-reauthentication-total')).toBe(0);
        expect(metric('connection-close-total')).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

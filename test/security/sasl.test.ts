// SASL/PLAIN on SASL_SSL and SASL_PLAINTEXT listeners with Kafka's rules, against kafkajs, kcat and raw requests:
// logins, wrong passwords (SASL_AUTHENTICATION_FAILED after the delay, connection closed, others unaffected; a
// thousand in a row), requests before authentication, the v0 handshake's bare tokens, the 512 KiB
// pre-authentication frame limit.
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { encodeRequest } from '../../src/protocol/codec.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { RawClient } from '../../bench/lib/raw-client.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { type TestCertificates, makeCertificates } from '../support/certificates.js';
import { hasKcat, kcat } from '../support/kcat.js';
import { pollUntil } from '../support/poll.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob \\"quoted\\" secret";';
const DELAY_MS = 300;

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
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': JAAS,
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
    'failed.authentication.delay.ms': DELAY_MS,
    'group.initial.rebalance.delay.ms': 0,
  });
  const [ssl, plaintext] = broker.broker.listeners;
  saslSsl = `127.0.0.1:${ssl!.port}`;
  saslPlaintext = `127.0.0.1:${plaintext!.port}`;
}, 120_000);

afterAll(async () => {
  await broker?.close();
  certs?.remove();
});

function kafkajs(bootstrap: string, password: string, ssl: boolean): Kafka {
  return new Kafka({
    clientId: 'sasl-test',
    brokers: [bootstrap],
    ssl: ssl ? { ca: [certs.read(certs.caFile)] } : false,
    sasl: { mechanism: 'plain', username: 'alice', password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
}

async function authenticate(client: RawClient, user: string, password: string): Promise<{ errorCode: number; errorMessage: string | null }> {
  const handshake = await client.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
  expect(handshake).toEqual({ errorCode: ErrorCode.NONE, mechanisms: ['PLAIN'] });
  return client.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${password}`) });
}

const METADATA = { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };

describe('SASL/PLAIN', () => {
  it('lets kafkajs in over SASL_SSL: create, produce, consume in a group', async () => {
    const kafka = kafkajs(saslSsl, 'alice-secret', true);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'plain-ssl' }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'plain-ssl', acks: -1, messages: [{ value: 'hello' }] });
    await producer.disconnect();
    const seen: string[] = [];
    const consumer = kafka.consumer({ groupId: 'plain-ssl-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'plain-ssl', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await pollUntil(() => seen.length === 1, 'the record consumed', { timeoutMs: 20_000 });
    await consumer.disconnect();
    expect(seen).toEqual(['hello']);
  }, 60_000);

  it.skipIf(!hasKcat())(
    'lets kcat in over SASL_PLAINTEXT and SASL_SSL, and refuses a wrong password',
    async () => {
      const plain = ['-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret'];
      await kcat(['-b', saslPlaintext, '-X', 'security.protocol=sasl_plaintext', ...plain, '-P', '-t', 'plain-kcat'], 'x\ny\n');
      const tls = ['-X', 'security.protocol=sasl_ssl', '-X', `ssl.ca.location=${certs.caFile}`, ...plain];
      const out = await kcat(['-b', saslSsl, ...tls, '-C', '-t', 'plain-kcat', '-o', 'beginning', '-e', '-q']);
      expect(out.trim().split('\n')).toEqual(['x', 'y']);
      const wrong = ['-X', 'security.protocol=sasl_plaintext', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', 'sasl.password=nope'];
      await expect(kcat(['-b', saslPlaintext, ...wrong, '-L', '-m', '3'], undefined, 15_000)).rejects.toThrow(
        /Authentication failed|Invalid username or password|SASL/i,
      );
    },
    60_000,
  );

  it('refuses a wrong password with SASL_AUTHENTICATION_FAILED after the delay and closes that connection only', async () => {
    const healthy = await RawClient.connect(saslPlaintext);
    expect((await authenticate(healthy, 'bob', 'bob "quoted" secret')).errorCode).toBe(ErrorCode.NONE);
    const intruders = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(saslPlaintext)));
    const started = Date.now();
    const refused = Promise.all(intruders.map((client) => authenticate(client, 'alice', 'wrong')));
    // The delayed answers hold no one else up: the healthy client is served meanwhile.
    expect((await healthy.request(ApiKey.Metadata, 12, METADATA)).brokers).toHaveLength(1);
    const answers = await refused;
    expect(Date.now() - started).toBeGreaterThanOrEqual(DELAY_MS - 5);
    for (const answer of answers)
      expect(answer).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid username or password' });
    await Promise.all(intruders.map((client) => client.closed));
    await expect(kafkajs(saslSsl, 'wrong', true).admin().connect()).rejects.toThrow(/SASL PLAIN authentication failed|Invalid username or password/);
    healthy.close();
  }, 30_000);

  it('refuses a wrong password a thousand times, each after the delay, while an authenticated client is served throughout', async () => {
    const healthy = await RawClient.connect(saslPlaintext);
    expect((await authenticate(healthy, 'alice', 'alice-secret')).errorCode).toBe(ErrorCode.NONE);
    let storming = true;
    let servedDuringStorm = 0;
    const served = (async () => {
      while (storming) {
        expect((await healthy.request(ApiKey.Metadata, 12, METADATA)).brokers).toHaveLength(1);
        servedDuringStorm++;
      }
    })();
    const attempt = async (): Promise<void> => {
      const intruder = await RawClient.connect(saslPlaintext);
      const started = Date.now();
      const answer = await authenticate(intruder, 'alice', 'wrong');
      expect(Date.now() - started).toBeGreaterThanOrEqual(DELAY_MS - 5);
      expect(answer).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid username or password' });
      await intruder.closed;
    };
    // 1000 attempts, 100 at a time: ten rounds of the failure delay.
    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 100 }, attempt));
    storming = false;
    await served;
    // Each round of delayed refusals left the event loop free for the healthy client's requests.
    expect(servedDuringStorm).toBeGreaterThanOrEqual(10);
    expect((await healthy.request(ApiKey.Metadata, 12, METADATA)).brokers).toHaveLength(1);
    healthy.close();
  }, 60_000);

  it('closes the connection on a request before authentication, or one outside the handshake', async () => {
    const early = await RawClient.connect(saslPlaintext);
    await expect(early.request(ApiKey.Metadata, 12, METADATA)).rejects.toThrow(/connection closed/);
    const versions = await RawClient.connect(saslPlaintext);
    expect((await versions.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode).toBe(ErrorCode.NONE);
    await expect(versions.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') })).rejects.toThrow(
      /connection closed/,
    );
    const unsupported = await RawClient.connect(saslPlaintext);
    expect(await unsupported.request(ApiKey.SaslHandshake, 1, { mechanism: 'GSSAPI' })).toEqual({
      errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      mechanisms: ['PLAIN'],
    });
    await unsupported.closed;
  });

  it('closes a connection whose pre-authentication frame exceeds 512 KiB', async () => {
    const client = await RawClient.connect(saslPlaintext);
    const size = Buffer.alloc(4);
    size.writeInt32BE(512 * 1024 + 1);
    client.writeRaw(size);
    await client.closed;
  });

  it('takes bare tokens after a v0 handshake, then serves requests', async () => {
    const socket = connect({ host: '127.0.0.1', port: Number(saslPlaintext.split(':')[1]) });
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    const frames = async (count: number): Promise<Buffer[]> => {
      const out: Buffer[] = [];
      await pollUntil(() => {
        while (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
          out.push(received.subarray(4, 4 + received.readInt32BE(0)));
          received = received.subarray(4 + received.readInt32BE(0));
        }
        return out.length >= count;
      }, `${count} frames`);
      return out;
    };
    socket.write(Buffer.concat(encodeRequest({ apiKey: ApiKey.SaslHandshake, apiVersion: 0, correlationId: 1, clientId: 'v0' }, { mechanism: 'PLAIN' })));
    expect((await frames(1))[0]!.readInt32BE(0)).toBe(1);
    const token = Buffer.from('\u0000alice\u0000alice-secret');
    const framed = Buffer.alloc(4 + token.length);
    framed.writeInt32BE(token.length);
    token.copy(framed, 4);
    socket.write(framed);
    expect((await frames(1))[0]!.length).toBe(0);
    socket.write(Buffer.concat(encodeRequest({ apiKey: ApiKey.Metadata, apiVersion: 1, correlationId: 2, clientId: 'v0' }, METADATA)));
    expect((await frames(1))[0]!.readInt32BE(0)).toBe(2);
    socket.destroy();
  });

  it('refuses a broker without PLAIN users or with a mechanism gregor lacks', async () => {
    await expect(startBroker({ listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'PLAIN' })).rejects.toThrow(
      /needs listener.name.sasl_plaintext.plain.sasl.jaas.config/,
    );
    await expect(startBroker({ listeners: 'SASL_PLAINTEXT://127.0.0.1:0' })).rejects.toThrow(/GSSAPI .* is not supported/);
  });
});

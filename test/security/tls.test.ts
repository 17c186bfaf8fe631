// TLS listeners with Kafka's PEM settings, against kafkajs, kcat (librdkafka verifies the host name) and raw sockets:
// TLS 1.2 and 1.3, refused certificates, plaintext on a TLS port, mTLS principals, encrypted and inline keys, reload.
import { copyFileSync } from 'node:fs';
import { type Socket, connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import { type TLSSocket, connect as connectTls } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { FramePool } from '../../src/server/frame-pool.js';
import { Listener } from '../../src/server/listener.js';
import { SecurityProtocol } from '../../src/security/listeners.js';
import { PrincipalMapper } from '../../src/security/principal-mapping.js';
import { tlsPrincipal, tlsSettings } from '../../src/security/tls.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { KEY_PASSWORD, type TestCertificates, makeCertificates } from '../support/certificates.js';
import { hasKcat, kcat } from '../support/kcat.js';
import { pollUntil } from '../support/poll.js';

let certs: TestCertificates;
const brokers: TestBroker[] = [];

beforeAll(async () => {
  certs = await makeCertificates();
}, 120_000);

afterAll(async () => {
  await Promise.all(brokers.map((b) => b.close()));
  certs?.remove();
});

async function tlsBroker(settings: Record<string, string | number> = {}): Promise<TestBroker> {
  const broker = await startBroker({
    listeners: 'SSL://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.serverKeystore,
    'group.initial.rebalance.delay.ms': 0,
    ...settings,
  });
  brokers.push(broker);
  return broker;
}

function kafkajs(bootstrap: string, ssl: object): Kafka {
  return new Kafka({ clientId: 'tls-test', brokers: [bootstrap], ssl, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3_000 });
}

async function roundTrip(kafka: Kafka, topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ value: 'one' }, { value: 'two' }] });
  await producer.disconnect();
  const values: string[] = [];
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
  await pollUntil(() => values.length === 2, 'both records consumed', { timeoutMs: 20_000 });
  await consumer.disconnect();
  return values;
}

/** The certificate the server presents to a fresh TLS connection (rejected or not). */
async function presented(port: number, options: object = {}): Promise<{ serial: string; error?: Error }> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connectTls({ host: '127.0.0.1', port, ca: certs.read(certs.caFile), ...options }, () => {
      resolve({ serial: socket.getPeerCertificate().serialNumber });
      socket.destroy();
    });
    socket.once('error', (error) => {
      resolve({ serial: '', error });
      socket.destroy();
    });
  });
}

function closedWithin(socket: Socket | TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.on('error', () => undefined);
  });
}

describe('TLS listeners', () => {
  it.each(['TLSv1.2', 'TLSv1.3'] as const)(
    'serve kafkajs over %s: create, produce, consume in a group',
    async (version) => {
      const broker = await tlsBroker();
      const kafka = kafkajs(broker.bootstrap, { ca: [certs.read(certs.caFile)], minVersion: version, maxVersion: version });
      expect(await roundTrip(kafka, `tls-${version}`)).toEqual(['one', 'two']);
    },
    60_000,
  );

  it.skipIf(!hasKcat())(
    'serve kcat (librdkafka checks the host name against the SAN)',
    async () => {
      const broker = await tlsBroker();
      const ssl = ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.caFile}`];
      await kcat(['-b', broker.bootstrap, ...ssl, '-P', '-t', 'kcat-tls'], 'a\nb\n');
      const out = await kcat(['-b', broker.bootstrap, ...ssl, '-C', '-t', 'kcat-tls', '-o', 'beginning', '-e', '-q']);
      expect(out.trim().split('\n')).toEqual(['a', 'b']);
    },
    60_000,
  );

  it('are refused by clients when the certificate is untrusted, expired or for another host', async () => {
    for (const [keystore, reason] of [
      [certs.untrustedKeystore, /self[- ]signed|unable to verify|unable to get local issuer/i],
      [certs.expiredKeystore, /expired/i],
      [certs.wrongHostKeystore, /altnames|does not match|Hostname/i],
    ] as const) {
      const broker = await tlsBroker({ 'ssl.keystore.location': keystore });
      const { error } = await presented(broker.broker.port!);
      expect(error?.message).toMatch(reason);
      const admin = kafkajs(broker.bootstrap, { ca: [certs.read(certs.caFile)] }).admin();
      await expect(admin.connect()).rejects.toThrow();
    }
  }, 60_000);

  it.skipIf(!hasKcat())(
    'are refused by kcat for another host name',
    async () => {
      const broker = await tlsBroker({ 'ssl.keystore.location': certs.wrongHostKeystore });
      await expect(
        kcat(['-b', broker.bootstrap, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.caFile}`, '-L', '-m', '3'], undefined, 15_000),
      ).rejects.toThrow();
    },
    30_000,
  );

  it('close a plaintext client on the TLS port and a TLS client on the plaintext port, and keep serving the others', async () => {
    const broker = await tlsBroker();
    const [ssl, plaintext] = broker.broker.listeners;
    const raw = connectTcp({ host: '127.0.0.1', port: ssl!.port });
    const rawClosed = closedWithin(raw);
    // An ApiVersions v0 request in clear.
    raw.write(Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0, 0]));
    const tls = connectTls({ host: '127.0.0.1', port: plaintext!.port, ca: certs.read(certs.caFile) });
    const tlsClosed = closedWithin(tls);
    await Promise.all([rawClosed, tlsClosed]);
    const kafka = kafkajs(broker.bootstrap, { ca: [certs.read(certs.caFile)] });
    expect(await roundTrip(kafka, 'after-bad-clients')).toEqual(['one', 'two']);
  }, 60_000);

  it('close with a client still in its TLS handshake, ending its socket instead of waiting for the handshake timeout', async () => {
    const broker = await startBroker({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverKeystore });
    const stalled = connectTcp({ host: '127.0.0.1', port: broker.broker.listeners[0]!.port });
    const stalledClosed = closedWithin(stalled);
    await new Promise((resolve) => stalled.once('connect', resolve));
    // The server's handshake timeout is two minutes: the test's own bound fails a close that waits for it.
    await broker.close();
    await stalledClosed;
  }, 30_000);

  it('decrypt the key with ssl.key.password, and take key and chain inline', async () => {
    const encrypted = await tlsBroker({ 'ssl.keystore.location': certs.encryptedServerKeystore, 'ssl.key.password': KEY_PASSWORD });
    expect((await presented(encrypted.broker.port!)).error).toBeUndefined();
    const pem = certs.read(certs.serverKeystore);
    const inline = await tlsBroker({
      'ssl.keystore.location': '',
      'ssl.keystore.key': pem.match(/-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/)![0],
      'ssl.keystore.certificate.chain': pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)!.join('\n'),
    });
    expect((await presented(inline.broker.port!)).error).toBeUndefined();
  }, 30_000);

  it('reload the key store when its file changes, without a restart', async () => {
    const keystore = join(certs.dir, 'live.keystore.pem');
    copyFileSync(certs.serverKeystore, keystore);
    const broker = await tlsBroker({ 'ssl.keystore.location': keystore, 'gregor.ssl.reload.interval.ms': 50 });
    const before = (await presented(broker.broker.port!)).serial;
    copyFileSync(certs.renewedServerKeystore, keystore);
    let after = before;
    await pollUntil(async () => (after = (await presented(broker.broker.port!)).serial) !== before, 'the renewed certificate served');
    expect(after).not.toBe('');
  }, 30_000);

  it('refuse non-PEM stores and listeners without a key store', async () => {
    await expect(startBroker({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.location': certs.serverKeystore })).rejects.toThrow(
      /ssl.keystore.type=JKS is not supported/,
    );
    await expect(startBroker({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM' })).rejects.toThrow(/needs ssl.keystore.location/);
  });
});

describe('mTLS principal', () => {
  async function principalListener(settings: Record<string, string>): Promise<Listener> {
    const config = BrokerConfig.create({
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.serverKeystore,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.caFile,
      ...settings,
    });
    const tls = tlsSettings(config, 'SSL');
    const mapper = PrincipalMapper.parse(config.string('ssl.principal.mapping.rules'));
    return Listener.start({
      host: '127.0.0.1',
      port: 0,
      limits: { maxRequestBytes: 1024, framePool: new FramePool(0), maxQueuedRequests: 10, idleTimeoutMs: 10_000, requestReadTimeoutMs: 10_000 },
      maxConnections: 10,
      maxConnectionsPerIp: 10,
      identity: { name: 'SSL', protocol: SecurityProtocol.SSL, advertised: { host: '127.0.0.1', port: 0 } },
      tls: { options: tls.serverOptions, principalOf: (socket) => tlsPrincipal(socket, mapper) },
      // Answers each frame with the connection's principal.
      handleFrame: async (_frame, connection) => {
        const name = Buffer.from(`${connection.session.principal.type}:${connection.session.principal.name}`);
        const size = Buffer.alloc(4);
        size.writeInt32BE(name.length);
        return { chunks: [size, name] };
      },
      onConnectionError: () => undefined,
    });
  }

  async function principalOf(port: number, withCertificate: boolean): Promise<string> {
    const client = connectTls({
      host: '127.0.0.1',
      port,
      ca: certs.read(certs.caFile),
      ...(withCertificate ? { key: certs.read(certs.clientKeystore), cert: certs.read(certs.clientKeystore) } : {}),
    });
    return new Promise((resolve, reject) => {
      let received = Buffer.alloc(0);
      client.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
          resolve(received.subarray(4).toString());
          client.destroy();
        }
      });
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed')));
      client.write(Buffer.from([0, 0, 0, 1, 0]));
    });
  }

  it('is the certificate’s distinguished name (DEFAULT), ANONYMOUS without one, mapped by RULE', async () => {
    const requested = await principalListener({ 'ssl.client.auth': 'requested' });
    const mapped = await principalListener({ 'ssl.client.auth': 'required', 'ssl.principal.mapping.rules': 'RULE:^CN=([a-z]+),OU=eng,.*$/$1@eng/U,DEFAULT' });
    try {
      expect(await principalOf(requested.address.port, true)).toBe('User:CN=alice,OU=eng,O=gregor');
      expect(await principalOf(requested.address.port, false)).toBe('User:ANONYMOUS');
      expect(await principalOf(mapped.address.port, true)).toBe('User:ALICE@ENG');
      await expect(principalOf(mapped.address.port, false)).rejects.toThrow();
    } finally {
      await requested.close(0);
      await mapped.close(0);
    }
  }, 30_000);

  it('parses Kafka’s rules and refuses a name no rule applies to', () => {
    const mapper = PrincipalMapper.parse('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, RULE:^CN=(.*?),OU=(.*?),O=(.*?)$/$1@$2/');
    expect(mapper.map('CN=Kafka-Broker,OU=ServiceUsers,O=Org')).toBe('kafka-broker');
    expect(mapper.map('CN=bob,OU=ops,O=Org')).toBe('bob@ops');
    expect(() => mapper.map('CN=nobody')).toThrow(/no ssl.principal.mapping.rules rule applies/);
    expect(() => PrincipalMapper.parse('RULE:broken')).toThrow(/invalid ssl.principal.mapping.rules/);
  });
});

// Kafka 4.4's Java client over gregor's SSL listener with mutual TLS (PEM key and trust stores, TLS 1.2 and 1.3,
// host name verified): the principal is the client certificate's distinguished name, which the ACLs are checked
// against (TopicCommand lists only the topics that name may describe), and a client without a certificate is
// refused.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { KAFKA_VERSION, kafkaClasspath } from '../../bench/targets/kafka.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer/acl.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { type TestCertificates, makeCertificates } from '../support/certificates.js';
import { kafkaToolsMissing } from '../support/kafka-tools.js';

const run = promisify(execFile);
const reason = kafkaToolsMissing;
const ALICE = 'User:CN=alice,OU=eng,O=gregor';

let certs: TestCertificates;
let broker: TestBroker;
let ssl: string;
let dir: string;

beforeAll(async () => {
  if (reason) return;
  certs = await makeCertificates();
  dir = mkdtempSync(join(certs.dir, 'java-'));
  broker = await startBroker({
    listeners: 'SSL://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.serverKeystore,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': certs.caFile,
    'ssl.client.auth': 'required',
    'authorizer.class.name': 'standard',
    // The plaintext listener is the test's own way in, to create the ACLs.
    'super.users': 'User:ANONYMOUS',
  });
  const [sslListener, plaintext] = broker.broker.listeners;
  ssl = `127.0.0.1:${sslListener!.port}`;
  await broker.broker.metadata.createTopic('mtls-granted', { numPartitions: 1 });
  await broker.broker.metadata.createTopic('mtls-hidden', { numPartitions: 1 });
  const admin = await RawClient.connect(`127.0.0.1:${plaintext!.port}`);
  const created = await admin.request(ApiKey.CreateAcls, 3, {
    creations: [
      {
        resourceType: ResourceType.TOPIC,
        resourceName: 'mtls-granted',
        resourcePatternType: PatternType.LITERAL,
        principal: ALICE,
        host: '*',
        operation: AclOperation.DESCRIBE,
        permissionType: AclPermissionType.ALLOW,
      },
    ],
  });
  admin.close();
  expect(created.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([0]);
}, 120_000);

afterAll(async () => {
  await broker?.close();
  certs?.remove();
});

function clientConfig(name: string, tlsVersion: 'TLSv1.2' | 'TLSv1.3', withCertificate: boolean): string {
  const file = join(dir, `${name}.properties`);
  writeFileSync(
    file,
    [
      'security.protocol=SSL',
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${certs.caFile}`,
      `ssl.protocol=${tlsVersion}`,
      `ssl.enabled.protocols=${tlsVersion}`,
      ...(withCertificate ? ['ssl.keystore.type=PEM', `ssl.keystore.location=${certs.clientKeystore}`] : []),
      'request.timeout.ms=10000',
      'default.api.timeout.ms=15000',
    ].join('\n'),
  );
  return file;
}

async function listTopics(config: string): Promise<{ code: number; out: string }> {
  const args = ['-Xmx256m', '-cp', kafkaClasspath(), 'org.apache.kafka.tools.TopicCommand', '--bootstrap-server', ssl, '--command-config', config, '--list'];
  return run('java', args, { timeout: 90_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, out: `${stdout}${stderr}` }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, out: `${error.stdout}${error.stderr}` }),
  );
}

describe.skipIf(reason !== '')(`mutual TLS with Kafka ${KAFKA_VERSION}'s Java client ${reason}`, () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`authenticates the client certificate over ${version}; its distinguished name is the principal the ACLs see`, async () => {
      const { code, out } = await listTopics(clientConfig(`alice-${version}`, version, true));
      expect(code, out).toBe(0);
      expect(out.trim().split('\n')).toEqual(['mtls-granted']);
    }, 120_000);
  }

  it('refuses a client without a certificate', async () => {
    const { code, out } = await listTopics(clientConfig('anonymous', 'TLSv1.3', false));
    expect(code).not.toBe(0);
    expect(out).toMatch(/SslAuthenticationException/);
    expect(out).toMatch(/certificate_required/);
  }, 120_000);
});

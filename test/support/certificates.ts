/**
 * Test certificates made in a temp dir (bench/lib/certificates.ts, shared with the benchmarks): a CA, a server certificate for 127.0.0.1 and
 * localhost, a client certificate (CN=alice,OU=eng,O=gregor), an expired server certificate, one for the
 * wrong host, one signed by a CA nobody trusts, and the server key encrypted with a password. Each `*.keystore.pem`
 * holds a private key and its certificate chain, as Kafka's PEM key store.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCa, makeKeystore, openssl } from '../../bench/lib/certificates.js';

export const KEY_PASSWORD = 'key-secret';

export interface TestCertificates {
  readonly dir: string;
  readonly caFile: string;
  /** Server key + certificate + CA, for 127.0.0.1 and localhost. */
  readonly serverKeystore: string;
  /** The same with the key encrypted under KEY_PASSWORD. */
  readonly encryptedServerKeystore: string;
  readonly expiredKeystore: string;
  readonly wrongHostKeystore: string;
  /** Signed by a CA the clients do not trust. */
  readonly untrustedKeystore: string;
  readonly clientKeystore: string;
  /** A second valid server certificate (another serial), to see a reload. */
  readonly renewedServerKeystore: string;
  read(file: string): string;
  remove(): void;
}

export async function makeCertificates(): Promise<TestCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-certs-'));
  const path = (name: string): string => join(dir, name);
  const localhost = 'IP:127.0.0.1,DNS:localhost';
  const caFile = await makeCa(dir, 'ca');
  await makeCa(dir, 'rogue-ca');
  const serverKeystore = await makeKeystore(dir, 'server', { subject: '/CN=localhost', san: localhost, issuer: 'ca' });
  const renewedServerKeystore = await makeKeystore(dir, 'renewed', { subject: '/CN=localhost', san: localhost, issuer: 'ca' });
  const expiredKeystore = await makeKeystore(dir, 'expired', {
    subject: '/CN=localhost',
    san: localhost,
    issuer: 'ca',
    dates: ['20200101000000Z', '20200102000000Z'],
  });
  const wrongHostKeystore = await makeKeystore(dir, 'wrong-host', { subject: '/CN=wrong.example.test', san: 'DNS:wrong.example.test', issuer: 'ca' });
  const untrustedKeystore = await makeKeystore(dir, 'untrusted', { subject: '/CN=localhost', san: localhost, issuer: 'rogue-ca' });
  const clientKeystore = await makeKeystore(dir, 'client', { subject: '/O=gregor/OU=eng/CN=alice', issuer: 'ca' });
  await openssl(dir, 'pkcs8', '-topk8', '-in', 'server.key', '-out', 'server.encrypted.key', '-v2', 'aes-256-cbc', '-passout', `pass:${KEY_PASSWORD}`);
  const encryptedServerKeystore = path('server-encrypted.keystore.pem');
  writeFileSync(encryptedServerKeystore, readFileSync(path('server.encrypted.key'), 'utf8') + readFileSync(path('server.pem'), 'utf8'));
  return {
    dir,
    caFile,
    serverKeystore,
    encryptedServerKeystore,
    expiredKeystore,
    wrongHostKeystore,
    untrustedKeystore,
    clientKeystore,
    renewedServerKeystore,
    read: (file) => readFileSync(file, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

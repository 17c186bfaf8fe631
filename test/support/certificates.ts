/**
 * Test certificates made with the openssl CLI in a temp dir: a CA, a server certificate for 127.0.0.1 and
 * localhost, a client certificate (CN=alice,OU=eng,O=gregor), an expired server certificate, one for the
 * wrong host, one signed by a CA nobody trusts, and the server key encrypted with a password. Each `*.keystore.pem`
 * holds a private key and its certificate chain, as Kafka's PEM key store.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

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
  const openssl = (...args: string[]): Promise<unknown> => run('openssl', args, { cwd: dir });
  const ca = async (name: string): Promise<void> => {
    await openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );
  };
  const signed = async (name: string, subject: string, san: string | undefined, issuer: string, dates?: [string, string]): Promise<string> => {
    await openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    );
    writeFileSync(path(`${name}.ext`), san ? `subjectAltName=${san}\n` : 'basicConstraints=CA:FALSE\n');
    if (dates) {
      // Only `openssl ca` takes explicit validity dates (OpenSSL 3.0's x509 -req cannot backdate).
      writeFileSync(path('index.txt'), '');
      writeFileSync(
        path(`${name}.cnf`),
        `[ca]\ndefault_ca=test\n[test]\ndatabase=index.txt\nnew_certs_dir=.\nserial=${name}.serial\ndefault_md=sha256\npolicy=any\ncopy_extensions=none\n[any]\ncommonName=supplied\n`,
      );
      writeFileSync(path(`${name}.serial`), '1000\n');
      await openssl(
        'ca',
        '-batch',
        '-config',
        `${name}.cnf`,
        '-cert',
        `${issuer}.pem`,
        '-keyfile',
        `${issuer}.key`,
        '-in',
        `${name}.csr`,
        '-out',
        `${name}.pem`,
        '-startdate',
        dates[0],
        '-enddate',
        dates[1],
        '-extfile',
        `${name}.ext`,
        '-notext',
      );
    } else {
      await openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${issuer}.pem`,
        '-CAkey',
        `${issuer}.key`,
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      );
    }
    const keystore = path(`${name}.keystore.pem`);
    writeFileSync(
      keystore,
      readFileSync(path(`${name}.key`), 'utf8') + readFileSync(path(`${name}.pem`), 'utf8') + readFileSync(path(`${issuer}.pem`), 'utf8'),
    );
    return keystore;
  };
  const localhost = 'IP:127.0.0.1,DNS:localhost';
  await ca('ca');
  await ca('rogue-ca');
  const serverKeystore = await signed('server', '/CN=localhost', localhost, 'ca');
  const renewedServerKeystore = await signed('renewed', '/CN=localhost', localhost, 'ca');
  const expiredKeystore = await signed('expired', '/CN=localhost', localhost, 'ca', ['20200101000000Z', '20200102000000Z']);
  const wrongHostKeystore = await signed('wrong-host', '/CN=wrong.example.test', 'DNS:wrong.example.test', 'ca');
  const untrustedKeystore = await signed('untrusted', '/CN=localhost', localhost, 'rogue-ca');
  const clientKeystore = await signed('client', '/O=gregor/OU=eng/CN=alice', undefined, 'ca');
  await openssl('pkcs8', '-topk8', '-in', 'server.key', '-out', 'server.encrypted.key', '-v2', 'aes-256-cbc', '-passout', `pass:${KEY_PASSWORD}`);
  const encryptedServerKeystore = path('server-encrypted.keystore.pem');
  writeFileSync(encryptedServerKeystore, readFileSync(path('server.encrypted.key'), 'utf8') + readFileSync(path('server.pem'), 'utf8'));
  return {
    dir,
    caFile: path('ca.pem'),
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

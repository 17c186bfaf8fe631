/**
 * Certificates made with the openssl CLI in a directory, for the TLS listeners of tests and benchmarks: EC P-256
 * CAs and the certificates they sign, each signed one with its key and chain in one PEM file, as Kafka's PEM key
 * store reads it.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A new EC P-256 key, unencrypted, for `openssl req`. */
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Runs `openssl` with `args` in `dir`. */
export function openssl(dir: string, ...args: string[]): Promise<unknown> {
  return run('openssl', args, { cwd: dir });
}

/** A self-signed CA for two days, `<name>.key` and `<name>.pem` in `dir`; resolves with the certificate's path. */
export async function makeCa(dir: string, name: string, subject = `/CN=${name}`): Promise<string> {
  await openssl(dir, 'req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject);
  return join(dir, `${name}.pem`);
}

export interface CertificateRequest {
  readonly subject: string;
  /** The subjectAltName (`IP:…,DNS:…`) a server's certificate is checked against; none for a client's. */
  readonly san?: string;
  /** The name of the CA in the same directory that signs it. */
  readonly issuer: string;
  /** Its validity as `openssl ca` takes it (start and end, YYYYMMDDHHMMSSZ), for one already expired; else two days from now. */
  readonly dates?: readonly [string, string];
}

/**
 * Certificate `name` (`<name>.key`, `<name>.pem`) signed by its issuer; resolves with its key store,
 * `<name>.keystore.pem`: the key, the certificate and the issuer's certificate.
 */
export async function makeKeystore(dir: string, name: string, request: CertificateRequest): Promise<string> {
  const path = (file: string): string => join(dir, file);
  await openssl(dir, 'req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', request.subject);
  writeFileSync(path(`${name}.ext`), request.san ? `subjectAltName=${request.san}\n` : 'basicConstraints=CA:FALSE\n');
  const { issuer, dates } = request;
  if (dates) {
    // Only `openssl ca` takes explicit validity dates (OpenSSL 3.0's x509 -req cannot backdate).
    writeFileSync(path('index.txt'), '');
    writeFileSync(
      path(`${name}.cnf`),
      `[ca]\ndefault_ca=test\n[test]\ndatabase=index.txt\nnew_certs_dir=.\nserial=${name}.serial\ndefault_md=sha256\npolicy=any\ncopy_extensions=none\n[any]\ncommonName=supplied\n`,
    );
    writeFileSync(path(`${name}.serial`), '1000\n');
    const validity = ['-startdate', dates[0], '-enddate', dates[1]];
    const signing = ['-config', `${name}.cnf`, '-cert', `${issuer}.pem`, '-keyfile', `${issuer}.key`];
    await openssl(dir, 'ca', '-batch', ...signing, '-in', `${name}.csr`, '-out', `${name}.pem`, ...validity, '-extfile', `${name}.ext`, '-notext');
  } else {
    const signing = ['-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial'];
    await openssl(dir, 'x509', '-req', '-in', `${name}.csr`, ...signing, '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
  const keystore = path(`${name}.keystore.pem`);
  writeFileSync(keystore, [`${name}.key`, `${name}.pem`, `${issuer}.pem`].map((file) => readFileSync(path(file), 'utf8')).join(''));
  return keystore;
}

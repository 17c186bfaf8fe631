/**
 * What the security scenarios need on every target and client alike: a CA and a server certificate for
 * 127.0.0.1 and localhost (made by certificates.ts), one SASL/PLAIN user, the broker's JAAS line for it, and
 * the Java client's properties file for each secured listener.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCa, makeKeystore } from './certificates.js';

/** The listeners the security scenarios compare with PLAINTEXT. */
export type SecuredProtocol = 'SSL' | 'SASL_SSL';

const USER = 'bench';
const PASSWORD = 'bench-secret';

export interface SecurityMaterial {
  /** The CA certificate clients trust. */
  readonly caFile: string;
  /** The server's private key, certificate and CA, PEM. */
  readonly keystore: string;
  /** The broker's `listener.name.sasl_ssl.plain.sasl.jaas.config`: the one PLAIN user. */
  readonly plainJaas: string;
  /** The Java client's properties file for a secured listener (TLS with the CA as PEM trust store; SASL PLAIN as the user). */
  readonly clientConfig: Readonly<Record<SecuredProtocol, string>>;
}

export async function makeSecurityMaterial(dir: string): Promise<SecurityMaterial> {
  mkdirSync(dir, { recursive: true });
  const caFile = await makeCa(dir, 'ca', '/CN=gregor-bench-ca');
  const keystore = await makeKeystore(dir, 'server', { subject: '/CN=127.0.0.1', san: 'IP:127.0.0.1,DNS:localhost', issuer: 'ca' });
  const tls = ['ssl.truststore.type=PEM', `ssl.truststore.location=${caFile}`];
  const config = (protocol: SecuredProtocol, lines: string[]) => {
    const file = join(dir, `client-${protocol.toLowerCase()}.properties`);
    writeFileSync(file, `${[`security.protocol=${protocol}`, ...lines].join('\n')}\n`);
    return file;
  };
  return {
    caFile,
    keystore,
    plainJaas: `org.apache.kafka.common.security.plain.PlainLoginModule required user_${USER}="${PASSWORD}";`,
    clientConfig: {
      SSL: config('SSL', tls),
      SASL_SSL: config('SASL_SSL', [
        ...tls,
        'sasl.mechanism=PLAIN',
        `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${USER}" password="${PASSWORD}";`,
      ]),
    },
  };
}

/** The broker settings (Kafka's key names) of the SSL and SASL_SSL listeners, the same on every target. */
export function securedListenerSettings(m: SecurityMaterial): Record<string, string> {
  return {
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': m.keystore,
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': m.plainJaas,
  };
}

/**
 * TLS of a listener from Kafka's settings: a PEM key store (`ssl.keystore.location` holding the private key
 * and the certificate chain, or `ssl.keystore.key` and `ssl.keystore.certificate.chain` inline, the key
 * decrypted with `ssl.key.password`), a PEM trust store for client certificates, `ssl.client.auth`,
 * `ssl.enabled.protocols` and `ssl.cipher.suites`; and a watcher that rebuilds the context when the store
 * files change, so certificates are renewed without a restart. The same stores serve the broker's own
 * connections to other brokers' listeners.
 */
import { readFileSync, statSync } from 'node:fs';
import { type ConnectionOptions, type SecureContextOptions, type TLSSocket, type TlsOptions, checkServerIdentity } from 'node:tls';
import type { BrokerConfig } from '../config/broker-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type PrincipalMapper, distinguishedName } from './principal-mapping.js';
import { ANONYMOUS, type KafkaPrincipal } from './session.js';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface TlsSettings {
  readonly clientAuth: ClientAuth;
  /** The server options (protocols, ciphers, client certificates) and the first secure context. */
  readonly serverOptions: TlsOptions;
  /** Rebuilds the secure context from the stores (after their files changed). */
  secureContext(): SecureContextOptions;
  /** Files the context is read from, watched for changes. */
  readonly files: readonly string[];
}

const PRIVATE_KEY = /-----BEGIN ((?:ENCRYPTED |RSA |EC )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/;
const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;

/** `config` is the listener's view (BrokerConfig.forListener). */
export function tlsSettings(config: BrokerConfig, listenerName: string): TlsSettings {
  const where = `listener ${listenerName}`;
  requirePem(config, 'ssl.keystore.type', where);
  const keystoreFile = optional(config, 'ssl.keystore.location');
  if (!keystoreFile && !(config.has('ssl.keystore.key') && config.has('ssl.keystore.certificate.chain'))) {
    throw invalid(`${where} needs ssl.keystore.location, or ssl.keystore.key with ssl.keystore.certificate.chain`);
  }
  const truststoreFile = optional(config, 'ssl.truststore.location');
  const clientAuth = config.string('ssl.client.auth') as ClientAuth;
  if (truststoreFile || config.has('ssl.truststore.certificates')) requirePem(config, 'ssl.truststore.type', where);
  const passphrase = optional(config, 'ssl.key.password');

  const secureContext = (): SecureContextOptions => {
    const keystore = keystoreFile ? readFileSync(keystoreFile, 'utf8') : undefined;
    const key = (keystore ?? config.string('ssl.keystore.key')).match(PRIVATE_KEY)?.[0];
    const chain = (keystore ?? config.string('ssl.keystore.certificate.chain')).match(CERTIFICATE);
    if (!key) throw invalid(`${where}: no private key in the key store`);
    if (!chain) throw invalid(`${where}: no certificate in the key store`);
    const trusted = truststoreFile ? readFileSync(truststoreFile, 'utf8') : optional(config, 'ssl.truststore.certificates');
    return { key, passphrase, cert: chain.join('\n'), ca: trusted?.match(CERTIFICATE) ?? undefined };
  };

  const versions = config.list('ssl.enabled.protocols');
  const enabled = TLS_VERSIONS.filter((v) => versions.includes(v));
  if (enabled.length === 0) throw invalid(`${where}: ssl.enabled.protocols enables none of ${TLS_VERSIONS.join(', ')}`);
  const suites = config.list('ssl.cipher.suites');
  const serverOptions: TlsOptions = {
    ...secureContext(),
    minVersion: enabled[0],
    maxVersion: enabled.at(-1),
    ciphers: suites.length > 0 ? suites.join(':') : undefined,
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'required',
  };
  const files = [keystoreFile, truststoreFile].filter((f): f is string => f !== undefined);
  return { clientAuth, serverOptions, secureContext, files };
}

/**
 * How this broker connects to another broker's listener (`config` is the listener's view): the trust store
 * (else Node's CAs) verifies the peer, the key store is its client certificate, and with
 * `ssl.endpoint.identification.algorithm=https` (Kafka's default; empty turns it off) the peer's certificate
 * must name the host connected to. The stores are read at each call, so a reloaded certificate applies to
 * the next connection.
 */
export function tlsClientOptions(config: BrokerConfig, listenerName: string): () => ConnectionOptions {
  const { secureContext, serverOptions } = tlsSettings(config, listenerName);
  const { minVersion, maxVersion, ciphers } = serverOptions;
  const algorithm = config.has('ssl.endpoint.identification.algorithm') ? config.string('ssl.endpoint.identification.algorithm').toLowerCase() : '';
  if (algorithm !== '' && algorithm !== 'https')
    throw invalid(`listener ${listenerName}: ssl.endpoint.identification.algorithm=${algorithm} is not supported (https or empty)`);
  return () => ({
    ...secureContext(),
    minVersion,
    maxVersion,
    ciphers,
    rejectUnauthorized: true,
    checkServerIdentity: algorithm === 'https' ? checkServerIdentity : () => undefined,
  });
}

/**
 * The principal of a TLS client: its certificate's distinguished name through the mapping rules, or
 * ANONYMOUS without one. With `ssl.client.auth=requested` a certificate the trust store does not vouch for
 * refuses the client (throws), as Java's TLS does; `required` refuses it in the handshake already.
 */
export function tlsPrincipal(socket: TLSSocket, mapper: PrincipalMapper): KafkaPrincipal {
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) return ANONYMOUS;
  if (!socket.authorized) throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, `untrusted client certificate: ${String(socket.authorizationError)}`);
  return { type: 'User', name: mapper.map(distinguishedName(certificate.subject)) };
}

/** Calls `onChange` when one of `files` changes (size, mtime or inode: renamed-over files count), polling every `intervalMs`. */
export function watchFiles(files: readonly string[], intervalMs: number, onChange: () => void): () => void {
  const signature = (): string =>
    files
      .map((file) => {
        try {
          const s = statSync(file);
          return `${s.ino}:${s.size}:${s.mtimeMs}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  let last = signature();
  const timer = setInterval(() => {
    const now = signature();
    if (now === last) return;
    last = now;
    onChange();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function requirePem(config: BrokerConfig, key: string, where: string): void {
  if (config.string(key).toUpperCase() !== 'PEM') throw invalid(`${where}: ${key}=${config.string(key)} is not supported; gregor reads PEM (set ${key}=PEM)`);
}

function optional(config: BrokerConfig, key: string): string | undefined {
  return config.has(key) ? config.string(key) : undefined;
}

function invalid(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_CONFIG, message);
}

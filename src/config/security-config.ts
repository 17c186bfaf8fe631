/**
 * The broker keys of listeners, TLS and SASL, with Kafka's names and defaults, and the listener-prefixed form
 * (`listener.name.<listener>.<key>`) through which a listener overrides them, as Kafka's broker does.
 */
import { type ConfigDef, ConfigType } from './config-def.js';

const { STRING, INT, LONG, LIST, PASSWORD } = ConfigType;

function def(name: string, type: ConfigType, dflt: string | null, doc: string, extra: Partial<ConfigDef> = {}): ConfigDef {
  return { name, type, default: dflt, doc, ...extra };
}

/** The key a listener's SASL mechanism reads its JAAS configuration from: `<mechanism>.sasl.jaas.config`. */
export const JAAS_CONFIG_SUFFIX = '.sasl.jaas.config';

/** The session lifetime key (KIP-368); per listener and mechanism as `listener.name.<l>.<mechanism>.connections.max.reauth.ms`. */
export const CONNECTIONS_MAX_REAUTH_MS = 'connections.max.reauth.ms';

export const SECURITY_CONFIG_DEFS: readonly ConfigDef[] = [
  def(
    'listener.security.protocol.map',
    LIST,
    'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'Security protocol of each listener name, as NAME:PROTOCOL pairs.',
  ),
  def('inter.broker.listener.name', STRING, null, 'The listener brokers use to talk to each other; exclusive with security.inter.broker.protocol.'),
  def('security.inter.broker.protocol', STRING, 'PLAINTEXT', 'Security protocol between brokers, when inter.broker.listener.name is not set.', {
    oneOf: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'],
  }),
  def('ssl.keystore.type', STRING, 'JKS', 'Format of the key store; gregor reads PEM.'),
  def('ssl.keystore.location', STRING, null, 'PEM file with the private key and the certificate chain.'),
  def('ssl.keystore.key', PASSWORD, null, 'The private key in PEM, inline (with ssl.keystore.certificate.chain).', { sensitive: true }),
  def('ssl.keystore.certificate.chain', PASSWORD, null, 'The certificate chain in PEM, inline.', { sensitive: true }),
  def('ssl.keystore.password', PASSWORD, null, 'Password of the key store (not used with PEM).', { sensitive: true }),
  def('ssl.key.password', PASSWORD, null, 'Password of an encrypted private key.', { sensitive: true }),
  def('ssl.truststore.type', STRING, 'JKS', 'Format of the trust store; gregor reads PEM.'),
  def('ssl.truststore.location', STRING, null, 'PEM file with the certificates of trusted CAs (client authentication).'),
  def('ssl.truststore.certificates', PASSWORD, null, 'Trusted CA certificates in PEM, inline.', { sensitive: true }),
  def('ssl.truststore.password', PASSWORD, null, 'Password of the trust store (not used with PEM).', { sensitive: true }),
  def('ssl.client.auth', STRING, 'none', 'Whether clients present a certificate: none, requested or required.', { oneOf: ['none', 'requested', 'required'] }),
  def('ssl.enabled.protocols', LIST, 'TLSv1.2,TLSv1.3', 'TLS versions accepted.', { oneOf: ['TLSv1.2', 'TLSv1.3'] }),
  def('ssl.protocol', STRING, 'TLSv1.3', 'The TLS protocol (Java’s SSLContext name); the versions accepted are ssl.enabled.protocols.'),
  def('ssl.cipher.suites', LIST, '', 'TLS 1.2 cipher suites (OpenSSL or IANA names) and TLS 1.3 suites; empty takes Node’s defaults.'),
  def('ssl.principal.mapping.rules', STRING, 'DEFAULT', 'Rules mapping a client certificate’s distinguished name to a principal name.'),
  def('ssl.endpoint.identification.algorithm', STRING, 'https', 'Host name verification of peers (inter-broker client side).'),
  def('sasl.enabled.mechanisms', LIST, 'GSSAPI', 'SASL mechanisms the broker accepts: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER.'),
  def('sasl.mechanism.inter.broker.protocol', STRING, 'GSSAPI', 'SASL mechanism brokers use to authenticate to each other.'),
  def(
    'sasl.jaas.config',
    PASSWORD,
    null,
    'JAAS login configuration; on a broker given per listener and mechanism as listener.name.<l>.<mechanism>.sasl.jaas.config.',
    {
      sensitive: true,
    },
  ),
  def(
    CONNECTIONS_MAX_REAUTH_MS,
    LONG,
    '0',
    'Longest SASL session before the client must re-authenticate on its connection (an OAUTHBEARER token’s expiry may end it sooner); 0 sets no limit.',
  ),
  def(
    'sasl.oauthbearer.jwks.endpoint.url',
    STRING,
    null,
    'URL of the identity provider’s JSON Web Key Set; when set, OAUTHBEARER tokens must be signed by one of its keys (else unsecured JWTs are accepted).',
  ),
  def('sasl.oauthbearer.jwks.endpoint.refresh.ms', LONG, '3600000', 'How long the key set is cached before it is read again.', { min: 1 }),
  def('sasl.oauthbearer.expected.issuer', STRING, null, 'The `iss` a token must carry; unset accepts any.'),
  def('sasl.oauthbearer.expected.audience', LIST, '', 'Audiences of which a token’s `aud` must contain one; empty accepts any.'),
  def('sasl.oauthbearer.sub.claim.name', STRING, 'sub', 'The claim that names the principal.'),
  def('sasl.oauthbearer.clock.skew.seconds', INT, '30', 'Clock difference tolerated when checking `exp`, `iat` and `nbf`.', { min: 0 }),
  def('failed.authentication.delay.ms', INT, '100', 'Delay before a failed authentication is answered and its connection closed.', { min: 0 }),
  def('gregor.scram.credentials.file', STRING, null, 'File holding the salted SCRAM credentials; defaults to scram-credentials.json in the metadata dir.'),
  def('gregor.ssl.reload.interval.ms', LONG, '1000', 'How often key and trust store files are checked for changes (reloaded without a restart).', { min: 1 }),
];

/** `listener.name.<listener>.<key>` split into the lower-cased listener name and the key, or undefined. */
export function splitListenerKey(name: string): { listener: string; key: string } | undefined {
  const match = /^listener\.name\.([^.]+)\.(.+)$/.exec(name);
  return match ? { listener: match[1]!.toLowerCase(), key: match[2]! } : undefined;
}

/**
 * The definition a listener-prefixed key is parsed with: the key's own, sasl.jaas.config's for
 * `<mechanism>.sasl.jaas.config`, connections.max.reauth.ms's for `<mechanism>.connections.max.reauth.ms`.
 */
export function listenerKeyDef(key: string, byName: (name: string) => ConfigDef | undefined): ConfigDef | undefined {
  if (key.endsWith(JAAS_CONFIG_SUFFIX) && key.length > JAAS_CONFIG_SUFFIX.length) return byName('sasl.jaas.config');
  if (key === CONNECTIONS_MAX_REAUTH_MS || key.endsWith(`.${CONNECTIONS_MAX_REAUTH_MS}`)) return byName(CONNECTIONS_MAX_REAUTH_MS);
  // Only the security keys are per listener (Kafka's listener-prefixed broker configs).
  return key.startsWith('ssl.') || key.startsWith('sasl.') ? byName(key) : undefined;
}

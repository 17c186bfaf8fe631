/**
 * The SASL mechanisms a listener offers (`sasl.enabled.mechanisms`, per listener), each with what it checks
 * logins against: PLAIN the users of `listener.name.<l>.plain.sasl.jaas.config`, SCRAM-SHA-256/512 the
 * broker's SCRAM credential store, OAUTHBEARER bearer tokens (signed by a key of
 * `sasl.oauthbearer.jwks.endpoint.url` when set, else Kafka's unsecured development JWTs); and each
 * mechanism's `connections.max.reauth.ms`. A mechanism gregor does not implement, or PLAIN or OAUTHBEARER
 * without its listener's JAAS entry, stops the broker at start with INVALID_CONFIG.
 */
import type { BrokerConfig } from '../../config/broker-config.js';
import { CONNECTIONS_MAX_REAUTH_MS, JAAS_CONFIG_SUFFIX } from '../../config/security-config.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { jwksValidator } from '../oauth/jwks-validator.js';
import { oauthBearerServer } from '../oauth/oauthbearer-server.js';
import type { TokenValidator } from '../oauth/token-validator.js';
import { unsecuredJwtOptions, unsecuredJwtValidator } from '../oauth/unsecured-jwt.js';
import type { ScramCredentialStore } from '../scram/credential-store.js';
import { scramMechanismNamed } from '../scram/scram-mechanism.js';
import { scramServer } from '../scram/scram-server.js';
import type { SaslMechanism } from './authenticator.js';
import { type JaasLoginModule, parseJaasConfig, plainUsers } from './jaas.js';
import type { SaslServerFactory } from './mechanism.js';
import { plainServer } from './plain.js';

/** `config` is the listener's view (BrokerConfig.forListener). */
export function saslMechanisms(config: BrokerConfig, listenerName: string, scramCredentials: ScramCredentialStore): Map<string, SaslMechanism> {
  const mechanisms = new Map<string, SaslMechanism>();
  for (const mechanism of config.list('sasl.enabled.mechanisms')) {
    mechanisms.set(mechanism, { create: mechanismServer(config, listenerName, mechanism, scramCredentials), maxReauthMs: maxReauthMs(config, mechanism) });
  }
  if (mechanisms.size === 0) throw new KafkaError(ErrorCode.INVALID_CONFIG, `listener ${listenerName} uses SASL but sasl.enabled.mechanisms is empty`);
  return mechanisms;
}

/** `listener.name.<l>.<mechanism>.connections.max.reauth.ms`, else the listener's or the broker's `connections.max.reauth.ms`. */
function maxReauthMs(config: BrokerConfig, mechanism: string): number {
  const perMechanism = `${mechanism.toLowerCase()}.${CONNECTIONS_MAX_REAUTH_MS}`;
  return config.int(config.has(perMechanism) ? perMechanism : CONNECTIONS_MAX_REAUTH_MS);
}

function mechanismServer(config: BrokerConfig, listenerName: string, mechanism: string, scramCredentials: ScramCredentialStore): SaslServerFactory {
  const scram = scramMechanismNamed(mechanism);
  if (scram) return () => scramServer(scram, scramCredentials);
  switch (mechanism) {
    case 'PLAIN': {
      const jaas = jaasConfig(config, mechanism);
      if (!jaas)
        throw new KafkaError(
          ErrorCode.INVALID_CONFIG,
          `SASL/PLAIN on listener ${listenerName} needs ${jaasKey(listenerName, mechanism)} with PlainLoginModule user_<name>="<password>" options`,
        );
      const users = plainUsers(jaas);
      return () => plainServer(users);
    }
    case 'OAUTHBEARER': {
      // As Kafka's broker, which needs the login module's JAAS entry: enabling unsecured tokens takes a deliberate line.
      const jaas = jaasConfig(config, mechanism);
      if (!jaas)
        throw new KafkaError(
          ErrorCode.INVALID_CONFIG,
          `SASL/OAUTHBEARER on listener ${listenerName} needs ${jaasKey(listenerName, mechanism)} with OAuthBearerLoginModule`,
        );
      const validator = tokenValidator(config, jaas);
      return () => oauthBearerServer(validator);
    }
    default:
      throw new KafkaError(
        ErrorCode.INVALID_CONFIG,
        `SASL mechanism ${mechanism} of listener ${listenerName} is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER are)`,
      );
  }
}

/** JWKS-validated tokens when the listener names a key set; else, as Kafka's default, unsecured JWTs checked with the login module's options. */
function tokenValidator(config: BrokerConfig, jaas: readonly JaasLoginModule[]): TokenValidator {
  if (!config.has('sasl.oauthbearer.jwks.endpoint.url')) return unsecuredJwtValidator(unsecuredJwtOptions(jaas));
  return jwksValidator({
    jwksUrl: config.string('sasl.oauthbearer.jwks.endpoint.url'),
    refreshMs: config.int('sasl.oauthbearer.jwks.endpoint.refresh.ms'),
    expectedIssuer: config.has('sasl.oauthbearer.expected.issuer') ? config.string('sasl.oauthbearer.expected.issuer') : undefined,
    expectedAudience: config.list('sasl.oauthbearer.expected.audience'),
    subClaimName: config.string('sasl.oauthbearer.sub.claim.name'),
    clockSkewSeconds: config.int('sasl.oauthbearer.clock.skew.seconds'),
  });
}

function jaasConfig(config: BrokerConfig, mechanism: string): JaasLoginModule[] | undefined {
  const key = `${mechanism.toLowerCase()}${JAAS_CONFIG_SUFFIX}`;
  return config.has(key) ? parseJaasConfig(config.string(key)) : undefined;
}

function jaasKey(listenerName: string, mechanism: string): string {
  return `listener.name.${listenerName.toLowerCase()}.${mechanism.toLowerCase()}${JAAS_CONFIG_SUFFIX}`;
}

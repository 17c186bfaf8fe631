/**
 * The SASL mechanisms a listener offers (`sasl.enabled.mechanisms`, per listener), each with what it checks
 * logins against: PLAIN the users of `listener.name.<l>.plain.sasl.jaas.config`, SCRAM-SHA-256/512 the
 * broker's SCRAM credential store. A mechanism gregor does not implement, or PLAIN without its JAAS users,
 * stops the broker at start with INVALID_CONFIG.
 */
import type { BrokerConfig } from '../../config/broker-config.js';
import { JAAS_CONFIG_SUFFIX } from '../../config/security-config.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { parseJaasConfig, plainUsers } from './jaas.js';
import type { ScramCredentialStore } from '../scram/credential-store.js';
import { scramMechanismNamed } from '../scram/scram-mechanism.js';
import { scramServer } from '../scram/scram-server.js';
import type { SaslServerFactory } from './mechanism.js';
import { plainServer } from './plain.js';

/** `config` is the listener's view (BrokerConfig.forListener). */
export function saslMechanisms(config: BrokerConfig, listenerName: string, scramCredentials: ScramCredentialStore): Map<string, SaslServerFactory> {
  const mechanisms = new Map<string, SaslServerFactory>();
  for (const mechanism of config.list('sasl.enabled.mechanisms')) {
    mechanisms.set(mechanism, mechanismServer(config, listenerName, mechanism, scramCredentials));
  }
  if (mechanisms.size === 0) throw new KafkaError(ErrorCode.INVALID_CONFIG, `listener ${listenerName} uses SASL but sasl.enabled.mechanisms is empty`);
  return mechanisms;
}

function mechanismServer(config: BrokerConfig, listenerName: string, mechanism: string, scramCredentials: ScramCredentialStore): SaslServerFactory {
  const scram = scramMechanismNamed(mechanism);
  if (scram) return () => scramServer(scram, scramCredentials);
  switch (mechanism) {
    case 'PLAIN': {
      const key = `plain${JAAS_CONFIG_SUFFIX}`;
      const jaasKey = `listener.name.${listenerName.toLowerCase()}.${key}`;
      if (!config.has(key))
        throw new KafkaError(
          ErrorCode.INVALID_CONFIG,
          `SASL/PLAIN on listener ${listenerName} needs ${jaasKey} with PlainLoginModule user_<name>="<password>" options`,
        );
      const users = plainUsers(parseJaasConfig(config.string(key)));
      return () => plainServer(users);
    }
    default:
      throw new KafkaError(
        ErrorCode.INVALID_CONFIG,
        `SASL mechanism ${mechanism} of listener ${listenerName} is not supported (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 are)`,
      );
  }
}

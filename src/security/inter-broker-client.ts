/**
 * How this broker connects to the other brokers (Kafka's inter-broker client): in the security protocol of
 * the inter-broker listener (`inter.broker.listener.name`, else the first listener, where followers fetch
 * from), with that listener's TLS stores, and on SASL listeners logging in with
 * `sasl.mechanism.inter.broker.protocol` as the username and password of the listener's JAAS entry for it
 * (`listener.name.<l>.<mechanism>.sasl.jaas.config`), as Kafka's brokers do.
 */
import type { ConnectionOptions } from 'node:tls';
import type { BrokerConfig } from '../config/broker-config.js';
import { JAAS_CONFIG_SUFFIX } from '../config/security-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { planListeners, usesSasl, usesTls } from './listeners.js';
import { parseJaasConfig } from './sasl/jaas.js';
import { type SaslClient, type SaslLogin, saslClients } from './sasl/sasl-client.js';
import { tlsClientOptions } from './tls.js';

export interface InterBrokerClientSecurity {
  /** The listener the connections go to. */
  readonly listener: string;
  /** The TLS options of one connection; absent on a listener without TLS. */
  readonly tls?: () => ConnectionOptions;
  /** A SASL client for one login; absent on a listener without SASL. */
  readonly sasl?: () => SaslClient;
}

/** INVALID_CONFIG when the inter-broker listener's TLS stores or login cannot serve as a client. */
export function interBrokerClientSecurity(config: BrokerConfig): InterBrokerClientSecurity {
  const plan = planListeners(config);
  const spec = plan.listeners.find((l) => l.name === plan.interBrokerListener) ?? plan.listeners[0]!;
  const listenerConfig = config.forListener(spec.name);
  const tls = usesTls(spec.protocol) ? tlsClientOptions(listenerConfig, spec.name) : undefined;
  if (!usesSasl(spec.protocol)) return { listener: spec.name, tls };
  const mechanism = config.string('sasl.mechanism.inter.broker.protocol');
  return { listener: spec.name, tls, sasl: saslClients(mechanism, jaasLogin(listenerConfig, spec.name, mechanism)) };
}

/** The `username` and `password` options of the listener's login module for `mechanism`. */
function jaasLogin(config: BrokerConfig, listenerName: string, mechanism: string): SaslLogin {
  const key = `${mechanism.toLowerCase()}${JAAS_CONFIG_SUFFIX}`;
  const where = `listener.name.${listenerName.toLowerCase()}.${key}`;
  if (!config.has(key))
    throw invalid(`brokers log in to each other on listener ${listenerName} with ${mechanism}, so ${where} must give a username and password`);
  const options = parseJaasConfig(config.string(key)).find((m) => m.options.has('username'))?.options;
  const username = options?.get('username');
  const password = options?.get('password');
  if (!username || password === undefined) throw invalid(`${where} has no username and password for brokers to log in to each other with`);
  return { username, password };
}

function invalid(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_CONFIG, message);
}

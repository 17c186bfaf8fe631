/**
 * Brokers whose clients log in as SASL/PLAIN users, each with the password `<user>-secret`, under Kafka's
 * StandardAuthorizer with `admin` a super user; and kafkajs and raw clients logged in as one of them.
 */
import { Kafka, logLevel } from 'kafkajs';
import { expect } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import type { BrokerSettings } from '../../src/config/broker-config.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';

const password = (user: string): string => `${user}-secret`;

/** The JAAS entry of a PLAIN listener that knows `users`. */
export function plainJaas(users: readonly string[]): string {
  return `org.apache.kafka.common.security.plain.PlainLoginModule required ${users.map((user) => `user_${user}="${password(user)}"`).join(' ')};`;
}

/** A broker with one SASL_PLAINTEXT listener (also the inter-broker one) that knows `users`, and the authorizer on. */
export function plainUsersSettings(users: readonly string[] = ['admin', 'alice']): BrokerSettings {
  return {
    listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
    'security.inter.broker.protocol': 'SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas(users),
    'authorizer.class.name': 'standard',
    'super.users': 'User:admin',
  };
}

/** A kafkajs client of `bootstrap` that logs in as `user` and does not retry (a refusal is the answer). */
export function kafkaAs(bootstrap: string, user: string, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    sasl: { mechanism: 'plain', username: user, password: password(user) },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
}

/** A raw client of `bootstrap` logged in as `user`. */
export async function rawClientAs(bootstrap: string, user: string): Promise<RawClient> {
  const client = await RawClient.connect(bootstrap);
  await client.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
  const auth = await client.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${password(user)}`) });
  expect(auth.errorCode).toBe(ErrorCode.NONE);
  return client;
}

/** SCRAM logins for tests that drive the broker's mechanism token by token, and the credentials they log in with. */
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { ScramCredentialChange } from '../../src/security/scram/credential-store.js';
import { ScramClient } from '../../src/security/scram/scram-client.js';
import { type ScramMechanism, credentialOf, randomSalt, saltedPassword } from '../../src/security/scram/scram-mechanism.js';

/** The broker's SCRAM client with RFC 5802's example nonce, so exchanges are repeatable. */
export class ScramTestClient extends ScramClient {
  constructor(mechanism: ScramMechanism, user: string, password: string, nonce = 'fyko+d2lbbFgONRv9qkxdawL', authorizationId = '') {
    super(mechanism, user, password, nonce, authorizationId);
  }
}

/** The store change that gives `user` this password for the mechanism (what AlterUserScramCredentials would apply). */
export async function upsertion(
  mechanism: ScramMechanism,
  user: string,
  password: string,
  iterations = 4096,
  salt = randomSalt(mechanism),
): Promise<ScramCredentialChange> {
  return {
    type: 'upsert',
    user,
    mechanism: mechanism.name,
    credential: credentialOf(mechanism, salt, await saltedPassword(mechanism, password, salt, iterations), iterations),
  };
}

/**
 * Whether kafkajs can log in to `broker` with SCRAM and then make a request; a refusal must be the broker's
 * generic invalid-credentials answer (any other failure is thrown).
 */
export async function canLogIn(broker: string, mechanism: 'scram-sha-256' | 'scram-sha-512', username: string, password: string): Promise<boolean> {
  const sasl = { mechanism, username, password } as SASLOptions;
  const admin = new Kafka({ clientId: 'scram-login-test', brokers: [broker], sasl, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch (error) {
    if (!/invalid credentials with SASL mechanism/.test(String(error))) throw error;
    return false;
  } finally {
    await admin.disconnect();
  }
}

/** The client side of a SCRAM exchange (RFC 5802), for tests that drive the broker's mechanism token by token. */
import { timingSafeEqual } from 'node:crypto';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { ScramCredentialChange } from '../../src/security/scram/credential-store.js';
import { type ScramMechanism, clientKey, credentialOf, digest, hmac, randomSalt, saltedPassword, xor } from '../../src/security/scram/scram-mechanism.js';

export class ScramTestClient {
  #bare: string;
  #expectedServerSignature: Buffer | undefined;

  constructor(
    readonly mechanism: ScramMechanism,
    readonly user: string,
    readonly password: string,
    readonly nonce = 'fyko+d2lbbFgONRv9qkxdawL',
    readonly authorizationId = '',
  ) {
    this.#bare = `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${nonce}`;
  }

  firstMessage(): Buffer {
    return Buffer.from(`n,${this.authorizationId === '' ? '' : `a=${this.authorizationId}`},${this.#bare}`);
  }

  /** The client-final message answering `serverFirst`; `nonce` overrides the combined nonce sent back. */
  async finalMessage(serverFirst: Buffer, nonce?: string): Promise<Buffer> {
    const text = serverFirst.toString();
    const fields = Object.fromEntries(text.split(',').map((kv) => [kv[0], kv.slice(2)]));
    const salted = await saltedPassword(this.mechanism, this.password, Buffer.from(fields.s!, 'base64'), Number(fields.i));
    const withoutProof = `c=biws,r=${nonce ?? fields.r}`;
    const authMessage = `${this.#bare},${text},${withoutProof}`;
    const key = clientKey(this.mechanism, salted);
    this.#expectedServerSignature = hmac(this.mechanism, hmac(this.mechanism, salted, 'Server Key'), authMessage);
    const proof = xor(key, hmac(this.mechanism, digest(this.mechanism, key), authMessage));
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** Whether the server-final message proves the server knows the credential. */
  verifiesServer(serverFinal: Buffer): boolean {
    const signature = Buffer.from(serverFinal.toString().replace(/^v=/, ''), 'base64');
    return signature.length === this.#expectedServerSignature!.length && timingSafeEqual(signature, this.#expectedServerSignature!);
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

/**
 * The client side of a SCRAM exchange (RFC 5802): client-first, client-final with the proof for the server's
 * salt and iterations, and the check that the server-final signature proves the server knows the credential.
 * The broker logs in to other brokers with it (inter-broker SASL/SCRAM).
 */
import { timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationError } from '../sasl/mechanism.js';
import { type ScramMechanism, clientKey, digest, hmac, saltedPassword, xor } from './scram-mechanism.js';
import { randomNonce } from './scram-server.js';

export class ScramClient {
  readonly #bare: string;
  #expectedServerSignature: Buffer | undefined;

  constructor(
    readonly mechanism: ScramMechanism,
    readonly user: string,
    readonly password: string,
    readonly nonce = randomNonce(),
    readonly authorizationId = '',
  ) {
    this.#bare = `n=${escapeSaslName(user)},r=${nonce}`;
  }

  firstMessage(): Buffer {
    return Buffer.from(`n,${this.authorizationId === '' ? '' : `a=${escapeSaslName(this.authorizationId)}`},${this.#bare}`);
  }

  /** The client-final message answering `serverFirst`; `nonce` overrides the combined nonce sent back. */
  async finalMessage(serverFirst: Buffer, nonce?: string): Promise<Buffer> {
    const text = serverFirst.toString('utf8');
    const fields = new Map(text.split(',').map((kv) => [kv[0], kv.slice(2)]));
    const combined = fields.get('r');
    const salt = fields.get('s');
    const iterations = Number(fields.get('i'));
    if (!combined?.startsWith(this.nonce) || salt === undefined || !Number.isInteger(iterations) || iterations < 1) {
      throw new SaslAuthenticationError(`invalid SCRAM server first message: ${text}`);
    }
    const salted = await saltedPassword(this.mechanism, this.password, Buffer.from(salt, 'base64'), iterations);
    const withoutProof = `c=biws,r=${nonce ?? combined}`;
    const authMessage = `${this.#bare},${text},${withoutProof}`;
    const key = clientKey(this.mechanism, salted);
    this.#expectedServerSignature = hmac(this.mechanism, hmac(this.mechanism, salted, 'Server Key'), authMessage);
    const proof = xor(key, hmac(this.mechanism, digest(this.mechanism, key), authMessage));
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** Whether the server-final message proves the server knows the credential. */
  verifiesServer(serverFinal: Buffer): boolean {
    const expected = this.#expectedServerSignature;
    const text = serverFinal.toString('utf8');
    if (!expected || !text.startsWith('v=')) return false;
    const signature = Buffer.from(text.slice(2), 'base64');
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}

/** RFC 5802 §5.1: "," and "=" in a name are sent as "=2C" and "=3D". */
function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

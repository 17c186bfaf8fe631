/**
 * The SCRAM mechanisms Kafka knows (RFC 5802 with SHA-256 and SHA-512, RFC 7677) and the key derivations
 * both sides of an exchange and the credential store use: Hi() is PBKDF2 with the mechanism's HMAC.
 */
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface ScramMechanism {
  readonly name: ScramMechanismName;
  /** The mechanism's number in DescribeUserScramCredentials / AlterUserScramCredentials. */
  readonly type: number;
  readonly hash: 'sha256' | 'sha512';
  /** Kafka's bounds: logins with fewer iterations are refused, credentials outside them are not accepted. */
  readonly minIterations: number;
  readonly maxIterations: number;
}

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [
  { name: 'SCRAM-SHA-256', type: 1, hash: 'sha256', minIterations: 4096, maxIterations: 16384 },
  { name: 'SCRAM-SHA-512', type: 2, hash: 'sha512', minIterations: 4096, maxIterations: 16384 },
];

export function scramMechanismNamed(name: string): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === name);
}

export function scramMechanismOfType(type: number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.type === type);
}

/** What the broker keeps of a password: never the password, nor the salted password. */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

export function hmac(mechanism: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(mechanism.hash, key).update(data).digest();
}

export function digest(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(mechanism.hash).update(data).digest();
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Hi(password, salt, iterations): on the libuv pool, since thousands of HMACs would hold the event loop. */
export function saltedPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, createHash(mechanism.hash).digest().length, mechanism.hash);
}

export function clientKey(mechanism: ScramMechanism, salted: Buffer): Buffer {
  return hmac(mechanism, salted, 'Client Key');
}

/** The credential a salted password gives (what AlterUserScramCredentials turns its upsertions into). */
export function credentialOf(mechanism: ScramMechanism, salt: Buffer, salted: Buffer, iterations: number): ScramCredential {
  return { salt, storedKey: digest(mechanism, clientKey(mechanism, salted)), serverKey: hmac(mechanism, salted, 'Server Key'), iterations };
}

/** A fresh random salt, as long as the hash (Kafka's salts are random too; RFC 5802 fixes no length). */
export function randomSalt(mechanism: ScramMechanism): Buffer {
  return randomBytes(createHash(mechanism.hash).digest().length);
}

/**
 * Describing and altering SCRAM credentials with Kafka's rules (its ScramImage.describe and
 * ScramControlManager.alterCredentials): per-user results, a user named twice answered DUPLICATE_RESOURCE,
 * an unknown one RESOURCE_NOT_FOUND, an unknown mechanism UNSUPPORTED_SASL_MECHANISM, an empty name or
 * iterations outside the mechanism's bounds UNACCEPTABLE_CREDENTIAL. Upsertions carry a salted password,
 * which becomes a stored and a server key here and is never kept. The accepted changes are applied together.
 */
import { ErrorCode, codeOf } from '../../protocol/error-codes.js';
import type { ScramCredentialChange, ScramCredentialStore } from './credential-store.js';
import { SCRAM_MECHANISMS, type ScramMechanism, credentialOf, scramMechanismOfType } from './scram-mechanism.js';

export interface UserResult {
  readonly user: string;
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
}

export interface UserDescription extends UserResult {
  readonly credentialInfos: { mechanism: number; iterations: number }[];
}

export interface ScramDeletion {
  readonly name: string;
  readonly mechanism: number;
}

export interface ScramUpsertion extends ScramDeletion {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly saltedPassword: Buffer;
}

/** `users` null or empty: every user with a credential. */
export function describeScramCredentials(store: ScramCredentialStore, users: readonly string[] | null): UserDescription[] {
  const all = store.users();
  if (!users || users.length === 0) return [...all.keys()].map((user) => describeUser(store, user));
  const counts = new Map<string, number>();
  for (const user of users) counts.set(user, (counts.get(user) ?? 0) + 1);
  return [...counts].map(([user, count]) => {
    if (count > 1)
      return {
        user,
        errorCode: ErrorCode.DUPLICATE_RESOURCE,
        errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`,
        credentialInfos: [],
      };
    if (!all.has(user))
      return {
        user,
        errorCode: ErrorCode.RESOURCE_NOT_FOUND,
        errorMessage: `Attempt to describe a user credential that does not exist: ${user}`,
        credentialInfos: [],
      };
    return describeUser(store, user);
  });
}

function describeUser(store: ScramCredentialStore, user: string): UserDescription {
  const credentialInfos = SCRAM_MECHANISMS.flatMap((m) => {
    const credential = store.credential(user, m.name);
    return credential ? [{ mechanism: m.type, iterations: credential.iterations }] : [];
  });
  return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos };
}

/**
 * Kafka's results order: accepted deletions, accepted upsertions, then the refused users. A user may be
 * altered once per request: any second deletion or upsertion of the name refuses all of that user's.
 */
export async function alterScramCredentials(
  store: ScramCredentialStore,
  deletions: readonly ScramDeletion[],
  upsertions: readonly ScramUpsertion[],
): Promise<UserResult[]> {
  const refused = new Map<string, UserResult>();
  const deletes = new Map<string, ScramCredentialChange>();
  const upserts = new Map<string, ScramCredentialChange>();
  const refuse = (user: string, errorCode: ErrorCode, errorMessage: string) => refused.set(user, { user, errorCode, errorMessage });
  const duplicate = (user: string) => refuse(user, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
  for (const { name: user, mechanism: type } of deletions) {
    if (refused.has(user)) continue;
    if (deletes.delete(user)) {
      duplicate(user);
      continue;
    }
    const mechanism = validMechanism(user, type, refuse);
    if (!mechanism) continue;
    if (!store.credential(user, mechanism.name)) refuse(user, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
    else deletes.set(user, { type: 'delete', user, mechanism: mechanism.name });
  }
  for (const { name: user, mechanism: type, iterations, salt, saltedPassword } of upsertions) {
    if (refused.has(user)) continue;
    if (deletes.delete(user) || upserts.delete(user)) {
      duplicate(user);
      continue;
    }
    const mechanism = validMechanism(user, type, refuse);
    if (!mechanism) continue;
    if (iterations < mechanism.minIterations) refuse(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations');
    else if (iterations > mechanism.maxIterations) refuse(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations');
    else upserts.set(user, { type: 'upsert', user, mechanism: mechanism.name, credential: credentialOf(mechanism, salt, saltedPassword, iterations) });
  }
  const accepted = [...deletes.values(), ...upserts.values()];
  try {
    if (accepted.length > 0) await store.apply(accepted);
  } catch (error) {
    const errorCode = codeOf(error);
    const errorMessage = error instanceof Error ? error.message : null;
    return [...accepted.map(({ user }) => ({ user, errorCode, errorMessage })), ...refused.values()];
  }
  return [...accepted.map(({ user }) => ({ user, errorCode: ErrorCode.NONE, errorMessage: null })), ...refused.values()];
}

function validMechanism(user: string, type: number, refuse: (user: string, code: ErrorCode, message: string) => void): ScramMechanism | undefined {
  if (user === '') return void refuse(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
  const mechanism = scramMechanismOfType(type);
  if (!mechanism) refuse(user, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
  return mechanism;
}

/**
 * Where the broker keeps SCRAM credentials (salt, stored key, server key, iterations per user and
 * mechanism) and what logins and AlterUserScramCredentials need of it: a synchronous look-up of the current
 * credentials (so a change is seen by the next login, at once) and an all-or-nothing batch of changes.
 *
 * The broker's is the cluster metadata store's (metadata-credential-store.ts): one key per credential
 * (`scram/<mechanism>/<user>`), its in-memory view kept current through the store's watch (so every broker of
 * the cluster applies a change within the watch's delay), a batch written as one transaction whose deleted
 * keys must exist, so that a concurrent deletion fails the batch instead of passing silently. A file
 * (file-credential-store.ts) serves when `gregor.scram.credentials.file` asks for one.
 */
import type { ScramCredential, ScramMechanismName } from './scram-mechanism.js';

export type ScramCredentialChange =
  | { readonly type: 'upsert'; readonly user: string; readonly mechanism: ScramMechanismName; readonly credential: ScramCredential }
  | { readonly type: 'delete'; readonly user: string; readonly mechanism: ScramMechanismName };

export type UserCredentials = ReadonlyMap<ScramMechanismName, ScramCredential>;

export interface ScramCredentialStore {
  /** The user's credential for the mechanism now, if any. */
  credential(user: string, mechanism: ScramMechanismName): ScramCredential | undefined;
  /** Every user with at least one credential, in name order. */
  users(): ReadonlyMap<string, UserCredentials>;
  /** Applies every change or none (a store that cannot persist them rejects and keeps the old ones). */
  apply(changes: readonly ScramCredentialChange[]): Promise<void>;
}

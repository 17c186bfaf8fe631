/**
 * Where the broker keeps SCRAM credentials (salt, stored key, server key, iterations per user and
 * mechanism) and what logins and AlterUserScramCredentials need of it: a synchronous look-up of the current
 * credentials (so a change is seen by the next login, at once) and an all-or-nothing batch of changes.
 *
 * The shape fits the cluster metadata store (src/cluster/store) as well as the local file: a store over a
 * MetadataStore would keep one key per credential (`scram/<mechanism>/<user>`), fill its in-memory view with
 * `range('scram/')` and keep it current with a `watch` from the revision after that read (so every broker
 * of the cluster applies a change within the watch's delay), and write a batch as one `txn` of puts and
 * deletes, every deleted key compared with `createRevision != 0` so that a concurrent deletion fails the
 * batch instead of passing silently.
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

/**
 * SCRAM credentials in the cluster metadata store (the local file by default, etcd for a cluster): one key per
 * user and mechanism, `scram/<mechanism>/<user>` (the user URI-encoded), its value the salted credential as
 * JSON, never the password. The keys are followed through the store's watch, so a credential changed on any
 * broker applies to the next login on every broker; logins read the in-memory view synchronously. A batch of
 * changes is one transaction; one that deletes a credential another broker deleted first fails whole.
 */
import type { OpenPrefix, PrefixRecords } from '../../cluster/store/watched-prefix.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { ScramCredentialChange, ScramCredentialStore, UserCredentials } from './credential-store.js';
import { type PersistedCredential, persistCredential, restoreCredential } from './file-credential-store.js';
import { type ScramCredential, type ScramMechanismName, scramMechanismNamed } from './scram-mechanism.js';

/** The metadata store prefix of the credential keys. */
export const SCRAM_PREFIX = 'scram/';

type Users = Map<string, Map<ScramMechanismName, ScramCredential>>;

export class MetadataScramCredentialStore implements ScramCredentialStore {
  #records: PrefixRecords | undefined;
  #users: Users = new Map();

  private constructor() {}

  static async open(openPrefix: OpenPrefix): Promise<MetadataScramCredentialStore> {
    const store = new MetadataScramCredentialStore();
    store.#records = await openPrefix(() => store.#reload());
    store.#reload();
    return store;
  }

  credential(user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
    return this.#users.get(user)?.get(mechanism);
  }

  users(): ReadonlyMap<string, UserCredentials> {
    return new Map([...this.#users].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  async apply(changes: readonly ScramCredentialChange[]): Promise<void> {
    const writes = new Map<string, string | undefined>();
    for (const change of changes) {
      writes.set(credentialKey(change.mechanism, change.user), change.type === 'upsert' ? JSON.stringify(persistCredential(change.credential)) : undefined);
    }
    const written = await this.#records!.write([...writes].map(([key, value]) => ({ key, value })));
    if (!written) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'a credential to delete was deleted meanwhile; nothing was changed');
  }

  /** Rebuilds the view from the keys (a handful of users: cheaper than tracking each change). */
  #reload(): void {
    if (this.#records === undefined) return;
    const users: Users = new Map();
    for (const [key, value] of this.#records.entries()) {
      const slash = key.indexOf('/');
      const mechanism = scramMechanismNamed(key.slice(0, slash));
      if (mechanism === undefined) continue;
      const user = decodeURIComponent(key.slice(slash + 1));
      const credentials = users.get(user) ?? new Map<ScramMechanismName, ScramCredential>();
      credentials.set(mechanism.name, restoreCredential(JSON.parse(value) as PersistedCredential));
      users.set(user, credentials);
    }
    this.#users = users;
  }
}

function credentialKey(mechanism: ScramMechanismName, user: string): string {
  return `${mechanism}/${encodeURIComponent(user)}`;
}

/**
 * SCRAM credentials in one JSON file (`gregor.scram.credentials.file`; a scram-credentials.json in the metadata
 * dir is the format before the metadata store, moved into it once), read at start and replaced atomically on
 * every change, readable by the broker's user only. Changes are serialised; the in-memory view is swapped only
 * once the file is written. Also the credentials' JSON form, which the metadata store's keys share.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../cluster/atomic-file.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { ScramCredentialChange, ScramCredentialStore, UserCredentials } from './credential-store.js';
import { type ScramCredential, type ScramMechanismName, scramMechanismNamed } from './scram-mechanism.js';

export const SCRAM_CREDENTIALS_FILE = 'scram-credentials.json';

/** A credential as JSON: its byte fields in base64. */
export interface PersistedCredential {
  readonly salt: string;
  readonly storedKey: string;
  readonly serverKey: string;
  readonly iterations: number;
}

export function persistCredential(c: ScramCredential): PersistedCredential {
  return { salt: c.salt.toString('base64'), storedKey: c.storedKey.toString('base64'), serverKey: c.serverKey.toString('base64'), iterations: c.iterations };
}

export function restoreCredential(c: PersistedCredential): ScramCredential {
  return {
    salt: Buffer.from(c.salt, 'base64'),
    storedKey: Buffer.from(c.storedKey, 'base64'),
    serverKey: Buffer.from(c.serverKey, 'base64'),
    iterations: c.iterations,
  };
}

interface PersistedCredentials {
  readonly version: 1;
  /** user → mechanism → credential, byte fields in base64. */
  readonly users: Record<string, Record<string, PersistedCredential>>;
}

type Users = Map<string, Map<ScramMechanismName, ScramCredential>>;

export class FileScramCredentialStore implements ScramCredentialStore {
  #users: Users;
  #writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    users: Users,
  ) {
    this.#users = users;
  }

  /** Reads the file; a missing one is an empty store (it is written on the first change). */
  static async open(path: string): Promise<FileScramCredentialStore> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new FileScramCredentialStore(path, new Map());
      throw error;
    }
    return new FileScramCredentialStore(path, decode(path, text));
  }

  credential(user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
    return this.#users.get(user)?.get(mechanism);
  }

  users(): ReadonlyMap<string, UserCredentials> {
    return new Map([...this.#users].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  apply(changes: readonly ScramCredentialChange[]): Promise<void> {
    const run = this.#writing.then(async () => {
      const next: Users = new Map([...this.#users].map(([user, credentials]) => [user, new Map(credentials)]));
      for (const change of changes) {
        const credentials = next.get(change.user) ?? new Map<ScramMechanismName, ScramCredential>();
        if (change.type === 'upsert') credentials.set(change.mechanism, change.credential);
        else credentials.delete(change.mechanism);
        if (credentials.size === 0) next.delete(change.user);
        else next.set(change.user, credentials);
      }
      await writeFileAtomic(this.path, encode(next), 0o600);
      this.#users = next;
    });
    this.#writing = run.catch(() => undefined);
    return run;
  }
}

function encode(users: Users): string {
  const persisted: PersistedCredentials = {
    version: 1,
    users: Object.fromEntries(
      [...users].map(([user, credentials]) => [user, Object.fromEntries([...credentials].map(([mechanism, c]) => [mechanism, persistCredential(c)]))]),
    ),
  };
  return `${JSON.stringify(persisted, null, 2)}\n`;
}

function decode(path: string, text: string): Users {
  const persisted = JSON.parse(text) as PersistedCredentials;
  if (persisted.version !== 1) throw new KafkaError(ErrorCode.INVALID_CONFIG, `${path}: unknown SCRAM credentials format ${String(persisted.version)}`);
  const users: Users = new Map();
  for (const [user, byMechanism] of Object.entries(persisted.users)) {
    const credentials = new Map<ScramMechanismName, ScramCredential>();
    for (const [name, c] of Object.entries(byMechanism)) {
      const mechanism = scramMechanismNamed(name);
      if (!mechanism) throw new KafkaError(ErrorCode.INVALID_CONFIG, `${path}: unknown SCRAM mechanism ${name} for user ${user}`);
      credentials.set(mechanism.name, restoreCredential(c));
    }
    users.set(user, credentials);
  }
  return users;
}

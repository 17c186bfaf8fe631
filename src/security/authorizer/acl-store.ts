/**
 * Where ACLs are kept: the `AclStore` contract and its single-broker implementation, one JSON file under the
 * metadata dir replaced atomically on every change.
 *
 * The contract is made of deltas so that the cluster metadata store (src/cluster/store) can back it: each
 * binding becomes one key `acls/<bindingKey>` (its value the binding's JSON), `apply` writes one transaction
 * that puts the added keys and deletes the removed ones (compare `createRevision = 0` on the added keys so two
 * brokers creating the same ACL store it once), and `load` is a `range('acls/')` whose revision starts a
 * `watch('acls/')`; every broker applies the watched puts and deletes to its authorizer's index
 * (`StandardAuthorizer.applyRemote`), so an ACL created on one broker is enforced by all within the watch delay.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../cluster/atomic-file.js';
import { type AclBinding, bindingKey } from './acl.js';

export interface AclStore {
  /** Every stored binding. */
  load(): Promise<readonly AclBinding[]>;
  /** Persists one change; resolves once it is durable. */
  apply(added: readonly AclBinding[], removed: readonly AclBinding[]): Promise<void>;
}

interface AclFile {
  readonly version: 1;
  readonly acls: readonly AclBinding[];
}

/** The ACLs of a single broker in one file; changes are serialised so the file always holds the last one applied. */
export class FileAclStore implements AclStore {
  readonly #path: string;
  readonly #bindings = new Map<string, AclBinding>();
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.#path = path;
  }

  async load(): Promise<readonly AclBinding[]> {
    let file: AclFile;
    try {
      file = JSON.parse(await readFile(this.#path, 'utf8')) as AclFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    this.#bindings.clear();
    for (const binding of file.acls) this.#bindings.set(bindingKey(binding), binding);
    return [...this.#bindings.values()];
  }

  apply(added: readonly AclBinding[], removed: readonly AclBinding[]): Promise<void> {
    for (const binding of removed) this.#bindings.delete(bindingKey(binding));
    for (const binding of added) this.#bindings.set(bindingKey(binding), binding);
    const content: AclFile = { version: 1, acls: [...this.#bindings.values()] };
    const write = this.#writing.then(() => writeFileAtomic(this.#path, `${JSON.stringify(content, null, 1)}\n`));
    this.#writing = write.catch(() => undefined);
    return write;
  }
}

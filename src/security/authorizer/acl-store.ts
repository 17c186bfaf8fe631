/**
 * Where ACLs are kept: the `AclStore` contract of deltas and its two implementations. The broker's is
 * `MetadataAclStore`, in the cluster metadata store (the local file by default, etcd for a cluster): each
 * binding is one key `acls/<bindingKey>` whose value is the binding's JSON, `apply` writes one transaction that
 * puts the added keys and deletes the removed ones, and the keys are followed through the store's watch, every
 * change of another broker handed to the listener (the authorizer's `applyRemote`), so an ACL created on one
 * broker is enforced by all within the watch's delay. `FileAclStore` is the format before it, one JSON file
 * under the metadata dir, which the broker migrates into the store once.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../cluster/atomic-file.js';
import type { OpenPrefix, PrefixChange, PrefixRecords } from '../../cluster/store/watched-prefix.js';
import { type AclBinding, bindingKey } from './acl.js';

export interface AclStore {
  /** Every stored binding. */
  load(): Promise<readonly AclBinding[]>;
  /** Persists one change; resolves once it is durable. */
  apply(added: readonly AclBinding[], removed: readonly AclBinding[]): Promise<void>;
  /** Hands every later change made elsewhere (another broker) to `listener`; a store only this broker writes never calls it. */
  follow?(listener: (added: readonly AclBinding[], removed: readonly AclBinding[]) => void): void;
}

/** The metadata store prefix of the ACL keys. */
export const ACLS_PREFIX = 'acls/';

/** Deletions racing another broker's are retried this often with what is still there. */
const APPLY_ATTEMPTS = 5;

export class MetadataAclStore implements AclStore {
  #records: PrefixRecords | undefined;
  #listener: ((added: readonly AclBinding[], removed: readonly AclBinding[]) => void) | undefined;
  /** Changes watched before anyone follows them (they are in `load` too; applying a binding twice is harmless). */
  #early: PrefixChange[] = [];

  private constructor() {}

  static async open(openPrefix: OpenPrefix): Promise<MetadataAclStore> {
    const store = new MetadataAclStore();
    store.#records = await openPrefix((changes) => store.#changed(changes));
    return store;
  }

  async load(): Promise<readonly AclBinding[]> {
    return [...this.#prefix.entries().values()].map((value) => JSON.parse(value) as AclBinding);
  }

  async apply(added: readonly AclBinding[], removed: readonly AclBinding[]): Promise<void> {
    for (let attempt = 1; attempt <= APPLY_ATTEMPTS; attempt++) {
      const writes = [
        ...added.map((binding) => ({ key: bindingKey(binding), value: JSON.stringify(binding) })),
        // Only what is still there: another broker may have deleted the same binding first.
        ...removed
          .map((binding) => bindingKey(binding))
          .filter((key) => this.#prefix.get(key) !== undefined)
          .map((key) => ({ key, value: undefined })),
      ];
      if (await this.#prefix.write(writes)) return;
    }
    throw new Error('ACLs kept changing while being written');
  }

  follow(listener: (added: readonly AclBinding[], removed: readonly AclBinding[]) => void): void {
    this.#listener = listener;
    const early = this.#early;
    this.#early = [];
    if (early.length > 0) this.#changed(early);
  }

  get #prefix(): PrefixRecords {
    return this.#records!;
  }

  #changed(changes: readonly PrefixChange[]): void {
    if (this.#listener === undefined) {
      this.#early.push(...changes);
      return;
    }
    const added: AclBinding[] = [];
    const removed: AclBinding[] = [];
    for (const { key, value } of changes) {
      if (value === undefined) removed.push(bindingOfKey(key));
      else added.push(JSON.parse(value) as AclBinding);
    }
    this.#listener(added, removed);
  }
}

/** The binding a key names (bindingKey is its fields as a JSON array, in AclBinding's order). */
function bindingOfKey(key: string): AclBinding {
  const [resourceType, resourceName, patternType, principal, host, operation, permissionType] = JSON.parse(key) as AclBindingFields;
  return { resourceType, resourceName, patternType, principal, host, operation, permissionType };
}

type AclBindingFields = [
  AclBinding['resourceType'],
  AclBinding['resourceName'],
  AclBinding['patternType'],
  AclBinding['principal'],
  AclBinding['host'],
  AclBinding['operation'],
  AclBinding['permissionType'],
];

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

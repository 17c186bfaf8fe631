/**
 * Authorization with the semantics of Kafka's StandardAuthorizer: super users may do anything; otherwise a
 * matching DENY wins over a matching ALLOW; without a matching ALLOW the action is denied, except that with
 * `allow.everyone.if.no.acl.found` a resource no ACL names at all is open to everyone. Also keeps the ACLs:
 * creations and deletions are persisted through the `AclStore` and effective once they resolve.
 */
import {
  AclOperation,
  AclPermissionType,
  type AclBinding,
  type AclBindingFilter,
  PatternType,
  type ResourceType,
  WILDCARD_HOST,
  WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE,
  bindingKey,
  filterIsUnknown,
  filterMatches,
  invalidBindingReason,
} from './acl.js';
import { AclIndex, AclVerdict } from './acl-index.js';
import type { AclStore } from './acl-store.js';

export interface AuthorizerOptions {
  /** Principals (`User:name`) allowed everything: Kafka's `super.users`. */
  readonly superUsers: readonly string[];
  /** Kafka's `allow.everyone.if.no.acl.found`. */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** The outcome of one creation or deletion filter: INVALID_REQUEST's message, or success. */
export interface AclCreateResult {
  readonly error?: string;
}

export interface AclDeleteResult {
  readonly error?: string;
  readonly deleted: readonly AclBinding[];
}

/** A name no resource has, with which Kafka's `authorizeByResourceType` first asks the plain question (so super users and open resources pass). */
const PROBE_RESOURCE = 'hardcode';

export class StandardAuthorizer {
  readonly #superUsers: ReadonlySet<string>;
  readonly #allowEveryone: boolean;
  readonly #store: AclStore;
  readonly #index = new AclIndex();
  readonly #keys = new Set<string>();

  private constructor(options: AuthorizerOptions, store: AclStore) {
    this.#superUsers = new Set(options.superUsers);
    this.#allowEveryone = options.allowEveryoneIfNoAclFound;
    this.#store = store;
  }

  static async open(options: AuthorizerOptions, store: AclStore): Promise<StandardAuthorizer> {
    const authorizer = new StandardAuthorizer(options, store);
    authorizer.applyRemote(await store.load(), []);
    store.follow?.((added, removed) => authorizer.applyRemote(added, removed));
    return authorizer;
  }

  /** May `principal` (`User:name`) from `host` do `operation` on the resource of that type and name? */
  authorize(principal: string, host: string, operation: AclOperation, resourceType: ResourceType, name: string): boolean {
    if (this.#superUsers.size > 0 && this.#superUsers.has(principal)) return true;
    const verdict = this.#index.verdict(principal, host, operation, resourceType, name);
    return verdict === AclVerdict.ALLOWED || (verdict === AclVerdict.NO_ACLS && this.#allowEveryone);
  }

  /**
   * May the principal do `operation` on some resource of the type (Kafka's `authorizeByResourceType`, which
   * InitProducerId uses to accept WRITE on any topic): an ALLOW pattern that no DENY covers.
   */
  authorizeByResourceType(principal: string, host: string, operation: AclOperation, resourceType: ResourceType): boolean {
    if (this.authorize(principal, host, operation, resourceType, PROBE_RESOURCE)) return true;
    const denyLiteral = new Set<string>();
    const denyPrefixed = new Set<string>();
    const allowed: AclBinding[] = [];
    for (const acl of this.#index.bindings(resourceType)) {
      if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) continue;
      if (acl.host !== host && acl.host !== WILDCARD_HOST) continue;
      if (acl.operation !== operation && acl.operation !== AclOperation.ALL) continue;
      if (acl.permissionType === AclPermissionType.ALLOW) allowed.push(acl);
      else (acl.patternType === PatternType.LITERAL ? denyLiteral : denyPrefixed).add(acl.resourceName);
    }
    if (denyLiteral.has(WILDCARD_RESOURCE)) return false;
    return allowed.some((acl) => {
      if (acl.patternType === PatternType.LITERAL && denyLiteral.has(acl.resourceName)) return false;
      for (let length = 1; length <= acl.resourceName.length; length++) {
        if (denyPrefixed.has(acl.resourceName.slice(0, length))) return false;
      }
      return true;
    });
  }

  /** The bindings a filter selects (DescribeAcls). */
  acls(filter: AclBindingFilter): AclBinding[] {
    return [...this.#index.bindings()].filter((binding) => filterMatches(filter, binding));
  }

  /** Creates the valid bindings (an existing one is kept once); each gets its result, in order. */
  async createAcls(bindings: readonly AclBinding[]): Promise<AclCreateResult[]> {
    const results = bindings.map((binding) => ({ error: invalidBindingReason(binding) }));
    const added = new Map<string, AclBinding>();
    bindings.forEach((binding, i) => {
      const key = bindingKey(binding);
      if (results[i]!.error === undefined && !this.#keys.has(key)) added.set(key, binding);
    });
    if (added.size > 0) {
      await this.#store.apply([...added.values()], []);
      this.applyRemote([...added.values()], []);
    }
    return results;
  }

  /** Deletes what each filter selects; an unknown filter answers INVALID_REQUEST and deletes nothing. */
  async deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclDeleteResult[]> {
    const all = [...this.#index.bindings()];
    const results = filters.map(
      (filter): AclDeleteResult =>
        filterIsUnknown(filter) ? { error: 'Unknown filter.', deleted: [] } : { deleted: all.filter((binding) => filterMatches(filter, binding)) },
    );
    const removed = new Map(results.flatMap((r) => r.deleted).map((binding) => [bindingKey(binding), binding]));
    if (removed.size > 0) {
      await this.#store.apply([], [...removed.values()]);
      this.applyRemote([], [...removed.values()]);
    }
    return results;
  }

  /** Applies a change already persisted (at start, after a local change, or watched from another broker). */
  applyRemote(added: readonly AclBinding[], removed: readonly AclBinding[]): void {
    for (const binding of removed) {
      if (this.#keys.delete(bindingKey(binding))) this.#index.remove(binding);
    }
    for (const binding of added) {
      const key = bindingKey(binding);
      if (this.#keys.has(key)) continue;
      this.#keys.add(key);
      this.#index.add(binding);
    }
  }
}

/**
 * The ACLs indexed for checks: per resource type, literal patterns by name (the wildcard `*` among them) and
 * prefixed patterns by prefix, the prefixes also in a trie of character codes, so a check looks up the name,
 * `*` and walks the name's characters only as far as some prefix goes, instead of scanning every ACL (Kafka's
 * StandardAuthorizerData walks a sorted set instead).
 */
import { AclOperation, AclPermissionType, type AclBinding, PatternType, WILDCARD_HOST, WILDCARD_PRINCIPAL, WILDCARD_RESOURCE, bindingKey } from './acl.js';

/** What the ACLs say of one action: a matching DENY, a matching ALLOW, ACLs on the resource but none for this action, or no ACL on the resource at all. */
export enum AclVerdict {
  DENIED,
  ALLOWED,
  NO_MATCH,
  NO_ACLS,
}

/** When an ALLOW ACL for the operation (the key) also grants an action's operation (the value): Kafka's IMPLIES_DESCRIBE and IMPLIES_DESCRIBE_CONFIGS. */
const IMPLIED_BY: ReadonlyMap<AclOperation, ReadonlySet<AclOperation>> = new Map<AclOperation, ReadonlySet<AclOperation>>([
  [AclOperation.DESCRIBE, new Set<AclOperation>([AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER])],
  [AclOperation.DESCRIBE_CONFIGS, new Set<AclOperation>([AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS])],
]);

/** A node of the prefix trie: where a prefix of the ACLs ends (`ends`), and the characters that continue one. */
class PrefixNode {
  readonly next = new Map<number, PrefixNode>();
  ends = false;
}

class PatternAcls {
  readonly literal = new Map<string, AclBinding[]>();
  readonly prefixed = new Map<string, AclBinding[]>();
  readonly prefixes = new PrefixNode();

  add(binding: AclBinding): void {
    const byName = binding.patternType === PatternType.LITERAL ? this.literal : this.prefixed;
    const list = byName.get(binding.resourceName);
    if (list) list.push(binding);
    else byName.set(binding.resourceName, [binding]);
    if (binding.patternType === PatternType.PREFIXED) this.#prefixPath(binding.resourceName, true).at(-1)!.ends = true;
  }

  remove(binding: AclBinding): void {
    const byName = binding.patternType === PatternType.LITERAL ? this.literal : this.prefixed;
    const key = bindingKey(binding);
    const left = (byName.get(binding.resourceName) ?? []).filter((b) => bindingKey(b) !== key);
    if (left.length > 0) byName.set(binding.resourceName, left);
    else byName.delete(binding.resourceName);
    if (binding.patternType === PatternType.PREFIXED && left.length === 0) this.#unindexPrefix(binding.resourceName);
  }

  /** The trie's nodes along `prefix`, the root first; created where missing, or cut short where the trie ends. */
  #prefixPath(prefix: string, create: boolean): PrefixNode[] {
    const path = [this.prefixes];
    for (let i = 0; i < prefix.length; i++) {
      const node = path[i]!;
      let next = node.next.get(prefix.charCodeAt(i));
      if (next === undefined) {
        if (!create) return path;
        node.next.set(prefix.charCodeAt(i), (next = new PrefixNode()));
      }
      path.push(next);
    }
    return path;
  }

  /** Unmarks a prefix no ACL has any more and drops the nodes that lead to no other prefix. */
  #unindexPrefix(prefix: string): void {
    const path = this.#prefixPath(prefix, false);
    if (path.length !== prefix.length + 1) return;
    path[prefix.length]!.ends = false;
    for (let depth = prefix.length; depth > 0; depth--) {
      const node = path[depth]!;
      if (node.ends || node.next.size > 0) return;
      path[depth - 1]!.next.delete(prefix.charCodeAt(depth - 1));
    }
  }
}

export class AclIndex {
  readonly #byType = new Map<number, PatternAcls>();

  add(binding: AclBinding): void {
    let acls = this.#byType.get(binding.resourceType);
    if (!acls) this.#byType.set(binding.resourceType, (acls = new PatternAcls()));
    acls.add(binding);
  }

  remove(binding: AclBinding): void {
    this.#byType.get(binding.resourceType)?.remove(binding);
  }

  /** The verdict of the ACLs on `principal` (`Type:name`) from `host` doing `operation` on the named resource. */
  verdict(principal: string, host: string, operation: AclOperation, resourceType: number, name: string): AclVerdict {
    const acls = this.#byType.get(resourceType);
    if (!acls) return AclVerdict.NO_ACLS;
    const search = new VerdictSearch(principal, host, operation);
    if (search.scan(acls.literal.get(name)) || search.scan(acls.literal.get(WILDCARD_RESOURCE))) return AclVerdict.DENIED;
    let node: PrefixNode | undefined = acls.prefixes;
    for (let i = 0; i < name.length; i++) {
      node = node.next.get(name.charCodeAt(i));
      if (node === undefined) break;
      if (node.ends && search.scan(acls.prefixed.get(name.slice(0, i + 1)))) return AclVerdict.DENIED;
    }
    return search.allowed ? AclVerdict.ALLOWED : search.hasResourceAcls ? AclVerdict.NO_MATCH : AclVerdict.NO_ACLS;
  }

  /** Every binding of a resource type (or of all, for undefined). */
  *bindings(resourceType?: number): IterableIterator<AclBinding> {
    for (const [type, acls] of this.#byType) {
      if (resourceType !== undefined && type !== resourceType) continue;
      for (const list of acls.literal.values()) yield* list;
      for (const list of acls.prefixed.values()) yield* list;
    }
  }
}

class VerdictSearch {
  allowed = false;
  hasResourceAcls = false;

  constructor(
    readonly principal: string,
    readonly host: string,
    readonly operation: AclOperation,
  ) {}

  /** Looks at the ACLs of one pattern; true when one of them denies (DENY wins, so the search can stop). */
  scan(list: readonly AclBinding[] | undefined): boolean {
    if (list === undefined) return false;
    this.hasResourceAcls = true;
    for (const acl of list) {
      if (!aclApplies(acl, this.principal, this.host, this.operation)) continue;
      if (acl.permissionType === AclPermissionType.DENY) return true;
      this.allowed = true;
    }
    return false;
  }
}

/** Kafka's `StandardAuthorizerData.findResult` short of the verdict: principal, host, then the operation, where only ALLOW ACLs imply other operations. */
function aclApplies(acl: AclBinding, principal: string, host: string, operation: AclOperation): boolean {
  if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) return false;
  if (acl.host !== WILDCARD_HOST && acl.host !== host) return false;
  if (acl.operation === AclOperation.ALL || acl.operation === operation) return true;
  return acl.permissionType === AclPermissionType.ALLOW && (IMPLIED_BY.get(operation)?.has(acl.operation) ?? false);
}

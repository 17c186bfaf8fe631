// The authorizer's semantics against Kafka's StandardAuthorizer: DENY wins, LITERAL/PREFIXED/wildcard patterns,
// principal and host wildcards, implied operations (ALLOW only), super users, allow.everyone.if.no.acl.found,
// authorizeByResourceType; creation validation, filters, deletion and persistence across a reopen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AclOperation as Op,
  AclPermissionType as Perm,
  type AclBinding,
  type AclBindingFilter,
  PatternType,
  ResourceType,
} from '../../../src/security/authorizer/acl.js';
import { type AclStore, FileAclStore } from '../../../src/security/authorizer/acl-store.js';
import { type AuthorizerOptions, StandardAuthorizer } from '../../../src/security/authorizer/standard-authorizer.js';

const ALICE = 'User:alice';
const BOB = 'User:bob';
const HOST = '10.0.0.1';

function acl(partial: Partial<AclBinding>): AclBinding {
  return {
    resourceType: ResourceType.TOPIC,
    resourceName: 'orders',
    patternType: PatternType.LITERAL,
    principal: ALICE,
    host: '*',
    operation: Op.READ,
    permissionType: Perm.ALLOW,
    ...partial,
  };
}

const ANY_FILTER: AclBindingFilter = {
  resourceType: ResourceType.ANY,
  resourceName: null,
  patternType: PatternType.ANY,
  principal: null,
  host: null,
  operation: Op.ANY,
  permissionType: Perm.ANY,
};

/** An in-memory store (the file store has its own test below). */
function memoryStore(initial: AclBinding[] = []): AclStore {
  return { load: async () => initial, apply: async () => undefined };
}

async function authorizer(acls: AclBinding[], options: Partial<AuthorizerOptions> = {}): Promise<StandardAuthorizer> {
  return StandardAuthorizer.open({ superUsers: [], allowEveryoneIfNoAclFound: false, ...options }, memoryStore(acls));
}

describe('StandardAuthorizer checks', () => {
  it('allows only what an ALLOW ACL grants, to its principal', async () => {
    const a = await authorizer([acl({})]);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'orders')).toBe(true);
    expect(a.authorize(BOB, HOST, Op.READ, ResourceType.TOPIC, 'orders')).toBe(false);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(false);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'other')).toBe(false);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.GROUP, 'orders')).toBe(false);
  });

  it('lets a DENY win over any ALLOW, whichever pattern carries it', async () => {
    const a = await authorizer([
      acl({ operation: Op.ALL }),
      acl({ resourceName: 'ord', patternType: PatternType.PREFIXED, permissionType: Perm.DENY }),
      acl({ resourceName: '*', operation: Op.WRITE, permissionType: Perm.DENY, principal: 'User:*' }),
    ]);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'orders')).toBe(false);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(false);
    expect(a.authorize(ALICE, HOST, Op.DELETE, ResourceType.TOPIC, 'orders')).toBe(true);
  });

  it('matches PREFIXED patterns on name prefixes and LITERAL ones exactly', async () => {
    const a = await authorizer([acl({ resourceName: 'app-', patternType: PatternType.PREFIXED }), acl({ resourceName: 'lit', operation: Op.WRITE })]);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'app-events')).toBe(true);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'app-')).toBe(true);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'app')).toBe(false);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'lit')).toBe(true);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'literal')).toBe(false);
  });

  it('applies every nested PREFIXED pattern of a name, and a deleted one no more', async () => {
    const nested = [
      acl({ resourceName: 'o', patternType: PatternType.PREFIXED, operation: Op.WRITE }),
      acl({ resourceName: 'ord', patternType: PatternType.PREFIXED }),
      acl({ resourceName: 'orders-eu', patternType: PatternType.PREFIXED, operation: Op.ALL, permissionType: Perm.DENY }),
    ];
    const a = await authorizer(nested);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'orders')).toBe(true);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(true);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'orders-eu-1')).toBe(false);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'or')).toBe(false);
    await a.deleteAcls([{ ...ANY_FILTER, resourceName: 'ord', patternType: PatternType.PREFIXED }]);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'orders')).toBe(false);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(true);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'orders-eu-1')).toBe(false);
    await a.deleteAcls([{ ...ANY_FILTER, resourceName: 'orders-eu', patternType: PatternType.PREFIXED }]);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'orders-eu-1')).toBe(true);
    await a.createAcls([nested[1]!]);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'orders-eu-1')).toBe(true);
  });

  it('treats the LITERAL name * as every resource, a PREFIXED * as a prefix', async () => {
    const a = await authorizer([acl({ resourceName: '*' }), acl({ resourceName: '*', patternType: PatternType.PREFIXED, operation: Op.WRITE })]);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'anything')).toBe(true);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'anything')).toBe(false);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, '*star')).toBe(true);
  });

  it('matches the principal User:* and the host *, else the exact host', async () => {
    const a = await authorizer([acl({ principal: 'User:*' }), acl({ operation: Op.WRITE, host: '10.0.0.2' })]);
    expect(a.authorize(BOB, HOST, Op.READ, ResourceType.TOPIC, 'orders')).toBe(true);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(false);
    expect(a.authorize(ALICE, '10.0.0.2', Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(true);
  });

  it('implies DESCRIBE from READ, WRITE, DELETE, ALTER and DESCRIBE_CONFIGS from ALTER_CONFIGS, for ALLOW only', async () => {
    for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER, Op.DESCRIBE]) {
      expect((await authorizer([acl({ operation: op })])).authorize(ALICE, HOST, Op.DESCRIBE, ResourceType.TOPIC, 'orders')).toBe(true);
    }
    for (const op of [Op.CREATE, Op.ALTER_CONFIGS, Op.DESCRIBE_CONFIGS, Op.CLUSTER_ACTION]) {
      expect((await authorizer([acl({ operation: op })])).authorize(ALICE, HOST, Op.DESCRIBE, ResourceType.TOPIC, 'orders')).toBe(false);
    }
    expect((await authorizer([acl({ operation: Op.ALTER_CONFIGS })])).authorize(ALICE, HOST, Op.DESCRIBE_CONFIGS, ResourceType.TOPIC, 'orders')).toBe(true);
    expect((await authorizer([acl({ operation: Op.ALTER })])).authorize(ALICE, HOST, Op.DESCRIBE_CONFIGS, ResourceType.TOPIC, 'orders')).toBe(false);
    // WRITE does not imply IDEMPOTENT_WRITE in the authorizer (InitProducerId asks for either itself).
    expect(
      (await authorizer([acl({ operation: Op.WRITE, resourceType: ResourceType.CLUSTER, resourceName: 'kafka-cluster' })])).authorize(
        ALICE,
        HOST,
        Op.IDEMPOTENT_WRITE,
        ResourceType.CLUSTER,
        'kafka-cluster',
      ),
    ).toBe(false);
    // A DENY of READ does not deny DESCRIBE; a DENY of ALL denies everything.
    const denyRead = await authorizer([acl({ operation: Op.DESCRIBE }), acl({ permissionType: Perm.DENY })]);
    expect(denyRead.authorize(ALICE, HOST, Op.DESCRIBE, ResourceType.TOPIC, 'orders')).toBe(true);
    const denyAll = await authorizer([acl({ operation: Op.DESCRIBE }), acl({ operation: Op.ALL, permissionType: Perm.DENY })]);
    expect(denyAll.authorize(ALICE, HOST, Op.DESCRIBE, ResourceType.TOPIC, 'orders')).toBe(false);
  });

  it('allows super users everything, DENY ACLs notwithstanding', async () => {
    const a = await authorizer([acl({ operation: Op.ALL, permissionType: Perm.DENY, principal: 'User:*' })], { superUsers: ['User:admin', 'User:broker'] });
    expect(a.authorize('User:admin', HOST, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(true);
    expect(a.authorize('User:broker', HOST, Op.CLUSTER_ACTION, ResourceType.CLUSTER, 'kafka-cluster')).toBe(true);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'orders')).toBe(false);
  });

  it('applies allow.everyone.if.no.acl.found only to resources no ACL names at all', async () => {
    const open = await authorizer([acl({ principal: BOB })], { allowEveryoneIfNoAclFound: true });
    expect(open.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'unnamed')).toBe(true);
    expect(open.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'orders')).toBe(false);
    expect(open.authorize(ALICE, HOST, Op.READ, ResourceType.GROUP, 'orders')).toBe(true);
    const prefixed = await authorizer([acl({ principal: BOB, resourceName: 'ord', patternType: PatternType.PREFIXED })], { allowEveryoneIfNoAclFound: true });
    expect(prefixed.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'orders')).toBe(false);
    const closed = await authorizer([]);
    expect(closed.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'unnamed')).toBe(false);
  });

  it('authorizes by resource type when an ALLOW pattern escapes every DENY (InitProducerId)', async () => {
    const literal = await authorizer([acl({ operation: Op.WRITE })]);
    expect(literal.authorizeByResourceType(ALICE, HOST, Op.WRITE, ResourceType.TOPIC)).toBe(true);
    expect(literal.authorizeByResourceType(BOB, HOST, Op.WRITE, ResourceType.TOPIC)).toBe(false);
    const deniedLiteral = await authorizer([acl({ operation: Op.WRITE }), acl({ operation: Op.WRITE, permissionType: Perm.DENY })]);
    expect(deniedLiteral.authorizeByResourceType(ALICE, HOST, Op.WRITE, ResourceType.TOPIC)).toBe(false);
    const deniedPrefix = await authorizer([
      acl({ operation: Op.WRITE, resourceName: 'ord-1', patternType: PatternType.PREFIXED }),
      acl({ operation: Op.WRITE, resourceName: 'ord', patternType: PatternType.PREFIXED, permissionType: Perm.DENY }),
    ]);
    expect(deniedPrefix.authorizeByResourceType(ALICE, HOST, Op.WRITE, ResourceType.TOPIC)).toBe(false);
    const deniedWildcard = await authorizer([acl({ operation: Op.WRITE }), acl({ resourceName: '*', operation: Op.WRITE, permissionType: Perm.DENY })]);
    expect(deniedWildcard.authorizeByResourceType(ALICE, HOST, Op.WRITE, ResourceType.TOPIC)).toBe(false);
  });
});

describe('StandardAuthorizer ACL management', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('refuses invalid bindings with Kafka reasons and stores a repeated one once', async () => {
    const a = await authorizer([]);
    const results = await a.createAcls([
      acl({}),
      acl({}),
      acl({ resourceType: ResourceType.CLUSTER, resourceName: 'other' }),
      acl({ resourceName: '' }),
      acl({ resourceType: ResourceType.ANY }),
      acl({ patternType: PatternType.MATCH }),
      acl({ operation: Op.ANY }),
      acl({ permissionType: Perm.ANY }),
      acl({ principal: 'alice' }),
    ]);
    expect(results.map((r) => r.error)).toEqual([
      undefined,
      undefined,
      'The only valid name for the CLUSTER resource is kafka-cluster',
      'Invalid empty resource name',
      'Invalid resourceType ANY',
      'Invalid patternType MATCH',
      'Invalid operation ANY',
      'Invalid permissionType ANY',
      'Could not parse principal from `alice` (no colon is present separating the principal type from the principal name)',
    ]);
    expect(a.acls(ANY_FILTER)).toEqual([acl({})]);
    expect(a.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'orders')).toBe(true);
  });

  it('selects with MATCH the patterns that apply to a name, with a name and ANY the exact pattern', async () => {
    const a = await authorizer([
      acl({}),
      acl({ resourceName: '*' }),
      acl({ resourceName: 'or', patternType: PatternType.PREFIXED }),
      acl({ resourceName: 'x' }),
    ]);
    const names = (filter: Partial<AclBindingFilter>) =>
      a
        .acls({ ...ANY_FILTER, ...filter })
        .map((b) => b.resourceName)
        .sort();
    expect(names({ resourceName: 'orders', patternType: PatternType.MATCH })).toEqual(['*', 'or', 'orders']);
    expect(names({ resourceName: 'orders' })).toEqual(['orders']);
    expect(names({ patternType: PatternType.PREFIXED })).toEqual(['or']);
    expect(names({ principal: BOB })).toEqual([]);
  });

  it('deletes what each filter selects, refuses unknown filters, and persists through the file store', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gregor-acl-'));
    const path = join(dir, 'acls.json');
    const options = { superUsers: [], allowEveryoneIfNoAclFound: false };
    const a = await StandardAuthorizer.open(options, new FileAclStore(path));
    await a.createAcls([acl({}), acl({ operation: Op.WRITE }), acl({ resourceType: ResourceType.GROUP, resourceName: 'g' })]);
    const results = await a.deleteAcls([
      { ...ANY_FILTER, resourceType: ResourceType.TOPIC, operation: Op.WRITE },
      { ...ANY_FILTER, operation: Op.UNKNOWN },
    ]);
    expect(results).toEqual([{ deleted: [acl({ operation: Op.WRITE })] }, { error: 'Unknown filter.', deleted: [] }]);
    expect(a.authorize(ALICE, HOST, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(false);
    const reopened = await StandardAuthorizer.open(options, new FileAclStore(path));
    expect(reopened.acls(ANY_FILTER)).toEqual(expect.arrayContaining([acl({}), acl({ resourceType: ResourceType.GROUP, resourceName: 'g' })]));
    expect(reopened.acls(ANY_FILTER)).toHaveLength(2);
    expect(reopened.authorize(ALICE, HOST, Op.READ, ResourceType.TOPIC, 'orders')).toBe(true);
  });
});

// ACLs and SCRAM credentials in the cluster metadata store: two brokers sharing one store (two followers of
// one LocalMetadataStore here) see each other's changes through the watch; a broker whose metadata dir holds
// the files of before (acls.json, scram-credentials.json) moves them into the store once, renaming them, and a
// later restart does not bring back what was deleted meanwhile.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { LocalMetadataStore } from '../../src/cluster/store/local-store.js';
import { WatchedPrefix } from '../../src/cluster/store/watched-prefix.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { AclOperation, AclPermissionType, type AclBinding, PatternType, ResourceType } from '../../src/security/authorizer/acl.js';
import { ACLS_PREFIX, FileAclStore, MetadataAclStore } from '../../src/security/authorizer/acl-store.js';
import { StandardAuthorizer } from '../../src/security/authorizer/standard-authorizer.js';
import { FileScramCredentialStore } from '../../src/security/scram/file-credential-store.js';
import { MetadataScramCredentialStore, SCRAM_PREFIX } from '../../src/security/scram/metadata-credential-store.js';
import { credentialOf, randomSalt, saltedPassword, scramMechanismNamed } from '../../src/security/scram/scram-mechanism.js';
import { startBroker, tempDataDir } from '../support/broker.js';
import { pollUntil } from '../support/poll.js';

const SHA256 = scramMechanismNamed('SCRAM-SHA-256')!;
const OPTIONS = { superUsers: [], allowEveryoneIfNoAclFound: false };

const readTopic = (principal: string): AclBinding => ({
  resourceType: ResourceType.TOPIC,
  resourceName: 'orders',
  patternType: PatternType.LITERAL,
  principal,
  host: '*',
  operation: AclOperation.READ,
  permissionType: AclPermissionType.ALLOW,
});

async function credential(password: string) {
  const salt = randomSalt(SHA256);
  return credentialOf(SHA256, salt, await saltedPassword(SHA256, password, salt, 4096), 4096);
}

describe('two brokers sharing a metadata store', () => {
  let dir: string;
  let store: LocalMetadataStore;
  const prefixes: WatchedPrefix[] = [];
  const open = (prefix: string) => async (onChange: Parameters<typeof WatchedPrefix.open>[2]) => {
    const watched = await WatchedPrefix.open(store, prefix, onChange);
    prefixes.push(watched);
    return watched;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gregor-security-store-'));
    store = await LocalMetadataStore.open(join(dir, 'store.json'));
  });

  afterEach(async () => {
    for (const watched of prefixes.splice(0)) await watched.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enforce an ACL created or deleted on either', async () => {
    const a = await StandardAuthorizer.open(OPTIONS, await MetadataAclStore.open(open(ACLS_PREFIX)));
    const b = await StandardAuthorizer.open(OPTIONS, await MetadataAclStore.open(open(ACLS_PREFIX)));
    const canRead = (authorizer: StandardAuthorizer) => authorizer.authorize('User:alice', '10.0.0.1', AclOperation.READ, ResourceType.TOPIC, 'orders');
    expect(canRead(b)).toBe(false);
    await a.createAcls([readTopic('User:alice')]);
    expect(canRead(a)).toBe(true);
    await pollUntil(() => canRead(b), 'the other broker to enforce the new ACL');
    // A binding is also the filter that selects exactly it.
    await b.deleteAcls([readTopic('User:alice')]);
    await pollUntil(() => !canRead(a), 'the first broker to drop the deleted ACL');
  });

  it('log in with a credential changed on either, and refuse a batch deleting what is gone', async () => {
    const a = await MetadataScramCredentialStore.open(open(SCRAM_PREFIX));
    const b = await MetadataScramCredentialStore.open(open(SCRAM_PREFIX));
    const first = await credential('first');
    await a.apply([{ type: 'upsert', user: 'al/ice', mechanism: 'SCRAM-SHA-256', credential: first }]);
    expect(a.credential('al/ice', 'SCRAM-SHA-256')?.storedKey).toEqual(first.storedKey);
    await pollUntil(() => b.credential('al/ice', 'SCRAM-SHA-256')?.storedKey.equals(first.storedKey) === true, 'the other broker to see the credential');
    await b.apply([{ type: 'delete', user: 'al/ice', mechanism: 'SCRAM-SHA-256' }]);
    await pollUntil(() => a.credential('al/ice', 'SCRAM-SHA-256') === undefined, 'the first broker to see the deletion');
    await expect(
      a.apply([
        { type: 'upsert', user: 'bob', mechanism: 'SCRAM-SHA-256', credential: first },
        { type: 'delete', user: 'al/ice', mechanism: 'SCRAM-SHA-256' },
      ]),
    ).rejects.toThrow();
    expect([...a.users().keys()]).toEqual([]);
  });
});

describe('moving the files of before into the store', () => {
  const dataDir = tempDataDir();
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const settings = { 'authorizer.class.name': 'standard', 'allow.everyone.if.no.acl.found': true };

  it('happens once: files renamed, a deleted ACL not brought back by a restart', async () => {
    await new FileAclStore(join(dataDir, 'acls.json')).apply([readTopic('User:alice'), readTopic('User:bob')], []);
    const files = await FileScramCredentialStore.open(join(dataDir, 'scram-credentials.json'));
    await files.apply([{ type: 'upsert', user: 'carol', mechanism: 'SCRAM-SHA-256', credential: await credential('secret') }]);

    let broker = await startBroker(settings, {}, dataDir);
    let client = await RawClient.connect(broker.bootstrap);
    const describeAcls = async (): Promise<string[]> => {
      const response = await client.request(ApiKey.DescribeAcls, 3, {
        resourceTypeFilter: ResourceType.ANY,
        resourceNameFilter: null,
        patternTypeFilter: PatternType.ANY,
        principalFilter: null,
        hostFilter: null,
        operation: AclOperation.ANY,
        permissionType: AclPermissionType.ANY,
      });
      expect(response.errorCode).toBe(ErrorCode.NONE);
      return response.resources.flatMap((r: { acls: { principal: string }[] }) => r.acls.map((acl) => acl.principal)).sort();
    };
    expect(await describeAcls()).toEqual(['User:alice', 'User:bob']);
    const users = await client.request(ApiKey.DescribeUserScramCredentials, 0, { users: null });
    expect(users.results.map((r: { user: string }) => r.user)).toEqual(['carol']);
    expect(existsSync(join(dataDir, 'acls.json'))).toBe(false);
    expect(existsSync(join(dataDir, 'acls.json.migrated'))).toBe(true);
    expect(existsSync(join(dataDir, 'scram-credentials.json'))).toBe(false);
    expect(existsSync(join(dataDir, 'scram-credentials.json.migrated'))).toBe(true);

    const deleted = await client.request(ApiKey.DeleteAcls, 3, {
      filters: [
        {
          resourceTypeFilter: ResourceType.TOPIC,
          resourceNameFilter: 'orders',
          patternTypeFilter: PatternType.LITERAL,
          principalFilter: 'User:bob',
          hostFilter: null,
          operation: AclOperation.ANY,
          permissionType: AclPermissionType.ANY,
        },
      ],
    });
    expect(deleted.filterResults[0].errorCode).toBe(ErrorCode.NONE);
    client.close();
    await broker.broker.close();

    broker = await startBroker(settings, {}, dataDir);
    client = await RawClient.connect(broker.bootstrap);
    expect(await describeAcls()).toEqual(['User:alice']);
    client.close();
    await broker.close();
  }, 60_000);
});

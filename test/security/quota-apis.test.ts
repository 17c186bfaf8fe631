// DescribeClientQuotas (48) and AlterClientQuotas (49) over the wire: set, change and remove values with
// Kafka's per-entity errors and validateOnly, describe with filters, the quotas kept across a restart (the
// metadata store), and the ACLs Kafka checks (DESCRIBE_CONFIGS / ALTER_CONFIGS on the cluster).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { AclOperation, AclPermissionType, CLUSTER_NAME, PatternType, ResourceType } from '../../src/security/authorizer/acl.js';
import { type TestBroker, startBroker, tempDataDir } from '../support/broker.js';
import { plainUsersSettings, rawClientAs } from '../support/plain-users.js';

type Entity = { entityType: string; entityName: string | null }[];
type Op = { key: string; value: number; remove: boolean };

const set = (key: string, value: number): Op => ({ key, value, remove: false });
const remove = (key: string): Op => ({ key, value: 0, remove: true });

async function alter(client: RawClient, entries: { entity: Entity; ops: Op[] }[], validateOnly = false) {
  const response = await client.request(ApiKey.AlterClientQuotas, 1, { entries, validateOnly });
  return response.entries as { errorCode: number; errorMessage: string | null; entity: Entity }[];
}

async function describeQuotas(client: RawClient, components: { entityType: string; matchType: number; match: string | null }[] = [], strict = false) {
  return client.request(ApiKey.DescribeClientQuotas, 1, { components, strict }) as Promise<{
    errorCode: number;
    errorMessage: string | null;
    entries: { entity: Entity; values: { key: string; value: number }[] }[] | null;
  }>;
}

describe('client quota APIs', () => {
  const dataDir = tempDataDir();
  let broker: TestBroker;
  let client: RawClient;

  beforeAll(async () => {
    broker = await startBroker({}, {}, dataDir);
    client = await RawClient.connect(broker.bootstrap);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await broker?.close();
  });

  it('sets values and answers validation errors per entity, as Kafka', async () => {
    const results = await alter(client, [
      { entity: [{ entityType: 'user', entityName: 'alice' }], ops: [set('producer_byte_rate', 1024), set('request_percentage', 12.5)] },
      { entity: [{ entityType: 'client-id', entityName: null }], ops: [set('consumer_byte_rate', 2048)] },
      { entity: [{ entityType: 'ip', entityName: '127.0.0.1' }], ops: [set('connection_creation_rate', 100)] },
      { entity: [{ entityType: 'user', entityName: 'bob' }], ops: [set('producer_byte_rate', 1.5)] },
      { entity: [{ entityType: 'user', entityName: 'carol' }], ops: [set('no_such_quota', 1)] },
      { entity: [{ entityType: 'group', entityName: 'g' }], ops: [set('producer_byte_rate', 1)] },
      { entity: [], ops: [set('producer_byte_rate', 1)] },
      { entity: [{ entityType: 'user', entityName: 'dave' }], ops: [set('producer_byte_rate', 1), set('producer_byte_rate', 2)] },
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.NONE,
      ErrorCode.NONE,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
    ]);
    expect(results[3]!.errorMessage).toBe('Configuration producer_byte_rate must be a Long value');
    expect(results[4]!.errorMessage).toBe('Invalid configuration key no_such_quota');
    expect(results[1]!.entity).toEqual([{ entityType: 'client-id', entityName: null }]);

    const all = await describeQuotas(client);
    expect(all.errorCode).toBe(ErrorCode.NONE);
    expect(all.entries).toHaveLength(3);
    const alice = await describeQuotas(client, [{ entityType: 'user', matchType: 0, match: 'alice' }], true);
    expect(alice.entries).toEqual([
      {
        entity: [{ entityType: 'user', entityName: 'alice' }],
        values: [
          { key: 'producer_byte_rate', value: 1024 },
          { key: 'request_percentage', value: 12.5 },
        ],
      },
    ]);
  });

  it('changes nothing with validateOnly, and removes values (the entity with its last)', async () => {
    const entity = [{ entityType: 'user', entityName: 'alice' }];
    expect((await alter(client, [{ entity, ops: [set('producer_byte_rate', 1)] }], true))[0]!.errorCode).toBe(ErrorCode.NONE);
    const unchanged = await describeQuotas(client, [{ entityType: 'user', matchType: 0, match: 'alice' }]);
    expect(unchanged.entries![0]!.values).toContainEqual({ key: 'producer_byte_rate', value: 1024 });
    await alter(client, [{ entity, ops: [remove('producer_byte_rate')] }]);
    expect((await describeQuotas(client, [{ entityType: 'user', matchType: 0, match: 'alice' }])).entries![0]!.values).toEqual([
      { key: 'request_percentage', value: 12.5 },
    ]);
    await alter(client, [{ entity, ops: [remove('request_percentage')] }]);
    expect((await describeQuotas(client, [{ entityType: 'user', matchType: 0, match: 'alice' }])).entries).toEqual([]);
  });

  it('answers a bad filter with its error and message, and null entries', async () => {
    const response = await describeQuotas(client, [{ entityType: 'user', matchType: 0, match: null }]);
    expect(response).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, entries: null });
    expect(response.errorMessage).toContain('MATCH_TYPE_EXACT');
    expect((await describeQuotas(client, [{ entityType: 'topic', matchType: 1, match: null }])).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('keeps the quotas across a restart', async () => {
    client.close();
    await broker.broker.close();
    broker = await startBroker({}, {}, dataDir);
    client = await RawClient.connect(broker.bootstrap);
    const all = await describeQuotas(client);
    expect(all.entries?.map((e) => e.entity[0]!.entityType).sort()).toEqual(['client-id', 'ip']);
  }, 60_000);
});

describe('client quota API authorization', () => {
  let broker: TestBroker;
  let admin: RawClient;
  let alice: RawClient;

  const rawAs = (user: string): Promise<RawClient> => rawClientAs(broker.bootstrap, user);

  beforeAll(async () => {
    broker = await startBroker(plainUsersSettings());
    admin = await rawAs('admin');
    alice = await rawAs('alice');
  }, 60_000);

  afterAll(async () => {
    admin?.close();
    alice?.close();
    await broker?.close();
  });

  it('needs DESCRIBE_CONFIGS and ALTER_CONFIGS on the cluster', async () => {
    const entity = [{ entityType: 'user', entityName: 'alice' }];
    expect((await describeQuotas(alice)).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect((await alter(alice, [{ entity, ops: [set('producer_byte_rate', 1)] }])).map((r) => r.errorCode)).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
    const granted = await admin.request(ApiKey.CreateAcls, 3, {
      creations: [AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS].map((operation) => ({
        resourceType: ResourceType.CLUSTER,
        resourceName: CLUSTER_NAME,
        resourcePatternType: PatternType.LITERAL,
        principal: 'User:alice',
        host: '*',
        operation,
        permissionType: AclPermissionType.ALLOW,
      })),
    });
    expect(granted.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([0, 0]);
    expect((await alter(alice, [{ entity, ops: [set('producer_byte_rate', 1)] }])).map((r) => r.errorCode)).toEqual([ErrorCode.NONE]);
    expect((await describeQuotas(alice)).entries).toHaveLength(1);
  });
});

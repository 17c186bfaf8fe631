// DescribeAcls (29), CreateAcls (30) and DeleteAcls (31) over SASL_PLAINTEXT with PLAIN users, through kafkajs's
// admin: the round trip, ALTER/DESCRIBE on the cluster required, Kafka's validation errors, ACLs effective at
// once and kept across a restart; SECURITY_DISABLED from a broker without an authorizer.
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, type Admin, ResourcePatternTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { kafkaAs, plainUsersSettings } from '../support/plain-users.js';

const SETTINGS = { ...plainUsersSettings(['admin', 'alice', 'bob']), 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' };

let broker: TestBroker;

beforeAll(async () => {
  broker = await startBroker(SETTINGS);
}, 60_000);

afterAll(async () => {
  await broker?.close();
});

async function adminAs(user: string, bootstrap = broker.bootstrap): Promise<Admin> {
  const admin = kafkaAs(bootstrap, user, 'acl-test').admin();
  await admin.connect();
  return admin;
}

const ALICE_WRITES_ORDERS = {
  resourceType: AclResourceTypes.TOPIC,
  resourceName: 'orders',
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: AclOperationTypes.WRITE,
  permissionType: AclPermissionTypes.ALLOW,
};

const EVERY_TOPIC_ACL = {
  resourceType: AclResourceTypes.TOPIC,
  resourcePatternType: ResourcePatternTypes.ANY,
  operation: AclOperationTypes.ANY,
  permissionType: AclPermissionTypes.ANY,
};

describe('ACL APIs', () => {
  it('creates, describes and deletes ACLs through kafkajs', async () => {
    const admin = await adminAs('admin');
    try {
      await admin.createAcls({
        acl: [
          ALICE_WRITES_ORDERS,
          { ...ALICE_WRITES_ORDERS, resourceName: 'app-', resourcePatternType: ResourcePatternTypes.PREFIXED, operation: AclOperationTypes.READ },
        ],
      });
      const described = await admin.describeAcls(EVERY_TOPIC_ACL);
      expect(described.resources).toEqual(
        expect.arrayContaining([
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: 'orders',
            resourcePatternType: ResourcePatternTypes.LITERAL,
            acls: [{ principal: 'User:alice', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW }],
          },
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: 'app-',
            resourcePatternType: ResourcePatternTypes.PREFIXED,
            acls: [{ principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW }],
          },
        ]),
      );
      expect(described.resources).toHaveLength(2);
      const matching = await admin.describeAcls({ ...EVERY_TOPIC_ACL, resourceName: 'app-events', resourcePatternType: ResourcePatternTypes.MATCH });
      expect(matching.resources.map((r) => r.resourceName)).toEqual(['app-']);

      const deleted = await admin.deleteAcls({ filters: [{ ...EVERY_TOPIC_ACL, operation: AclOperationTypes.READ }] });
      expect(deleted.filterResponses).toHaveLength(1);
      expect(deleted.filterResponses[0]!.errorCode).toBe(ErrorCode.NONE);
      expect(deleted.filterResponses[0]!.matchingAcls).toEqual([
        expect.objectContaining({
          errorCode: ErrorCode.NONE,
          resourceName: 'app-',
          resourcePatternType: ResourcePatternTypes.PREFIXED,
          principal: 'User:alice',
          operation: AclOperationTypes.READ,
        }),
      ]);
      expect((await admin.describeAcls(EVERY_TOPIC_ACL)).resources.map((r) => r.resourceName)).toEqual(['orders']);
    } finally {
      await admin.disconnect();
    }
  });

  it('needs ALTER on the cluster to create or delete ACLs and DESCRIBE to list them', async () => {
    const bob = await adminAs('bob');
    try {
      await expect(bob.createAcls({ acl: [ALICE_WRITES_ORDERS] })).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
      await expect(bob.describeAcls(EVERY_TOPIC_ACL)).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
      await expect(bob.deleteAcls({ filters: [EVERY_TOPIC_ACL] })).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
      const admin = await adminAs('admin');
      await admin.createAcls({
        acl: [
          {
            ...ALICE_WRITES_ORDERS,
            principal: 'User:bob',
            resourceType: AclResourceTypes.CLUSTER,
            resourceName: 'kafka-cluster',
            operation: AclOperationTypes.DESCRIBE,
          },
        ],
      });
      await admin.disconnect();
      // Effective at once: the next request of a connection opened before sees it.
      expect((await bob.describeAcls(EVERY_TOPIC_ACL)).resources.map((r) => r.resourceName)).toEqual(['orders']);
      await expect(bob.createAcls({ acl: [ALICE_WRITES_ORDERS] })).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
    } finally {
      await bob.disconnect();
    }
  });

  it('refuses invalid creations and unknown filters with INVALID_REQUEST, as Kafka does', async () => {
    const client = await RawClient.connect(broker.bootstrap);
    try {
      await client.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
      await client.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000admin\u0000admin-secret') });
      const acl = { resourceType: 2, resourceName: 'orders', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 4, permissionType: 3 };
      const created = await client.request(ApiKey.CreateAcls, 3, {
        creations: [
          { ...acl, resourceType: 4, resourceName: 'not-the-cluster' },
          { ...acl, resourceName: '' },
          { ...acl, resourcePatternType: 2 },
          { ...acl, operation: 1 },
          { ...acl, permissionType: 1 },
          { ...acl, principal: 'alice' },
          { ...acl, resourceType: 1 },
        ],
      });
      expect(created.results.map((r: { errorCode: number }) => r.errorCode)).toEqual(Array(7).fill(ErrorCode.INVALID_REQUEST));
      expect(created.results[0].errorMessage).toBe('The only valid name for the CLUSTER resource is kafka-cluster');
      const filter = {
        resourceTypeFilter: 2,
        resourceNameFilter: null,
        patternTypeFilter: 1,
        principalFilter: null,
        hostFilter: null,
        operation: 1,
        permissionType: 1,
      };
      const deleted = await client.request(ApiKey.DeleteAcls, 3, {
        filters: [
          { ...filter, operation: 0 },
          { ...filter, principalFilter: 'User:nobody' },
        ],
      });
      expect(deleted.filterResults.map((r: { errorCode: number }) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.NONE]);
      const described = await client.request(ApiKey.DescribeAcls, 3, { ...filter, patternTypeFilter: 9 });
      expect(described.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    } finally {
      client.close();
    }
  });

  it('keeps the ACLs across a restart', async () => {
    await broker.broker.close();
    const restarted = await startBroker(SETTINGS, {}, broker.dataDir);
    try {
      const admin = await adminAs('admin', restarted.bootstrap);
      const described = await admin.describeAcls(EVERY_TOPIC_ACL);
      await admin.disconnect();
      expect(described.resources.map((r) => r.resourceName)).toEqual(['orders']);
    } finally {
      await restarted.broker.close();
    }
  });
});

describe('ACL APIs without an authorizer', () => {
  it('answer SECURITY_DISABLED, as Kafka does', async () => {
    const plain = await startBroker();
    const client = await RawClient.connect(plain.bootstrap);
    try {
      const acl = { resourceType: 2, resourceName: 'orders', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 4, permissionType: 3 };
      const created = await client.request(ApiKey.CreateAcls, 3, { creations: [acl] });
      expect(created.results).toEqual([{ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.' }]);
      const filter = {
        resourceTypeFilter: 1,
        resourceNameFilter: null,
        patternTypeFilter: 1,
        principalFilter: null,
        hostFilter: null,
        operation: 1,
        permissionType: 1,
      };
      const deleted = await client.request(ApiKey.DeleteAcls, 3, { filters: [filter] });
      expect(deleted.filterResults).toEqual([{ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.', matchingAcls: [] }]);
      expect((await client.request(ApiKey.DescribeAcls, 3, filter)).errorCode).toBe(ErrorCode.SECURITY_DISABLED);
    } finally {
      client.close();
      await plain.close();
    }
  });
});

// The admin and group APIs check what Kafka checks, over SASL_PLAINTEXT with PLAIN users and raw requests:
// configs (DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic or the cluster, per resource), DeleteRecords (DELETE
// on the topic), ListGroups / DescribeGroups / DeleteGroups (DESCRIBE / DELETE on the group), OffsetFetch per
// topic, the SCRAM credential APIs (DESCRIBE / ALTER on the cluster), and KIP-430's authorized operations in
// Metadata, DescribeCluster and DescribeGroups.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer/acl.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { plainUsersSettings, rawClientAs } from '../support/plain-users.js';

// Codes of Kafka's ConfigResource.Type.
const CONFIG_TOPIC = 2;
const CONFIG_BROKER = 4;

let broker: TestBroker;
let admin: RawClient;
let alice: RawClient;

const rawAs = (user: string): Promise<RawClient> => rawClientAs(broker.bootstrap, user);

function allowAlice(resourceType: number, resourceName: string, operation: number) {
  return {
    resourceType,
    resourceName,
    resourcePatternType: PatternType.LITERAL,
    principal: 'User:alice',
    host: '*',
    operation,
    permissionType: AclPermissionType.ALLOW,
  };
}

async function commit(groupId: string, topic: string): Promise<void> {
  const response = await admin.request(ApiKey.OffsetCommit, 7, {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  expect(response.topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
}

beforeAll(async () => {
  broker = await startBroker(plainUsersSettings());
  admin = await rawAs('admin');
  alice = await rawAs('alice');
  const created = await admin.request(ApiKey.CreateTopics, 5, {
    topics: ['open', 'closed'].map((name) => ({ name, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] })),
    timeoutMs: 10_000,
    validateOnly: false,
  });
  expect(created.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([0, 0]);
  const acls = await admin.request(ApiKey.CreateAcls, 3, {
    creations: [
      allowAlice(ResourceType.TOPIC, 'open', AclOperation.DESCRIBE_CONFIGS),
      allowAlice(ResourceType.TOPIC, 'open', AclOperation.DELETE),
      allowAlice(ResourceType.GROUP, 'visible', AclOperation.DESCRIBE),
      allowAlice(ResourceType.GROUP, 'deletable', AclOperation.DELETE),
      allowAlice(ResourceType.TOPIC, 'open', AclOperation.READ),
    ],
  });
  expect(acls.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([0, 0, 0, 0, 0]);
  for (const group of ['visible', 'hidden', 'deletable']) await commit(group, 'open');
  await commit('visible', 'closed');
}, 60_000);

afterAll(async () => {
  admin?.close();
  alice?.close();
  await broker?.close();
});

describe('ACL checks in the admin and group APIs', () => {
  it('DescribeConfigs and IncrementalAlterConfigs answer each resource for itself', async () => {
    const described = await alice.request(ApiKey.DescribeConfigs, 4, {
      resources: [
        { resourceType: CONFIG_TOPIC, resourceName: 'open', configurationKeys: ['retention.ms'] },
        { resourceType: CONFIG_TOPIC, resourceName: 'closed', configurationKeys: null },
        { resourceType: CONFIG_BROKER, resourceName: String(broker.broker.metadata.nodeId), configurationKeys: null },
      ],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(described.results.map((r: { errorCode: number; errorMessage: string | null }) => [r.errorCode, r.errorMessage])).toEqual([
      [ErrorCode.NONE, null],
      [ErrorCode.TOPIC_AUTHORIZATION_FAILED, null],
      [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null],
    ]);
    expect(described.results[0].configs.map((c: { name: string }) => c.name)).toEqual(['retention.ms']);

    // DESCRIBE_CONFIGS does not imply ALTER_CONFIGS.
    const altered = await alice.request(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: CONFIG_TOPIC, resourceName: 'open', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }],
      validateOnly: false,
    });
    expect(altered.responses[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const byAdmin = await admin.request(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: CONFIG_TOPIC, resourceName: 'open', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }],
      validateOnly: true,
    });
    expect(byAdmin.responses[0].errorCode).toBe(ErrorCode.NONE);
  });

  it('DeleteRecords needs DELETE on the topic, checked before the topic is looked up', async () => {
    const deleted = await alice.request(ApiKey.DeleteRecords, 2, {
      topics: ['open', 'closed', 'missing'].map((name) => ({ name, partitions: [{ partitionIndex: 0, offset: 0n }] })),
      timeoutMs: 5000,
    });
    expect(deleted.topics.map((t: { partitions: { errorCode: number }[] }) => t.partitions[0]!.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    ]);
  });

  it('ListGroups shows only described groups, DescribeGroups and DeleteGroups refuse the others', async () => {
    const listed = await alice.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] });
    expect(listed.groups.map((g: { groupId: string }) => g.groupId)).toEqual(['visible', 'deletable']);
    const all = await admin.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] });
    expect(all.groups.map((g: { groupId: string }) => g.groupId).sort()).toEqual(['deletable', 'hidden', 'visible']);

    const described = await alice.request(ApiKey.DescribeGroups, 5, { groups: ['visible', 'hidden'], includeAuthorizedOperations: false });
    expect(described.groups.map((g: { errorCode: number; groupState: string }) => [g.errorCode, g.groupState])).toEqual([
      [ErrorCode.NONE, 'Empty'],
      [ErrorCode.GROUP_AUTHORIZATION_FAILED, ''],
    ]);

    const deleted = await alice.request(ApiKey.DeleteGroups, 2, { groupsNames: ['hidden', 'deletable'] });
    expect(deleted.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.NONE]);
    const after = await admin.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] });
    expect(after.groups.map((g: { groupId: string }) => g.groupId).sort()).toEqual(['hidden', 'visible']);
  });

  it('OffsetFetch answers a named topic without DESCRIBE with TOPIC_AUTHORIZATION_FAILED and leaves it out of all offsets', async () => {
    const named = await alice.request(ApiKey.OffsetFetch, 7, {
      groupId: 'visible',
      topics: [
        { name: 'open', partitionIndexes: [0] },
        { name: 'closed', partitionIndexes: [0] },
      ],
      requireStable: false,
    });
    expect(
      named.topics.map((t: { name: string; partitions: { errorCode: number; committedOffset: bigint }[] }) => [
        t.name,
        t.partitions[0]!.errorCode,
        t.partitions[0]!.committedOffset,
      ]),
    ).toEqual([
      ['open', ErrorCode.NONE, 1n],
      ['closed', ErrorCode.TOPIC_AUTHORIZATION_FAILED, -1n],
    ]);
    const all = await alice.request(ApiKey.OffsetFetch, 7, { groupId: 'visible', topics: null, requireStable: false });
    expect(all.topics.map((t: { name: string }) => t.name)).toEqual(['open']);
    const byAdmin = await admin.request(ApiKey.OffsetFetch, 7, { groupId: 'visible', topics: null, requireStable: false });
    expect(byAdmin.topics.map((t: { name: string }) => t.name).sort()).toEqual(['closed', 'open']);
  });

  it('the SCRAM credential APIs need DESCRIBE and ALTER on the cluster', async () => {
    const described = await alice.request(ApiKey.DescribeUserScramCredentials, 0, { users: null });
    expect(described.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const altered = await alice.request(ApiKey.AlterUserScramCredentials, 0, { deletions: [{ name: 'alice', mechanism: 1 }], upsertions: [] });
    expect(altered.results).toEqual([{ user: 'alice', errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null }]);
    expect((await admin.request(ApiKey.DescribeUserScramCredentials, 0, { users: null })).errorCode).toBe(ErrorCode.NONE);
  });

  it('reports the authorized operations of topics, groups and the cluster as bit fields of AclOperation codes', async () => {
    const bits = (...operations: number[]) => operations.reduce((field, operation) => field | (1 << operation), 0);
    // READ and DELETE each imply DESCRIBE; DESCRIBE_CONFIGS is granted itself.
    const aliceOnOpen = bits(AclOperation.READ, AclOperation.DELETE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
    const topicAll = bits(
      AclOperation.READ,
      AclOperation.WRITE,
      AclOperation.CREATE,
      AclOperation.DESCRIBE,
      AclOperation.DELETE,
      AclOperation.ALTER,
      AclOperation.DESCRIBE_CONFIGS,
      AclOperation.ALTER_CONFIGS,
    );
    const clusterAll = bits(
      AclOperation.CREATE,
      AclOperation.CLUSTER_ACTION,
      AclOperation.DESCRIBE_CONFIGS,
      AclOperation.ALTER_CONFIGS,
      AclOperation.IDEMPOTENT_WRITE,
      AclOperation.ALTER,
      AclOperation.DESCRIBE,
    );
    const metadata = (client: RawClient) =>
      client.request(ApiKey.Metadata, 10, {
        topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'open' }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: true,
        includeTopicAuthorizedOperations: true,
      });
    const byAlice = await metadata(alice);
    expect([byAlice.clusterAuthorizedOperations, byAlice.topics[0].topicAuthorizedOperations]).toEqual([0, aliceOnOpen]);
    const byAdmin = await metadata(admin);
    expect([byAdmin.clusterAuthorizedOperations, byAdmin.topics[0].topicAuthorizedOperations]).toEqual([clusterAll, topicAll]);
    const notAsked = await alice.request(ApiKey.Metadata, 10, {
      topics: null,
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    expect(notAsked.clusterAuthorizedOperations).toBe(-2147483648);

    const cluster = async (client: RawClient) =>
      (await client.request(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 })).clusterAuthorizedOperations;
    expect([await cluster(alice), await cluster(admin)]).toEqual([0, clusterAll]);

    const group = await alice.request(ApiKey.DescribeGroups, 5, { groups: ['visible'], includeAuthorizedOperations: true });
    expect(group.groups[0].authorizedOperations).toBe(bits(AclOperation.DESCRIBE));
  });
});

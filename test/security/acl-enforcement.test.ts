// ACLs enforced where Kafka checks them, over SASL_PLAINTEXT with PLAIN users: Produce needs WRITE on the topic,
// groups READ on the group, Metadata hides topics without DESCRIBE and refuses named ones; kafkajs for the
// client view, raw requests where one response field is asserted.
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawClient } from '../../bench/lib/raw-client.js';
import { fetchRequest } from '../../bench/lib/fetch-request.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/authorizer/acl.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { kafkaAs, plainUsersSettings, rawClientAs } from '../support/plain-users.js';
import { pollUntil } from '../support/poll.js';

let broker: TestBroker;

const kafka = (user: string): Kafka => kafkaAs(broker.bootstrap, user, 'acl-enforcement');

const rawAs = (user: string): Promise<RawClient> => rawClientAs(broker.bootstrap, user);

function allow(principal: string, resourceType: number, resourceName: string, operation: number) {
  return { resourceType, resourceName, resourcePatternType: PatternType.LITERAL, principal, host: '*', operation, permissionType: AclPermissionType.ALLOW };
}

beforeAll(async () => {
  broker = await startBroker({ ...plainUsersSettings(['admin', 'alice', 'bob']), 'group.initial.rebalance.delay.ms': 0 });
  const admin = kafka('admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'granted' }, { topic: 'secret' }] });
  await admin.disconnect();
  const raw = await rawAs('admin');
  const created = await raw.request(ApiKey.CreateAcls, 3, {
    creations: [
      allow('User:alice', ResourceType.TOPIC, 'granted', AclOperation.WRITE),
      allow('User:bob', ResourceType.TOPIC, 'granted', AclOperation.READ),
      allow('User:bob', ResourceType.GROUP, 'bobs-group', AclOperation.READ),
    ],
  });
  raw.close();
  expect(created.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([0, 0, 0]);
}, 60_000);

afterAll(async () => {
  await broker?.close();
});

describe('ACL enforcement', () => {
  it('lets a user with WRITE produce and refuses one without it with TOPIC_AUTHORIZATION_FAILED', async () => {
    const alice = kafka('alice').producer();
    await alice.connect();
    const [sent] = await alice.send({ topic: 'granted', acks: -1, messages: [{ value: 'by alice' }] });
    await alice.disconnect();
    expect(sent!.errorCode).toBe(ErrorCode.NONE);

    const bob = kafka('bob').producer();
    await bob.connect();
    try {
      await expect(bob.send({ topic: 'granted', acks: -1, messages: [{ value: 'by bob' }] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    } finally {
      await bob.disconnect();
    }
  });

  it('refuses group requests without READ on the group even with READ on the topic', async () => {
    const bob = await rawAs('bob');
    try {
      const coordinator = await bob.request(ApiKey.FindCoordinator, 3, { key: 'other-group', keyType: 0 });
      expect(coordinator.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
      const join = await bob.request(ApiKey.JoinGroup, 5, {
        groupId: 'other-group',
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      });
      expect(join.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
      const commit = (groupId: string, topic: string) =>
        bob.request(ApiKey.OffsetCommit, 7, {
          groupId,
          generationIdOrMemberEpoch: -1,
          memberId: '',
          groupInstanceId: null,
          topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] }],
        });
      expect((await commit('other-group', 'granted')).topics[0].partitions[0].errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
      expect((await commit('bobs-group', 'secret')).topics[0].partitions[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      expect((await commit('bobs-group', 'granted')).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    } finally {
      bob.close();
    }
  });

  it('consumes with READ on the topic and the group through kafkajs', async () => {
    const consumer = kafka('bob').consumer({ groupId: 'bobs-group' });
    await consumer.connect();
    const seen: string[] = [];
    try {
      await consumer.subscribe({ topic: 'granted', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await pollUntil(() => seen.length > 0, 'bob to consume the record', { timeoutMs: 20_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(seen).toEqual(['by alice']);
  });

  it('hides topics without DESCRIBE from Metadata and refuses them by name', async () => {
    const alice = await rawAs('alice');
    try {
      const all = await alice.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      expect(all.topics.map((t: { name: string }) => t.name)).toEqual(['granted']);
      const named = await alice.request(ApiKey.Metadata, 12, {
        topics: [
          { topicId: '00000000-0000-0000-0000-000000000000', name: 'secret' },
          { topicId: '00000000-0000-0000-0000-000000000000', name: 'nonexistent' },
        ],
        allowAutoTopicCreation: true,
        includeTopicAuthorizedOperations: false,
      });
      expect(named.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
    } finally {
      alice.close();
    }
    const admin = await rawAs('admin');
    try {
      const all = await admin.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      expect(all.topics.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['granted', 'secret']));
    } finally {
      admin.close();
    }
  });

  it("answers a follower's Fetch (replica id >= 0) only with CLUSTER_ACTION: TOPIC_AUTHORIZATION_FAILED per partition otherwise, as Kafka", async () => {
    const followerFetch = (client: RawClient) => client.request(ApiKey.Fetch, 12, fetchRequest({ topic: 'granted' }, { replicaId: 2, minBytes: 0 }));
    const bob = await rawAs('bob');
    const admin = await rawAs('admin');
    try {
      const refused = await followerFetch(bob);
      expect(refused.errorCode).toBe(ErrorCode.NONE);
      expect(refused.responses[0].partitions[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      // Authorized, the fetch reaches the replica check: broker 2 holds no replica of this single broker's
      // partition, which Kafka's followerReplicaOrThrow answers NOT_LEADER_OR_FOLLOWER.
      expect((await followerFetch(admin)).responses[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    } finally {
      bob.close();
      admin.close();
    }
  });

  it('answers OffsetForLeaderEpoch with CLUSTER_ACTION for every topic, else only for topics the principal may DESCRIBE', async () => {
    const epochs = (client: RawClient) =>
      client.request(ApiKey.OffsetForLeaderEpoch, 4, {
        replicaId: 2,
        topics: ['granted', 'secret'].map((topic) => ({ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] })),
      });
    const bob = await rawAs('bob');
    const admin = await rawAs('admin');
    try {
      const codes = (response: { topics: { partitions: { errorCode: number }[] }[] }) => response.topics.map((t) => t.partitions[0]!.errorCode);
      expect(codes(await epochs(bob))).toEqual([ErrorCode.NONE, ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
      expect(codes(await epochs(admin))).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    } finally {
      bob.close();
      admin.close();
    }
  });
});

// AlterPartitionReassignments (45) and ListPartitionReassignments (46) on a single broker, over the wire:
// ALTER / DESCRIBE on the cluster are required, as Kafka checks them; a single node has nowhere to move a
// partition, so a valid target names its own replica and changes nothing, and there is never a
// reassignment to cancel or list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { plainUsersSettings, rawClientAs } from '../support/plain-users.js';

let broker: TestBroker;
let admin: RawClient;
let alice: RawClient;

const rawAs = (user: string): Promise<RawClient> => rawClientAs(broker.bootstrap, user);

function reassign(client: RawClient, replicas: (number[] | null)[]) {
  return client.request(ApiKey.AlterPartitionReassignments, 1, {
    allowReplicationFactorChange: true,
    timeoutMs: 10_000,
    topics: [{ name: 'single', partitions: replicas.map((r, partitionIndex) => ({ partitionIndex, replicas: r })) }],
  });
}

beforeAll(async () => {
  broker = await startBroker(plainUsersSettings());
  await broker.broker.metadata.createTopic('single', { numPartitions: 3 });
  admin = await rawAs('admin');
  alice = await rawAs('alice');
}, 60_000);

afterAll(async () => {
  admin?.close();
  alice?.close();
  await broker?.close();
});

describe('partition reassignment APIs on a single broker', () => {
  it('validates the target against the one broker and leaves the partition where it is', async () => {
    const self = broker.broker.metadata.nodeId;
    const altered = await reassign(admin, [[self], [self + 1], null]);
    expect(altered.errorCode).toBe(ErrorCode.NONE);
    expect(altered.responses[0].partitions.map((p: { errorCode: number }) => p.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
    ]);
    expect(broker.broker.metadata.topic('single')!.partitions.map((p) => p.replicas)).toEqual([[self], [self], [self]]);
    const listed = await admin.request(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 10_000, topics: null });
    expect(listed).toMatchObject({ errorCode: ErrorCode.NONE, topics: [] });
  });

  it('requires ALTER on the cluster to reassign and DESCRIBE on it to list', async () => {
    const altered = await reassign(alice, [[broker.broker.metadata.nodeId]]);
    expect(altered).toMatchObject({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, responses: [] });
    const listed = await alice.request(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 10_000, topics: [{ name: 'single', partitionIndexes: [0] }] });
    expect(listed).toMatchObject({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, topics: [] });
  });
});

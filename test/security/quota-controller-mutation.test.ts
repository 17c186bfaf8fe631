// controller_mutation_rate (KIP-599) over the wire: CreateTopics, CreatePartitions and DeleteTopics count the
// partitions they create, add or delete against a token bucket of rate × controller.quota.window.num windows.
// Strict versions (CreateTopics v6+, CreatePartitions v3+, DeleteTopics v5+) accept mutations until the
// bucket is empty, the one that empties it included, then refuse each topic with THROTTLING_QUOTA_EXCEEDED
// and a throttle_time_ms; older versions accept everything and only throttle. Each scenario has its own
// client id, so its own bucket under the <default> client-id quota.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type TestBroker, startBroker } from '../support/broker.js';
import { pollUntil } from '../support/poll.js';

/** Partitions per second; with two 1 s windows, a bucket of 4 partitions. */
const RATE = 2;

let broker: TestBroker;
const clients: RawClient[] = [];

async function client(clientId: string): Promise<RawClient> {
  const connected = await RawClient.connect(broker.bootstrap, clientId);
  clients.push(connected);
  return connected;
}

function createTopics(on: RawClient, version: number, topics: Record<string, number>) {
  return on.request(ApiKey.CreateTopics, version, {
    topics: Object.entries(topics).map(([name, numPartitions]) => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] })),
    timeoutMs: 5000,
    validateOnly: false,
  }) as Promise<{ throttleTimeMs: number; topics: { name: string; errorCode: number }[] }>;
}

function codes(results: readonly { errorCode: number }[]): number[] {
  return results.map((r) => r.errorCode);
}

beforeAll(async () => {
  broker = await startBroker({ 'controller.quota.window.num': 2, 'num.partitions': 1 });
  const admin = await client('admin');
  const altered = await admin.request(ApiKey.AlterClientQuotas, 1, {
    entries: [{ entity: [{ entityType: 'client-id', entityName: null }], ops: [{ key: 'controller_mutation_rate', value: RATE, remove: false }] }],
    validateOnly: false,
  });
  expect(altered.entries[0].errorCode).toBe(ErrorCode.NONE);
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await broker?.close();
});

describe('controller_mutation_rate', () => {
  it('is described as a client quota', async () => {
    const admin = clients[0]!;
    const described = await admin.request(ApiKey.DescribeClientQuotas, 1, {
      components: [{ entityType: 'client-id', matchType: 1, match: null }],
      strict: false,
    });
    expect(described.entries[0].values).toEqual([{ key: 'controller_mutation_rate', value: RATE }]);
  });

  it('refuses CreateTopics v7 topics with THROTTLING_QUOTA_EXCEEDED once the bucket is empty, and accepts them again once it refilled', async () => {
    const creator = await client('strict-creator');
    const first = await createTopics(creator, 7, { 'strict-a': 3, 'strict-b': 3, 'strict-c': 1 });
    // 4 tokens: a takes 3, b the last one and 2 more (accepted: the bucket was not empty), c finds it at -2.
    expect(codes(first.topics)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.THROTTLING_QUOTA_EXCEEDED]);
    expect(first.throttleTimeMs).toBeGreaterThan(0);
    expect(first.throttleTimeMs).toBeLessThanOrEqual(1000);
    expect(broker.broker.metadata.topic('strict-c')).toBeUndefined();
    await pollUntil(async () => codes((await createTopics(creator, 7, { 'strict-c': 1 })).topics)[0] === ErrorCode.NONE, 'the bucket to refill');
  });

  it('accepts every CreateTopics v5 topic and throttles the response instead', async () => {
    const creator = await client('permissive-creator');
    const response = await createTopics(creator, 5, { 'permissive-a': 3, 'permissive-b': 3, 'permissive-c': 1 });
    expect(codes(response.topics)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE]);
    // The bucket ends at -3: 1.5 s at 2 partitions a second, less the time the last topic took to create.
    expect(response.throttleTimeMs).toBeGreaterThan(0);
    expect(response.throttleTimeMs).toBeLessThanOrEqual(1500);
  });

  it('counts the partitions CreatePartitions v3 adds and DeleteTopics v5 deletes', async () => {
    const grower = await client('strict-grower');
    const grow = (await grower.request(ApiKey.CreatePartitions, 3, {
      topics: ['permissive-a', 'permissive-b', 'permissive-c'].map((name) => ({ name, count: 6, assignments: null })),
      timeoutMs: 5000,
      validateOnly: false,
    })) as { throttleTimeMs: number; results: { errorCode: number }[] };
    expect(codes(grow.results)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.THROTTLING_QUOTA_EXCEEDED]);
    expect(grow.throttleTimeMs).toBeGreaterThan(0);
    expect(broker.broker.metadata.topic('permissive-c')!.partitions).toHaveLength(1);

    const deleter = await client('strict-deleter');
    const deleted = (await deleter.request(ApiKey.DeleteTopics, 5, { topicNames: ['permissive-a', 'strict-c', 'strict-a'], timeoutMs: 5000 })) as {
      throttleTimeMs: number;
      responses: { errorCode: number }[];
    };
    // permissive-a has 6 partitions now: it empties the bucket (accepted), the next two are refused.
    expect(codes(deleted.responses)).toEqual([ErrorCode.NONE, ErrorCode.THROTTLING_QUOTA_EXCEEDED, ErrorCode.THROTTLING_QUOTA_EXCEEDED]);
    expect(deleted.throttleTimeMs).toBeGreaterThan(0);
    expect(broker.broker.metadata.topic('strict-a')).toBeDefined();
  });
});

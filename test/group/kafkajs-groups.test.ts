// kafkajs consumer groups against a broker on an ephemeral port: queue semantics within a group,
// publish-subscribe across groups, rebalances when a member leaves or dies, committed offsets and their
// metadata, OffsetFetch for unknown groups, and fetches that start in the middle of a batch.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssignerProtocol, type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../support/poll.js';
import { startBroker, type TestBroker } from '../support/broker.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PARTITIONS = 6;

let broker: TestBroker;
let kafka: Kafka;
const consumers: Consumer[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  broker = await startBroker({ 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 });
  kafka = new Kafka({ clientId: 'group-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50 } });
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.disconnect()));
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await broker?.close();
});

async function createTopic(topic: string, partitions = PARTITIONS): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
  await admin.disconnect();
}

/** Produces `count` records spread over every partition; returns their values. */
async function produce(topic: string, count: number, prefix = 'v'): Promise<string[]> {
  const producer = kafka.producer();
  await producer.connect();
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await producer.send({ topic, messages: values.map((value, i) => ({ partition: i % PARTITIONS, value })) });
  await producer.disconnect();
  return values;
}

interface Member {
  readonly consumer: Consumer;
  readonly received: { partition: number; value: string }[];
}

async function member(groupId: string, topic: string, sessionTimeout = 6000): Promise<Member> {
  const consumer = kafka.consumer({ groupId, sessionTimeout, heartbeatInterval: 300, maxWaitTimeInMs: 100, retry: { retries: 10, initialRetryTime: 50 } });
  consumers.push(consumer);
  const received: Member['received'] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => void received.push({ partition, value: message.value!.toString() }) });
  return { consumer, received };
}

/** The group's assignment as DescribeGroups reports it, once Stable with `size` members: member id → partitions. */
async function stableAssignment(groupId: string, size: number): Promise<Map<string, number[]>> {
  const admin = kafka.admin();
  await admin.connect();
  let assignment = new Map<string, number[]>();
  try {
    await pollUntil(
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        const group = groups[0]!;
        if (group.state !== 'Stable' || group.members.length !== size) return false;
        assignment = new Map(
          group.members.map((m) => {
            const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
            return [m.memberId, Object.values(decoded?.assignment ?? {}).flat()];
          }),
        );
        return true;
      },
      `group ${groupId} Stable with ${size} members`,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  } finally {
    await admin.disconnect();
  }
  return assignment;
}

function expectPartitionsSplit(assignment: Map<string, number[]>): void {
  const all = [...assignment.values()].flat().sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));
  for (const partitions of assignment.values()) expect(partitions.length).toBeGreaterThan(0);
}

describe('kafkajs consumer groups', () => {
  it('three members share six partitions: each partition to one member, every record once', async () => {
    await createTopic('queue');
    const members = [await member('queue-group', 'queue'), await member('queue-group', 'queue'), await member('queue-group', 'queue')];
    expectPartitionsSplit(await stableAssignment('queue-group', 3));
    const values = await produce('queue', 600);
    const all = () => members.flatMap((m) => m.received);
    await pollUntil(() => all().length >= values.length, 'every record consumed', { timeoutMs: 30_000 });
    expect(
      all()
        .map((r) => r.value)
        .sort(),
    ).toEqual([...values].sort());
    // Each partition's records went to one member only.
    const owners = new Map<number, Set<number>>();
    members.forEach((m, i) => {
      for (const r of m.received) owners.set(r.partition, (owners.get(r.partition) ?? new Set()).add(i));
    });
    for (const set of owners.values()) expect(set.size).toBe(1);
  });

  it('a member that leaves hands its partitions to the others', async () => {
    await createTopic('leave');
    const a = await member('leave-group', 'leave');
    const b = await member('leave-group', 'leave');
    expectPartitionsSplit(await stableAssignment('leave-group', 2));
    await b.consumer.disconnect();
    const after = await stableAssignment('leave-group', 1);
    expect([...after.values()][0]!.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
    const values = await produce('leave', 60, 'after-leave');
    await pollUntil(() => a.received.filter((r) => r.value.startsWith('after-leave')).length === values.length, 'the survivor consumes everything');
  });

  it('a member killed without LeaveGroup is expired after its session timeout and the group rebalances', async () => {
    await createTopic('killed');
    const child = fork(join(HERE, 'fixtures', 'kafkajs-member.mjs'), [broker.bootstrap, 'killed-group', 'killed', '2000'], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`member process exited with ${code}`)));
    });
    const survivor = await member('killed-group', 'killed');
    expectPartitionsSplit(await stableAssignment('killed-group', 2));
    const killedAt = Date.now();
    child.kill('SIGKILL');
    const after = await stableAssignment('killed-group', 1);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1500);
    expect([...after.values()][0]!.length).toBe(PARTITIONS);
    const values = await produce('killed', 30, 'after-kill');
    await pollUntil(() => survivor.received.filter((r) => r.value.startsWith('after-kill')).length === values.length, 'the survivor consumes everything');
  });

  it('two groups on one topic each receive every record', async () => {
    await createTopic('pubsub');
    const values = await produce('pubsub', 120);
    const a = await member('pubsub-a', 'pubsub');
    const b = await member('pubsub-b', 'pubsub');
    await pollUntil(() => a.received.length >= values.length && b.received.length >= values.length, 'both groups consumed');
    expect(a.received.map((r) => r.value).sort()).toEqual([...values].sort());
    expect(b.received.map((r) => r.value).sort()).toEqual([...values].sort());
  });

  it('commit metadata round-trips; OffsetFetch answers -1 for unknown groups and partitions', async () => {
    await createTopic('meta', 2);
    await produce('meta', 6);
    const consumer = kafka.consumer({ groupId: 'meta-group', maxWaitTimeInMs: 100 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: 'meta', fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
    await stableAssignment('meta-group', 1);
    await consumer.commitOffsets([{ topic: 'meta', partition: 0, offset: '2', metadata: 'checkpoint ✓' }]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [fetched] = await admin.fetchOffsets({ groupId: 'meta-group', topics: ['meta'] });
      expect(fetched!.partitions.sort((x, y) => x.partition - y.partition)).toEqual([
        { partition: 0, offset: '2', metadata: 'checkpoint ✓' },
        { partition: 1, offset: '-1', metadata: null },
      ]);
      const [unknown] = await admin.fetchOffsets({ groupId: 'no-such-group', topics: ['meta'] });
      expect(unknown!.partitions.map((p) => p.offset)).toEqual(['-1', '-1']);
    } finally {
      await admin.disconnect();
    }
  });

  it('a group resuming from an offset inside a batch gets the rest of that batch', async () => {
    await createTopic('midbatch', 1);
    const producer = kafka.producer();
    await producer.connect();
    // One send of ten records to one partition is one record batch (offsets 0–9).
    await producer.send({ topic: 'midbatch', messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `m-${i}` })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'mid-group', topic: 'midbatch', partitions: [{ partition: 0, offset: '4' }] });
    await admin.disconnect();
    const m = await member('mid-group', 'midbatch');
    await pollUntil(() => m.received.length >= 6, 'the rest of the batch');
    expect(m.received.map((r) => r.value)).toEqual(['m-4', 'm-5', 'm-6', 'm-7', 'm-8', 'm-9']);
  });
});

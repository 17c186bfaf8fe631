// An in-process member (what the embedded consumer uses) and a kafkajs member in one group: whichever leads,
// the other reads its encoding, and the two split the partitions.
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GroupMember } from '../../src/embedded/group-member.js';
import { pollUntil } from '../support/poll.js';
import { startBroker, type TestBroker } from '../support/broker.js';

let broker: TestBroker;
let kafka: Kafka;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  broker = await startBroker({ 'group.initial.rebalance.delay.ms': 0 });
  kafka = new Kafka({ clientId: 'mixed', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await broker?.close();
});

async function kafkajsMember(groupId: string, topic: string): Promise<{ consumer: Consumer; partitions: () => number[] }> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
  let partitions: number[] = [];
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    partitions = e.payload.memberAssignment[topic] ?? [];
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async () => undefined });
  cleanups.push(() => consumer.disconnect());
  return { consumer, partitions: () => partitions };
}

async function embeddedMember(groupId: string, topic: string): Promise<GroupMember> {
  const member = await GroupMember.join(broker.broker.services.groupCoordinator, {
    groupId,
    topics: [topic],
    heartbeatIntervalMs: 300,
    sessionTimeoutMs: 10_000,
    partitionCount: (t) => broker.broker.metadata.topic(t)?.partitions.length ?? 0,
  });
  cleanups.push(() => member.leave());
  return member;
}

const embeddedPartitions = (m: GroupMember) => m.assignment.flatMap((tp) => tp.partitions);

describe('embedded and kafkajs members in one group', () => {
  it.each(['kafkajs', 'embedded'] as const)('split the partitions when the %s member leads', async (first) => {
    const topic = `mixed-${first}`;
    await broker.broker.metadata.createTopic(topic, { numPartitions: 4 });
    const groupId = `mixed-group-${first}`;
    let embedded: GroupMember;
    let network: Awaited<ReturnType<typeof kafkajsMember>>;
    if (first === 'kafkajs') {
      network = await kafkajsMember(groupId, topic);
      await pollUntil(() => network.partitions().length === 4, 'kafkajs alone owns every partition');
      embedded = await embeddedMember(groupId, topic);
    } else {
      embedded = await embeddedMember(groupId, topic);
      network = await kafkajsMember(groupId, topic);
    }
    await pollUntil(() => embeddedPartitions(embedded).length === 2 && network.partitions().length === 2, 'two partitions each', {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    const described = broker.broker.services.groupCoordinator.describeGroup(groupId).description;
    expect(described.protocolName).toBe('RoundRobinAssigner');
    expect(described.leader).toBe(first === 'embedded' ? embedded.memberId : described.members.find((m) => m.memberId !== embedded.memberId)!.memberId);
    expect([...embeddedPartitions(embedded), ...network.partitions()].sort()).toEqual([0, 1, 2, 3]);
  });
});

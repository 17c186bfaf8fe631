// Kafka 4.4's own TopicCommand (kafka-topics.sh --describe) and LeaderElectionCommand (kafka-leader-election.sh),
// from the jars the Kafka benchmark target keeps in bench/.cache. Against Kafka TopicCommand describes
// partitions through DescribeTopicPartitions, which carries the ELR lists; through Metadata alone it prints
// `Elr: N/A`. LeaderElectionCommand sends ElectLeaders to the controller.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_VERSION } from '../../../bench/targets/kafka.js';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { startBroker, type TestBroker } from '../../support/broker.js';
import { kafkaTool, kafkaToolsMissing } from '../../support/kafka-tools.js';

const reason = kafkaToolsMissing;

let broker: TestBroker;
const requests = new Map<number, number>();

beforeAll(async () => {
  if (reason) return;
  broker = await startBroker(
    {},
    { observeRequest: { requestCompleted: (timing) => void requests.set(timing.apiKey, (requests.get(timing.apiKey) ?? 0) + 1) } },
  );
});

afterAll(async () => {
  await broker?.close();
});

const kafkaTopics = (...args: string[]) => kafkaTool(broker.bootstrap, 'TopicCommand', ...args);

describe.skipIf(reason !== '')(`Kafka ${KAFKA_VERSION} TopicCommand ${reason}`, () => {
  it('--describe shows every partition with its (empty) ELR lists, never N/A', async () => {
    await broker.broker.metadata.createTopic('described', { numPartitions: 3 });
    const out = await kafkaTopics('--describe', '--topic', 'described');
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^Topic: described\tTopicId: \S+\tPartitionCount: 3\tReplicationFactor: 1\t/);
    const nodeId = broker.broker.metadata.nodeId;
    expect(lines.slice(1).map((line) => line.trim())).toEqual(
      [0, 1, 2].map((p) => `Topic: described\tPartition: ${p}\tLeader: ${nodeId}\tReplicas: ${nodeId}\tIsr: ${nodeId}\tElr: \tLastKnownElr:`),
    );
    expect(out).not.toContain('N/A');
    expect(requests.get(ApiKey.DescribeTopicPartitions)).toBeGreaterThanOrEqual(1);
  });

  it('pages with --partition-size-limit-per-response and still lists each partition once', async () => {
    await broker.broker.metadata.createTopic('paged', { numPartitions: 5 });
    const before = requests.get(ApiKey.DescribeTopicPartitions) ?? 0;
    const out = await kafkaTopics('--describe', '--topic', 'paged', '--partition-size-limit-per-response', '2');
    const partitions = out.split('\n').flatMap((line) => /\tPartition: (\d+)\t/.exec(line)?.[1] ?? []);
    expect(partitions).toEqual(['0', '1', '2', '3', '4']);
    expect(out).not.toContain('N/A');
    expect((requests.get(ApiKey.DescribeTopicPartitions) ?? 0) - before).toBe(3);
  });
});

describe.skipIf(reason !== '')(`Kafka ${KAFKA_VERSION} LeaderElectionCommand ${reason}`, () => {
  it('--election-type preferred: a single broker already leads every partition', async () => {
    await broker.broker.metadata.createTopic('elected', { numPartitions: 2 });
    const before = requests.get(ApiKey.ElectLeaders) ?? 0;
    const out = await kafkaTool(broker.bootstrap, 'LeaderElectionCommand', '--election-type', 'preferred', '--topic', 'elected', '--partition', '1');
    expect(out).toContain('Valid replica already elected for partitions elected-1');
    expect((requests.get(ApiKey.ElectLeaders) ?? 0) - before).toBe(1);
  });
});

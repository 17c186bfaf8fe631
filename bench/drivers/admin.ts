/**
 * Topic administration for the harness through @platformatic/kafka's Admin client (the same calls
 * for every target): create a topic and wait until every partition has a leader that serves it (Kafka
 * lists a leader in Metadata before the leader answers Produce: 1,000 new partitions take seconds),
 * delete it after.
 */
import { Admin } from '@platformatic/kafka';
import { waitFor } from '../lib/process.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  configs?: Record<string, string>;
}

export async function withAdmin<T>(bootstrap: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  // Creating 1,000 partitions takes a broker seconds: a generous request timeout, and no retries (a
  // retried CreateTopics would only meet TOPIC_ALREADY_EXISTS).
  const admin = new Admin({ clientId: 'gregor-bench-admin', bootstrapBrokers: [bootstrap], timeout: 120_000, retries: false });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

export async function createTopic(bootstrap: string, spec: TopicSpec): Promise<void> {
  await withAdmin(bootstrap, async (admin) => {
    await admin.createTopics({
      topics: [spec.name],
      partitions: spec.partitions,
      replicas: 1,
      configs: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
    });
    await waitFor(`leaders for the ${spec.partitions} partitions of ${spec.name}`, 60_000, async () => {
      const md = await admin.metadata({ topics: [spec.name] }).catch(() => undefined);
      const topic = md?.topics.get(spec.name);
      return topic !== undefined && topic.partitions.length === spec.partitions && topic.partitions.every((p) => p.leader >= 0);
    });
    const partitions = Array.from({ length: spec.partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n }));
    await waitFor(`ListOffsets answered by the leaders of ${spec.name}`, 120_000, () =>
      admin.listOffsets({ topics: [{ name: spec.name, partitions }] }).then(
        () => true,
        () => false,
      ),
    );
  });
}

export async function deleteTopic(bootstrap: string, name: string): Promise<void> {
  await withAdmin(bootstrap, (admin) => admin.deleteTopics({ topics: [name] }));
}

/**
 * Topic administration for the harness through @platformatic/kafka's Admin client (the same calls
 * for every target): create a topic and wait until it can be measured, look up its partitions' leaders,
 * wait for a cluster's brokers to register, delete a topic after.
 */
import { Admin } from '@platformatic/kafka';
import { waitFor } from '../lib/process.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Replicas of each partition (default 1). */
  replicas?: number;
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

/** The topic's Metadata as the broker answers it now (the client's cache would keep a leaderless answer for seconds). */
async function topicMetadata(admin: Admin, name: string) {
  const md = await admin.metadata({ topics: [name], forceUpdate: true }).catch(() => undefined);
  return md && { brokers: md.brokers, topic: md.topics.get(name) };
}

/**
 * Creates the topic and returns once it can be measured: Metadata lists a leader for every partition with
 * all its replicas in sync, and the leaders answer ListOffsets for every partition (Kafka lists a leader
 * before the leader serves it: 1,000 new partitions take seconds, and a warm-up that starts earlier
 * measures partition creation).
 */
export async function createTopic(bootstrap: string, spec: TopicSpec): Promise<void> {
  const replicas = spec.replicas ?? 1;
  await withAdmin(bootstrap, async (admin) => {
    await admin.createTopics({
      topics: [spec.name],
      partitions: spec.partitions,
      replicas,
      configs: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
    });
    await waitFor(`a leader and ${replicas} in-sync replicas for each of the ${spec.partitions} partitions of ${spec.name}`, 120_000, async () => {
      const topic = (await topicMetadata(admin, spec.name))?.topic;
      return topic !== undefined && topic.partitions.length === spec.partitions && topic.partitions.every((p) => p.leader >= 0 && p.isr.length === replicas);
    });
    await waitForServingLeaders(admin, spec.name, spec.partitions);
  });
}

/** Waits until the leaders Metadata names answer ListOffsets for every partition (a leader is named before it knows it leads). */
export async function waitForServingLeaders(admin: Admin, topic: string, partitions: number): Promise<void> {
  const request = Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n }));
  await waitFor(`ListOffsets answered by the leaders of ${topic}`, 120_000, async () => {
    await topicMetadata(admin, topic);
    return admin.listOffsets({ topics: [{ name: topic, partitions: request }] }).then(
      () => true,
      () => false,
    );
  });
}

/** Each partition's leader as host:port, by partition index (every partition must have one). */
export async function partitionLeaders(bootstrap: string, topic: string): Promise<string[]> {
  return withAdmin(bootstrap, async (admin) => {
    const md = await topicMetadata(admin, topic);
    if (!md?.topic) throw new Error(`no metadata for ${topic}`);
    return md.topic.partitions.map((p, i) => {
      const b = md.brokers.get(p.leader);
      if (!b) throw new Error(`partition ${i} of ${topic} has no leader`);
      return `${b.host}:${b.port}`;
    });
  });
}

/** Waits until the broker at `bootstrap` lists `count` brokers in Metadata (a cluster's brokers have all registered). */
export async function waitForBrokers(bootstrap: string, count: number, timeoutMs: number): Promise<void> {
  await withAdmin(bootstrap, (admin) =>
    waitFor(`${count} brokers in the Metadata of ${bootstrap}`, timeoutMs, async () => {
      const md = await admin.metadata({ topics: [], forceUpdate: true }).catch(() => undefined);
      return md !== undefined && md.brokers.size >= count;
    }),
  );
}

export async function deleteTopic(bootstrap: string, name: string): Promise<void> {
  await withAdmin(bootstrap, (admin) => admin.deleteTopics({ topics: [name] }));
}

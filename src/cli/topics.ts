/**
 * Topic lookups for the commands. The client library reports a missing topic as a plain error without
 * Kafka's code, so these check existence with a topic listing and raise UNKNOWN_TOPIC_OR_PARTITION themselves.
 */
import type { Admin, ClusterTopicMetadata } from '@platformatic/kafka';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { withAdmin } from './kafka-client.js';

/** Partition numbers of a topic, from metadata. */
export async function partitionsOf(admin: Admin, topic: string): Promise<number[]> {
  const count = (await topicMetadata(admin, topic)).partitionsCount;
  return Array.from({ length: count }, (_, i) => i);
}

/** A topic's metadata, or KafkaError(UNKNOWN_TOPIC_OR_PARTITION). */
export async function topicMetadata(admin: Admin, topic: string): Promise<ClusterTopicMetadata> {
  const names = await admin.listTopics({ includeInternals: true });
  const found = names.includes(topic) ? (await admin.metadata({ topics: [topic] })).topics.get(topic) : undefined;
  if (!found) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${topic} does not exist`);
  return found;
}

/**
 * After a produce or consume failed: if one of its topics does not exist (and the broker did not create it),
 * that is the error to report; otherwise the original one.
 */
export async function missingTopicOr(brokers: readonly string[], topics: readonly string[], error: unknown): Promise<unknown> {
  // When even the listing fails (the broker is gone), the original error says more.
  const existing = await withAdmin(brokers, (admin) => admin.listTopics({ includeInternals: true })).catch(() => undefined);
  const missing = existing && topics.find((topic) => !existing.includes(topic));
  return missing
    ? new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${missing} does not exist (and the broker does not create topics on use)`)
    : error;
}

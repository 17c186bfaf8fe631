/** Writing a topic's records and reading them back through kafkajs, as the cluster tests check what a client sees. */
import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { pollUntil } from './poll.js';

/** Sends the messages with an idempotent acks=all producer (one request in flight), resolving once acknowledged. */
export async function produceAcked(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Reads `count` records of the topic from its start in a group of its own, each as `format` gives it (its
 * value unless told), in the order they arrived.
 */
export async function consumeRecords(
  kafka: Kafka,
  topic: string,
  count: number,
  format: (partition: number, value: string) => string = (_, value) => value,
): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `g-${randomUUID()}` });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void values.push(format(partition, message.value!.toString())) });
    await pollUntil(() => values.length >= count, `the consumer to read ${count} record(s) of ${topic}`, { timeoutMs: 30_000 });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

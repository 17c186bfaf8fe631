/**
 * The consumer-group side of a fault run (C8): kafkajs members of one group consuming the workload's topic
 * and committing after each batch, each record they see recorded with the member that saw it, and an
 * observer asking the group's coordinator for the committed offsets every `intervalMs`, so the checker can
 * tell whether a coordinator's failover ever took a committed offset back.
 */
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import type { ConsumedRecord } from './history.js';
import type { RunClock } from './workload.js';

/** The committed offset of one partition as the coordinator answered it at `at` (ms since the run began). */
export interface CommitObservation {
  readonly partition: number;
  readonly offset: number;
  readonly at: number;
}

export interface GroupWorkload {
  readonly groupId: string;
  readonly consumed: ConsumedRecord[];
  readonly commits: CommitObservation[];
  stop(): Promise<void>;
}

/**
 * A retry budget (~30 s) past a coordinator's failover on a loaded machine, for the client and for the
 * consumers' runners (kafkajs gives those 5 retries unless told): a member out of retries against its dead
 * coordinator crashes, and kafkajs's crash path (onCrash is not awaited) leaks the NOT_COORDINATOR of the
 * LeaveGroup it sends as an unhandled rejection, which fails the run.
 */
const RETRY = { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 };

export async function startGroupWorkload(bootstrap: string, topic: string, members: number, clock: RunClock, intervalMs = 100): Promise<GroupWorkload> {
  const groupId = `fault-group-${process.pid}-${Date.now()}`;
  const kafka = (clientId: string): Kafka =>
    new Kafka({
      clientId,
      brokers: bootstrap.split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: RETRY,
    });
  const consumed: ConsumedRecord[] = [];
  const commits: CommitObservation[] = [];
  const consumers: Consumer[] = [];
  for (let i = 0; i < members; i++) {
    const reader = `member-${i}`;
    const consumer = kafka(reader).consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200, retry: RETRY });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        consumed.push({ topic, partition, offset: Number(message.offset), value: message.value?.toString() ?? '', reader });
      },
    });
  }
  const admin = kafka('commit-observer').admin();
  await admin.connect();
  let observing = true;
  const observer = (async () => {
    while (observing) {
      try {
        const [answer] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const at = clock.now();
        for (const { partition, offset } of answer?.partitions ?? []) if (Number(offset) >= 0) commits.push({ partition, offset: Number(offset), at });
      } catch {
        // The coordinator is moving: the next round asks the new one.
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    groupId,
    consumed,
    commits,
    async stop() {
      observing = false;
      await observer;
      await admin.disconnect().catch(() => undefined);
      await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
    },
  };
}

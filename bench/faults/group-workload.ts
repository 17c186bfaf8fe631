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
  /** Members restarted because their client stopped fetching (see STALLED_MS), with when. */
  readonly restarts: { readonly reader: string; readonly at: number }[];
  stop(): Promise<void>;
}

/**
 * A retry budget (~30 s) past a coordinator's failover on a loaded machine, for the client and for the
 * consumers' runners (kafkajs gives those 5 retries unless told): a member out of retries against its dead
 * coordinator crashes, and kafkajs's crash path (onCrash is not awaited) leaks the NOT_COORDINATOR of the
 * LeaveGroup it sends as an unhandled rejection, which fails the run.
 */
const RETRY = { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 };

/**
 * A member whose client started no Fetch for this long (nor joined the group) is restarted, as its operator
 * would: kafkajs's fetch manager can stop after a failover while its heartbeats keep the member in the group
 * (seen in C8: fetchers created after a rejoin, then no Fetch request at all for 90 s; kafkajs #659). A broker
 * that stops answering fetches is not hidden by this: kafkajs times such a request out and fetches again.
 */
const STALLED_MS = 15_000;

interface Member {
  consumer: Consumer;
  /** Date.now() of its last Fetch started or group joined. */
  lastActive: number;
}

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
  const restarts: GroupWorkload['restarts'] = [];
  const startMember = async (reader: string): Promise<Member> => {
    const consumer = kafka(reader).consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200, retry: RETRY });
    const member = { consumer, lastActive: Date.now() };
    for (const event of [consumer.events.FETCH_START, consumer.events.GROUP_JOIN]) consumer.on(event, () => void (member.lastActive = Date.now()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        consumed.push({ topic, partition, offset: Number(message.offset), value: message.value?.toString() ?? '', reader });
      },
    });
    return member;
  };
  const group = new Map<string, Member>();
  for (let i = 0; i < members; i++) group.set(`member-${i}`, await startMember(`member-${i}`));
  let restarting: Promise<void> = Promise.resolve();
  const watchdog = setInterval(() => {
    restarting = restarting
      .then(async () => {
        for (const [reader, member] of group) {
          if (Date.now() - member.lastActive <= STALLED_MS) continue;
          restarts.push({ reader, at: clock.now() });
          await member.consumer.disconnect().catch(() => undefined);
          group.set(reader, await startMember(reader));
        }
      })
      // A member that could not start again (the cluster mid-failover) is tried again at the next tick.
      .catch(() => undefined);
  }, 1_000);
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
    restarts,
    async stop() {
      observing = false;
      clearInterval(watchdog);
      await restarting.catch(() => undefined);
      await observer;
      await admin.disconnect().catch(() => undefined);
      await Promise.all([...group.values()].map((m) => m.consumer.disconnect().catch(() => undefined)));
    },
  };
}

/**
 * A fault run with a consumer group (C8): the fault cluster, a topic, an idempotent acks=all producer, a
 * group of kafkajs members consuming and committing, the scenario's faults (typically the coordinator's
 * broker killed mid-commit), healing, then the members catching up on everything acknowledged. Judged by
 * the replication checker (over the read-back) and the group checker (over the members' reads and the
 * committed offsets observed during the run).
 */
import { RawClient } from '../lib/raw-client.js';
import { pollUntil } from '../lib/poll.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type CheckReport, check } from './checker.js';
import { type Fault, FaultCluster, type FaultClusterOptions } from './fault-cluster.js';
import { type GroupReport, checkGroup } from './group-checker.js';
import { type GroupWorkload, startGroupWorkload } from './group-workload.js';
import { type History, type ProduceAttempt, recordValue } from './history.js';
import { replicaLogs } from './replica-logs.js';
import { type ScenarioTopic, acksOnEveryPartitionSince, createTopic, holdFault } from './scenario.js';
import { type ProducerTarget, RunClock, readBack, startKafkajsProducer } from './workload.js';

/** How long the group may take to consume everything acknowledged once the producer stopped. */
const CATCH_UP_MS = 90_000;

export interface GroupScenarioOptions extends FaultClusterOptions, ScenarioTopic {
  readonly members: number;
  readonly faults: (run: GroupScenarioRun) => Promise<void>;
}

export interface GroupScenarioRun {
  readonly cluster: FaultCluster;
  /** Injects a fault, holds it for `holdMs`, then heals it. */
  fault(fault: Fault, holdMs: number): Promise<void>;
  /** Resolves once every partition has an ack completed after now. */
  acksOnEveryPartition(timeoutMs?: number): Promise<void>;
  /** The broker coordinating the group now, as FindCoordinator names it. */
  coordinator(timeoutMs?: number): Promise<number>;
  /** Resolves once an observed committed offset moved past what was observed before now: commits are flowing. */
  commitAdvances(timeoutMs?: number): Promise<void>;
}

export interface GroupScenarioResult {
  readonly report: CheckReport;
  readonly group: GroupReport;
  readonly history: History;
  /** Deviations worked around to finish the run: brokers not registered after healing, no acks after it, a group that did not catch up. */
  readonly findings: readonly string[];
  /** Members the workload restarted because their client stopped fetching (group-workload.ts), with when. */
  readonly memberRestarts: GroupWorkload['restarts'];
}

export async function runGroupScenario(options: GroupScenarioOptions): Promise<GroupScenarioResult> {
  const clock = new RunClock();
  const topic = `group-faults-${Date.now()}`;
  const cluster = await FaultCluster.start(options, clock);
  const stops: (() => Promise<void>)[] = [];
  try {
    await createTopic(cluster.bootstrapServers, topic, options);
    const target: ProducerTarget = { bootstrap: cluster.bootstrapServers, topic, partitions: options.partitions };
    const producer = await startKafkajsProducer('kafkajs-0', target, clock);
    stops.push(() => producer.stop());
    const group = await startGroupWorkload(cluster.bootstrapServers, topic, options.members, clock);
    stops.push(() => group.stop());
    const acksOnEveryPartition = (timeoutMs = 10_000): Promise<void> =>
      acksOnEveryPartitionSince(clock.now(), () => producer.attempts, options.partitions, timeoutMs);
    const run: GroupScenarioRun = {
      cluster,
      fault: (fault, holdMs) => holdFault(cluster, fault, holdMs),
      acksOnEveryPartition,
      coordinator: (timeoutMs = 30_000) => coordinatorOf(cluster.bootstrapServers, group.groupId, timeoutMs),
      async commitAdvances(timeoutMs = 30_000) {
        const since = clock.now();
        const before = new Map<number, number>();
        for (const c of group.commits) before.set(c.partition, Math.max(before.get(c.partition) ?? -1, c.offset));
        await pollUntil(() => group.commits.some((c) => c.at > since && c.offset > (before.get(c.partition) ?? -1)), 'a committed offset to advance', {
          timeoutMs,
          intervalMs: 20,
        });
      },
    };
    await acksOnEveryPartition(30_000);
    await run.commitAdvances(60_000);
    await options.faults(run);

    const findings: string[] = [];
    try {
      await cluster.cluster.waitUntilRegistered(30_000);
      await acksOnEveryPartition();
    } catch (error) {
      findings.push(`after healing: ${(error as Error).message}`);
    }
    await producer.stop();
    const endedAt = clock.now();
    const acked = producer.attempts.filter((a) => a.outcome === 'acked').map((a) => recordValue(a.producer, a.sequence));
    try {
      await pollUntil(
        () => {
          const seen = new Set(group.consumed.map((r) => r.value));
          return acked.every((value) => seen.has(value));
        },
        'the group to consume every acknowledged record',
        { timeoutMs: CATCH_UP_MS, intervalMs: 100 },
      );
    } catch (error) {
      findings.push(`${(error as Error).message} (${catchUpState(group, producer.attempts)})`);
    }
    await group.stop();

    const { records: consumed, highWatermarks } = await readBack(cluster.bootstrapServers, topic);
    const replicas = cluster.cluster.brokers.flatMap((b) => replicaLogs(b.nodeId, b.dataDir, topic, highWatermarks));
    const history: History = { attempts: producer.attempts, consumed, replicas, faults: cluster.faults, endedAt };
    const groupReport = checkGroup({ attempts: producer.attempts, consumed: group.consumed, commits: group.commits, highWatermarks });
    return { report: check(history), group: groupReport, history, findings, memberRestarts: group.restarts };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await cluster.close();
  }
}

/** Per partition: acknowledged records not consumed, the highest offset consumed and the last committed offset observed. */
function catchUpState(group: GroupWorkload, attempts: readonly ProduceAttempt[]): string {
  const seen = new Set(group.consumed.map((r) => r.value));
  const partitions = new Map<number, { unconsumed: number; consumedTo: number; committed: number }>();
  const of = (partition: number) => {
    let state = partitions.get(partition);
    if (!state) partitions.set(partition, (state = { unconsumed: 0, consumedTo: -1, committed: -1 }));
    return state;
  };
  for (const a of attempts) if (a.outcome === 'acked' && !seen.has(recordValue(a.producer, a.sequence))) of(a.partition).unconsumed++;
  for (const r of group.consumed) of(r.partition).consumedTo = Math.max(of(r.partition).consumedTo, r.offset);
  for (const c of group.commits) of(c.partition).committed = c.offset;
  return [...partitions]
    .sort(([a], [b]) => a - b)
    .map(([p, s]) => `partition ${p}: ${s.unconsumed} unconsumed, consumed to ${s.consumedTo}, committed ${s.committed}`)
    .join('; ');
}

/** FindCoordinator through each broker in turn until one names the group's coordinator. */
async function coordinatorOf(bootstrap: string, groupId: string, timeoutMs: number): Promise<number> {
  let nodeId = -1;
  await pollUntil(
    async () => {
      for (const address of bootstrap.split(',')) {
        try {
          const client = await RawClient.connect(address);
          try {
            const answer = await client.request(ApiKey.FindCoordinator, 3, { key: groupId, keyType: 0, coordinatorKeys: [] });
            if (answer.errorCode === ErrorCode.NONE) nodeId = answer.nodeId;
          } finally {
            client.close();
          }
        } catch {
          // A broker down: ask the next.
        }
        if (nodeId !== -1) return true;
      }
      return false;
    },
    `the coordinator of ${groupId}`,
    { timeoutMs },
  );
  return nodeId;
}

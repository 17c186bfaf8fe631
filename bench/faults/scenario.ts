/**
 * One fault run from start to verdict: a fault cluster, a topic, the producers of the workload, the
 * scenario's faults, healing, then the read-back, each replica's log and the checker's report.
 */
import { Kafka, logLevel } from 'kafkajs';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { pollUntil } from '../lib/poll.js';
import { RawClient } from '../lib/raw-client.js';
import { ZERO_UUID } from '../../src/protocol/primitives/uuid.js';
import { type CheckReport, check } from './checker.js';
import { type Fault, FaultCluster, type FaultClusterOptions } from './fault-cluster.js';
import type { History, ProduceAttempt } from './history.js';
import { replicaLogs } from './replica-logs.js';
import { type ProducerTarget, RunClock, readBack, startKafkajsProducer, startKcatProducer, type WorkloadProducer } from './workload.js';

export type ProducerKind = 'kafkajs' | 'kcat';

/** How long brokers may take to register again after the last heal (a few session timeouts). */
const RECOVERY_MS = 30_000;

/** The topic a scenario's workload writes to. */
export interface ScenarioTopic {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly topicConfigs?: Record<string, string>;
}

export interface ScenarioOptions extends FaultClusterOptions, ScenarioTopic {
  readonly topic?: string;
  readonly producers: readonly ProducerKind[];
  /** Injects the scenario's faults through `inject` (each healed before it returns) while the workload runs. */
  readonly faults: (run: ScenarioRun) => Promise<void>;
  /** After healing, how long the workload must keep getting acks on every partition (default 10 s). */
  readonly recoveryTimeoutMs?: number;
}

/** A partition's leader (-1: none), replicas and ISR, as a broker's Metadata tells them. */
export interface PartitionState {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface ScenarioRun {
  readonly cluster: FaultCluster;
  readonly topic: string;
  /** The run's clock, the one attempts and faults are timed on. */
  readonly clock: RunClock;
  /** Each partition's state in the Metadata of broker `nodeId` (default: the first running broker that answers), by partition. */
  partitionStates(nodeId?: number): Promise<PartitionState[]>;
  /** Injects a fault, holds it for `holdMs`, then heals it. */
  fault(fault: Fault, holdMs: number): Promise<void>;
  /** Resolves once every partition has an ack completed after now. */
  acksOnEveryPartition(timeoutMs?: number): Promise<void>;
}

export interface ScenarioResult {
  readonly report: CheckReport;
  readonly history: History;
  /**
   * What went wrong beyond the checker's anomalies: brokers that exited on their own, brokers not registered
   * after healing, partitions that took no write after healing. Each was worked around so the data could be read.
   */
  readonly findings: readonly string[];
}

/** The run itself: the cluster, the workload and the faults, healing, and what the cluster holds afterwards. */
async function runFaults(options: ScenarioOptions): Promise<Omit<ScenarioResult, 'report'>> {
  const clock = new RunClock();
  const topic = options.topic ?? `faults-${Date.now()}`;
  const cluster = await FaultCluster.start(options, clock);
  const producers: WorkloadProducer[] = [];
  try {
    await createTopic(cluster.bootstrapServers, topic, options);
    const target: ProducerTarget = { bootstrap: cluster.bootstrapServers, topic, partitions: options.partitions };
    for (const [i, kind] of options.producers.entries()) {
      const name = `${kind}-${i}`;
      producers.push(kind === 'kafkajs' ? await startKafkajsProducer(name, target, clock) : await startKcatProducer(name, target, clock));
    }
    const attempts = (): ProduceAttempt[] => producers.flatMap((p) => p.attempts);
    const acksOnEveryPartition = (timeoutMs = options.recoveryTimeoutMs ?? 10_000): Promise<void> =>
      acksOnEveryPartitionSince(clock.now(), attempts, options.partitions, timeoutMs);
    const run: ScenarioRun = {
      cluster,
      topic,
      clock,
      partitionStates: (nodeId) => partitionStates(cluster, topic, nodeId),
      fault: (fault, holdMs) => holdFault(cluster, fault, holdMs),
      acksOnEveryPartition,
    };
    await acksOnEveryPartition(30_000);
    await options.faults(run);
    const findings = await recover(cluster, acksOnEveryPartition);
    for (const producer of producers) await producer.stop();
    const endedAt = clock.now();

    const { records: consumed, highWatermarks } = await readBack(cluster.bootstrapServers, topic);
    const replicas = cluster.cluster.brokers.flatMap((b) => replicaLogs(b.nodeId, b.dataDir, topic, highWatermarks));
    const history: History = { attempts: attempts(), consumed, replicas, faults: cluster.faults, endedAt };
    return { history, findings };
  } finally {
    for (const producer of producers) await producer.stop();
    await cluster.close();
  }
}

/**
 * Runs the scenario, then checks its history once the cluster is gone: a long run's check takes seconds
 * of this process, which also runs the proxies the brokers' links go through.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { history, findings } = await runFaults(options);
  return { report: check(history), history, findings };
}

/**
 * After the last heal: brokers that exited on their own are started again, brokers that did not register
 * again are restarted, and the workload must get an ack on every partition; each deviation is a finding.
 */
async function recover(cluster: FaultCluster, acksOnEveryPartition: () => Promise<void>): Promise<string[]> {
  const findings: string[] = [];
  const local = cluster.cluster;
  for (const broker of local.brokers.filter((b) => !b.running)) {
    findings.push(`broker ${broker.nodeId} exited on its own: ${broker.logTail(400)}`);
    await broker.start();
  }
  try {
    await local.waitUntilRegistered(RECOVERY_MS);
  } catch {
    const views = await local.registrations();
    const listedEverywhere = local.brokers.filter((b) => [...views.values()].every((view) => view.includes(b.nodeId)));
    const missing = local.brokers.filter((b) => !listedEverywhere.includes(b));
    findings.push(`brokers ${missing.map((b) => b.nodeId).join(', ')} not registered ${RECOVERY_MS} ms after healing: restarted`);
    for (const broker of missing) {
      await broker.stop('SIGTERM');
      await broker.start();
    }
    await local.waitUntilRegistered();
  }
  try {
    await acksOnEveryPartition();
  } catch (error) {
    findings.push(`after healing: ${(error as Error).message}`);
  }
  return findings;
}

/** Past this a broker's Metadata answer is not waited for (it may be paused or cut off). */
const METADATA_TIMEOUT_MS = 2_000;

/** The partitions' states in the Metadata of broker `nodeId`, or of the first running broker that answers. */
async function partitionStates(cluster: FaultCluster, topic: string, nodeId?: number): Promise<PartitionState[]> {
  const brokers = cluster.cluster.brokers.filter((b) => b.running && (nodeId === undefined || b.nodeId === nodeId));
  for (const broker of brokers) {
    const client = await RawClient.connect(broker.bootstrap).catch(() => undefined);
    if (!client) continue;
    try {
      const metadata = await Promise.race([
        client.request(ApiKey.Metadata, 12, {
          topics: [{ topicId: ZERO_UUID, name: topic }],
          allowAutoTopicCreation: false,
          includeTopicAuthorizedOperations: false,
        }),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), METADATA_TIMEOUT_MS).unref()),
      ]);
      const answer = metadata?.topics[0];
      if (!answer || answer.errorCode !== ErrorCode.NONE) continue;
      return (answer.partitions as { partitionIndex: number; leaderId: number; replicaNodes: number[]; isrNodes: number[] }[])
        .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: [...p.isrNodes].sort((a, b) => a - b) }))
        .sort((a, b) => a.partition - b.partition);
    } finally {
      client.close();
    }
  }
  throw new Error(`no ${nodeId === undefined ? 'running broker' : `broker ${nodeId}`} answered Metadata for ${topic}`);
}

/** Resolves once every partition has had a write acknowledged after `since` (the run clock's time). */
export function acksOnEveryPartitionSince(since: number, attempts: () => readonly ProduceAttempt[], partitions: number, timeoutMs: number): Promise<void> {
  return pollUntil(
    () =>
      new Set(
        attempts()
          .filter((a) => a.outcome === 'acked' && a.doneAt > since)
          .map((a) => a.partition),
      ).size === partitions,
    'an acknowledged write on every partition',
    { timeoutMs, intervalMs: 20 },
  );
}

/** Injects `fault`, holds it for `holdMs`, then heals it. */
export async function holdFault(cluster: FaultCluster, fault: Fault, holdMs: number): Promise<void> {
  const heal = await cluster.inject(fault);
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  await heal();
}

/** Creates the scenario's topic through kafkajs and waits for its leaders. */
export async function createTopic(bootstrap: string, topic: string, options: ScenarioTopic): Promise<void> {
  const kafka = new Kafka({ clientId: 'fault-admin', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: options.partitions,
          replicationFactor: options.replicationFactor,
          configEntries: Object.entries(options.topicConfigs ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * The setting of the replication scenarios, shared by their short forms: three brokers on a real
 * etcd behind fault proxies, an RF 3 topic with min.insync.replicas=2, idempotent acks=all kafkajs (and kcat
 * where installed) producers; and the verdict every scenario asks for, all anomaly counts zero.
 */
import { expect } from 'vitest';
import { replicaLogs } from '../../bench/faults/replica-logs.js';
import { pollUntil } from '../../bench/lib/poll.js';
import type { PartitionState, ScenarioOptions, ScenarioResult, ScenarioRun } from '../../bench/faults/scenario.js';
import { MAIN } from '../cli/cli-process.js';
import { hasKcat } from '../support/kcat.js';

export const withKcat = hasKcat();

export const SESSION_TIMEOUT_MS = 2_000;

export function replicated(faults: ScenarioOptions['faults'], overrides: Partial<ScenarioOptions> = {}): ScenarioOptions {
  return {
    brokers: 3,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    cli: MAIN,
    interBrokerProxies: true,
    partitions: 3,
    replicationFactor: 3,
    topicConfigs: { 'min.insync.replicas': '2' },
    producers: withKcat ? ['kafkajs', 'kcat'] : ['kafkajs'],
    faults,
    ...overrides,
  };
}

/** Writes were acknowledged, nothing went wrong beyond the checker's view, and every anomaly count is zero. */
export function expectNoAnomalies({ report, findings }: ScenarioResult): void {
  expect(findings).toEqual([]);
  expect(report.acked).toBeGreaterThan(0);
  expect(report.examples).toEqual({ lost: [], duplicated: [], reordered: [], inconsistentOffsets: [], divergentReplicas: [] });
  expect(report.ok).toBe(true);
}

/** Resolves with the partitions' states once `condition` holds for all of them (in any running broker's Metadata). */
export async function partitionsWhere(
  run: ScenarioRun,
  condition: (state: PartitionState) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<PartitionState[]> {
  let states: PartitionState[] = [];
  await pollUntil(
    async () => {
      states = await run.partitionStates().catch(() => []);
      return states.length > 0 && states.every(condition);
    },
    `${what} (last seen: ${JSON.stringify(states)})`,
    { timeoutMs, intervalMs: 100 },
  );
  return states;
}

/** The log end offset of the replica of `partition` on broker `nodeId`, read from its segment files. */
export function replicaLogEnd(run: ScenarioRun, nodeId: number, partition = 0): number {
  const broker = run.cluster.cluster.broker(nodeId);
  const [log] = replicaLogs(nodeId, broker.dataDir, run.topic, new Map([[partition, 0]]));
  const last = log?.batches.at(-1);
  return last === undefined ? 0 : last.lastOffset + 1;
}

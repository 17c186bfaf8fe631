// C8 of the fault harness, short form: three brokers on a real etcd, RF 3 and min.insync.replicas=2, an
// idempotent acks=all producer and a kafkajs group of two members committing after each batch. The broker
// coordinating the group is SIGKILLed while commits flow, twice (each time it comes back before the next);
// the committed offsets observed through the run never go back and never pass the high watermark, and the
// group consumes every acknowledged record at least once.
import { describe, expect, it } from 'vitest';
import { runGroupScenario } from '../../bench/faults/group-scenario.js';
import { MAIN, requireBuild } from '../cli/cli-process.js';
import { etcdMissing } from '../support/etcd.js';

const SESSION_TIMEOUT_MS = 2_000;

describe.skipIf(etcdMissing !== undefined)('a consumer group under faults', () => {
  it('C8: the coordinator killed mid-commit keeps committed offsets monotonic and within the high watermark, and loses no acknowledged record', async () => {
    requireBuild();
    const killed: number[] = [];
    const { report, group, findings, memberRestarts } = await runGroupScenario({
      brokers: 3,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      cli: MAIN,
      interBrokerProxies: true,
      partitions: 3,
      replicationFactor: 3,
      topicConfigs: { 'min.insync.replicas': '2' },
      members: 2,
      faults: async (run) => {
        for (let round = 0; round < 2; round++) {
          const coordinator = await run.coordinator();
          await run.commitAdvances();
          killed.push(coordinator);
          await run.fault({ kind: 'sigkill', nodeId: coordinator }, 500);
          await run.acksOnEveryPartition(30_000);
          await run.commitAdvances(60_000);
        }
      },
    });
    if (memberRestarts.length > 0) console.log('C8: members restarted after their kafkajs client stopped fetching:', memberRestarts);
    // One assertion, so a failure shows every finding and anomaly of the run at once.
    expect({ findings, report: report.examples, group: group.examples }).toEqual({
      findings: [],
      report: { lost: [], duplicated: [], reordered: [], inconsistentOffsets: [], divergentReplicas: [] },
      group: { unconsumed: [], commitRegressions: [], commitsAboveHighWatermark: [] },
    });
    expect(killed).toHaveLength(2);
    expect(group.ok).toBe(true);
    expect(group.acked).toBeGreaterThan(0);
    expect(group.commitObservations).toBeGreaterThan(0);
  }, 300_000);
});

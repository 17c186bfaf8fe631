// The fault harness end to end on what the cluster does today: three brokers on a real etcd, each talking
// to etcd through its fault proxy and advertising its inter-broker listener at another, an RF 1 topic,
// kafkajs and kcat idempotent producers; one broker is SIGKILLed and started again, another's etcd link is
// delayed, and once healed no acknowledged record is lost or misplaced.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../bench/faults/scenario.js';
import { MAIN, requireBuild } from '../cli/cli-process.js';
import { etcdMissing } from '../support/etcd.js';
import { hasKcat } from '../support/kcat.js';

const withKcat = hasKcat();

describe.skipIf(etcdMissing !== undefined)('the fault harness', () => {
  it('SIGKILLs an RF 1 broker under idempotent producers and restarts it: 0 acked lost, 0 anomalies', async () => {
    requireBuild();
    const { report, history, findings } = await runScenario({
      brokers: 3,
      sessionTimeoutMs: 2_000,
      cli: MAIN,
      // Brokers advertise their inter-broker listener at a proxy, as the partition fault needs (no traffic at RF 1).
      interBrokerProxies: true,
      partitions: 3,
      replicationFactor: 1,
      producers: withKcat ? ['kafkajs', 'kcat'] : ['kafkajs'],
      faults: async (run) => {
        await run.fault({ kind: 'sigkill', nodeId: 2 }, 500);
        await run.acksOnEveryPartition();
        await run.fault({ kind: 'link', nodeId: 3, link: 'etcd', fault: { kind: 'delay', ms: 200 } }, 500);
      },
    });
    expect(findings).toEqual([]);
    expect(report.acked).toBeGreaterThan(0);
    expect(report.examples).toEqual({ lost: [], duplicated: [], reordered: [], inconsistentOffsets: [], divergentReplicas: [] });
    expect(report.ok).toBe(true);
    expect(report.unavailability.sigkill?.faults).toBe(1);
    expect(report.unavailability['etcd-delay']?.faults).toBe(1);
    // Every producer had records acknowledged on every partition after the SIGKILLed broker was back.
    const producers = new Set(history.attempts.map((a) => a.producer));
    expect(producers.size).toBe(withKcat ? 2 : 1);
    for (const producer of producers) {
      const ackedAfter = history.attempts.filter((a) => a.producer === producer && a.outcome === 'acked' && a.sentAt > history.faults[0]!.healedAt);
      expect(new Set(ackedAfter.map((a) => a.partition)).size, producer).toBe(3);
    }
    // One replica per partition, read from its segment files: at RF 1 nothing to compare, but the parser reaches the last record.
    const lastRead = (partition: number): number => Math.max(...history.consumed.filter((c) => c.partition === partition).map((c) => c.offset));
    const replicas = [...history.replicas].sort((a, b) => a.partition - b.partition);
    expect(replicas.map((r) => r.batches.at(-1)?.lastOffset)).toEqual([0, 1, 2].map(lastRead));
  }, 120_000);
});

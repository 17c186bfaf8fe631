// Short forms of the replication scenarios of the fault harness (issue 15), three brokers on a real etcd,
// RF 3 and min.insync.replicas=2, idempotent acks=all producers. C1: a leader SIGKILLed again and again
// (every broker leads one of the partitions, so each kill takes a leader); after healing nothing acknowledged
// is lost or misplaced and every replica holds the same bytes up to the high watermark. How long writes
// stopped per failover is a figure of the run (the soak's report), not asserted here. C6: a broker paused
// (SIGSTOP) past its session, then resumed, a zombie whose leadership was moved meanwhile. C5: a broker cut off
// from etcd and from the other brokers while its clients still reach it.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../bench/faults/scenario.js';
import { requireBuild } from '../cli/cli-process.js';
import { etcdMissing } from '../support/etcd.js';
import { expectNoAnomalies, replicated, SESSION_TIMEOUT_MS } from './replicated-scenario.js';

describe.skipIf(etcdMissing !== undefined)('replication under faults', () => {
  it('C1: leaders SIGKILLed one after another lose no acknowledged record, and the replicas stay identical', async () => {
    requireBuild();
    const result = await runScenario(
      replicated(async (run) => {
        for (const nodeId of [1, 2, 3]) {
          await run.fault({ kind: 'sigkill', nodeId }, 500);
          await run.acksOnEveryPartition(30_000);
        }
      }),
    );
    expectNoAnomalies(result);
    const { report, history } = result;
    expect(report.unavailability.sigkill?.faults).toBe(3);
    // The divergence check had three replicas of every partition to compare, each holding batches.
    expect(history.replicas.map((r) => `${r.partition}@${r.nodeId}`).sort()).toEqual(['0@1', '0@2', '0@3', '1@1', '1@2', '1@3', '2@1', '2@2', '2@3']);
    for (const replica of history.replicas) expect(replica.batches.length, `${replica.partition}@${replica.nodeId}`).toBeGreaterThan(0);
  }, 240_000);

  it('C6 and C5: a leader paused past its session, then one cut off from etcd and its followers, acknowledge nothing they lose', async () => {
    requireBuild();
    const result = await runScenario(
      replicated(async (run) => {
        await run.fault({ kind: 'sigstop', nodeId: 1 }, SESSION_TIMEOUT_MS * 2);
        await run.acksOnEveryPartition(30_000);
        await run.fault({ kind: 'partition', nodeId: 2 }, SESSION_TIMEOUT_MS * 2);
        await run.acksOnEveryPartition(30_000);
      }),
    );
    expectNoAnomalies(result);
    expect(result.history.replicas).toHaveLength(9);
  }, 240_000);
});

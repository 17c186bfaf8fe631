// C3 of the fault harness (issue 15), short form: two of the three leaders SIGKILLed within 100 ms of each
// other under the idempotent acks=all load, leaving one broker (below min.insync.replicas=2 for every
// partition), then both started again. The pass figure: every replica identical to the others up to the high
// watermark, and no acknowledged record lost or misplaced.
import { describe, expect, it } from 'vitest';
import type { Fault } from '../../bench/faults/fault-cluster.js';
import { runScenario } from '../../bench/faults/scenario.js';
import { requireBuild } from '../cli/cli-process.js';
import { etcdMissing } from '../support/etcd.js';
import { expectNoAnomalies, partitionsWhere, replicated, SESSION_TIMEOUT_MS } from './replicated-scenario.js';

describe.skipIf(etcdMissing !== undefined)('C3: two leaders killed at once', () => {
  it('SIGKILLs two leaders within 100 ms: every replica identical up to the high watermark, 0 acked lost', async () => {
    requireBuild();
    const result = await runScenario(
      replicated(async (run) => {
        const states = await partitionsWhere(run, (p) => p.leader >= 0 && p.isr.length === 3, 'every partition led with its three replicas in sync');
        const leaders = [...new Set(states.map((p) => p.leader))].slice(0, 2);
        expect(leaders).toHaveLength(2);
        const heals = await Promise.all(leaders.map((nodeId) => run.cluster.inject({ kind: 'sigkill', nodeId } satisfies Fault)));
        await new Promise((resolve) => setTimeout(resolve, SESSION_TIMEOUT_MS * 2));
        for (const heal of heals) await heal();
        await partitionsWhere(run, (p) => p.leader >= 0 && p.isr.length === 3, 'every partition led with its three replicas in sync again');
        await run.acksOnEveryPartition(30_000);
      }),
    );
    expectNoAnomalies(result);
    const [first, second] = result.history.faults;
    expect(Math.abs(second!.startedAt - first!.startedAt)).toBeLessThan(100);
    expect(result.history.replicas).toHaveLength(9);
    for (const replica of result.history.replicas) expect(replica.batches.length, `${replica.partition}@${replica.nodeId}`).toBeGreaterThan(0);
  }, 240_000);
});

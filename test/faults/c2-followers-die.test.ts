// C2 of the fault harness (issue 15), short form: the followers of an RF 3, min.insync.replicas=2 partition
// SIGKILLed one by one under the idempotent acks=all load. The broker session (8 s) outlasts
// replica.lag.time.max.ms (2 s), so it is the leader's lag rule, not the controller's fencing, that shrinks
// the ISR. At ISR 1 acks=all is refused with NOT_ENOUGH_REPLICAS and nothing sent from then on is
// acknowledged; a follower started again over a throttled link rejoins the ISR only once its log has what
// the leader had, and the replicas end identical up to the high watermark.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Fault } from '../../bench/faults/fault-cluster.js';
import { runScenario, type ScenarioRun } from '../../bench/faults/scenario.js';
import { pollUntil } from '../../bench/lib/poll.js';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { requireBuild } from '../cli/cli-process.js';
import { etcdMissing } from '../support/etcd.js';
import { expectNoAnomalies, partitionsWhere, replicaLogEnd, replicated } from './replicated-scenario.js';

const LAG_TIME_MS = 2_000;
const SESSION_TIMEOUT_MS = 8_000;
/** The leader's link to its followers while the first one catches up: seconds for what it missed. */
const CATCH_UP_BYTES_PER_SECOND = 4 * 1024;

/** The ISR changes broker `nodeId` wrote as leader (its log's 'changing the ISR' lines). */
function isrChangesBy(run: ScenarioRun, nodeId: number): number[][] {
  return readFileSync(run.cluster.cluster.broker(nodeId).logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"changing the ISR"'))
    .map((line) => (JSON.parse(line) as { to: number[] }).to);
}

async function produceOne(bootstrap: string, topic: string): Promise<number> {
  const client = await RawClient.connect(bootstrap);
  try {
    const response = await client.request(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: native.buildRecordBatch({ values: [Buffer.from('c2-probe')] }) }] }],
    });
    return response.responses[0].partitionResponses[0].errorCode;
  } finally {
    client.close();
  }
}

describe.skipIf(etcdMissing !== undefined)('C2: followers die one by one', () => {
  it('shrinks the ISR after the lag time, refuses acks=all at ISR 1, and takes a follower back only once caught up', async () => {
    requireBuild();
    let refusedAtIsrOne: number | undefined;
    let window = { from: 0, until: 0 };
    const result = await runScenario(
      replicated(
        async (run) => {
          const [state] = await partitionsWhere(run, (p) => p.leader >= 0 && p.isr.length === 3, 'the partition led with its three replicas in sync');
          const leader = state!.leader;
          const [first, second] = state!.replicas.filter((id) => id !== leader) as [number, number];
          const sorted = (ids: number[]): number[] => ids.sort((a, b) => a - b);
          const isrOf = async (): Promise<readonly number[]> => (await run.partitionStates(leader))[0]!.isr;
          const isrBecomes = (isr: number[], what: string): Promise<void> =>
            pollUntil(async () => (await isrOf()).join() === sorted([...isr]).join(), what, { timeoutMs: 30_000, intervalMs: 50 });

          const healFirst = await run.cluster.inject({ kind: 'sigkill', nodeId: first });
          await isrBecomes([leader, second], `the ISR to shrink to ${leader},${second}`);
          expect(isrChangesBy(run, leader)).toContainEqual(sorted([leader, second]));
          // Writes go on at ISR 2, which the first follower will have to catch up on.
          await new Promise((resolve) => setTimeout(resolve, LAG_TIME_MS));
          await run.acksOnEveryPartition(30_000);

          const healSecond = await run.cluster.inject({ kind: 'sigkill', nodeId: second });
          await isrBecomes([leader], `the ISR to shrink to ${leader}`);
          window = { ...window, from: run.clock.now() };
          expect(isrChangesBy(run, leader)).toContainEqual([leader]);
          refusedAtIsrOne = await produceOne(run.cluster.cluster.broker(leader).bootstrap, run.topic);
          // The producers keep trying at ISR 1 for a while: all of it must be refused.
          await new Promise((resolve) => setTimeout(resolve, LAG_TIME_MS));

          const leaderEnd = replicaLogEnd(run, leader);
          const slow: Fault = { kind: 'link', nodeId: leader, link: 'inter-broker', fault: { kind: 'slow', bytesPerSecond: CATCH_UP_BYTES_PER_SECOND } };
          const unthrottle = await run.cluster.inject(slow);
          window = { ...window, until: run.clock.now() };
          const endAtRestart = replicaLogEnd(run, first);
          expect(endAtRestart, `broker ${first} is behind the leader when it starts again`).toBeLessThan(leaderEnd);
          // Watched from the moment it starts: whenever the leader lists it in the ISR, its log must have caught up.
          const restarted = healFirst();
          await pollUntil(
            async () => {
              const inSync = (await isrOf()).includes(first);
              const end = replicaLogEnd(run, first);
              if (inSync)
                expect(end, `broker ${first} in the ISR with its log ending at ${end}, the leader's at ${leaderEnd}`).toBeGreaterThanOrEqual(leaderEnd);
              return inSync;
            },
            `broker ${first} back in the ISR`,
            { timeoutMs: 60_000, intervalMs: 50 },
          );
          await restarted;
          await unthrottle();
          await healSecond();
          await isrBecomes([leader, first, second], 'all three replicas back in the ISR');
          await run.acksOnEveryPartition(30_000);
        },
        { partitions: 1, sessionTimeoutMs: SESSION_TIMEOUT_MS, settings: () => ({ 'replica.lag.time.max.ms': LAG_TIME_MS }) },
      ),
    );
    expectNoAnomalies(result);
    expect(refusedAtIsrOne).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    const sentAtIsrOne = result.history.attempts.filter((a) => a.sentAt > window.from && a.sentAt < window.until);
    expect(sentAtIsrOne.length).toBeGreaterThan(0);
    expect(sentAtIsrOne.filter((a) => a.outcome === 'acked' && a.doneAt < window.until)).toEqual([]);
  }, 240_000);
});

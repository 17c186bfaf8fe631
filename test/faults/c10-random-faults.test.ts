// C10 of the fault harness (issue 15), short form: under the idempotent acks=all load on an RF 3,
// min.insync.replicas=2 topic, a full disk on a leader's broker first (each broker's log dir is a small
// tmpfs: mounting needs root, elsewhere the disk-full fault is left out, saying why), then random faults
// from a seeded schedule (SIGKILL, SIGTERM, SIGSTOP, partition, etcd restart, disk full) a few seconds
// apart. The seed is printed; C10_SEED=<seed> replays a run. The pass figure: every anomaly count 0.
import { describe, expect, it } from 'vitest';
import { injectRandomFaults } from '../../bench/faults/random-faults.js';
import { runScenario } from '../../bench/faults/scenario.js';
import { mountRefusal } from '../../bench/faults/small-disk.js';
import { requireBuild } from '../cli/cli-process.js';
import { etcdMissing } from '../support/etcd.js';
import { expectNoAnomalies, partitionsWhere, replicated } from './replicated-scenario.js';

const seed = Number(process.env.C10_SEED ?? Date.now() % 2 ** 31);
const RANDOM_FAULTS = 4;
const DISK_BYTES = 128 * 2 ** 20;
const DISK_FULL_MS = 3_000;

const refusal = etcdMissing === undefined ? mountRefusal() : undefined;
if (refusal !== undefined) console.warn(`C10 runs without the disk-full fault: cannot mount a tmpfs (${refusal})`);

describe.skipIf(etcdMissing !== undefined)('C10: random faults', () => {
  it(`a full disk, then ${RANDOM_FAULTS} seeded random faults a few seconds apart: every anomaly count 0`, async () => {
    requireBuild();
    console.log(`C10 seed ${seed} (C10_SEED=${seed} replays it)`);
    const injected: string[] = [];
    const result = await runScenario(
      replicated(
        async (run) => {
          if (refusal === undefined) {
            const [state] = await partitionsWhere(run, (p) => p.leader >= 0 && p.isr.length === 3, 'every partition led with its three replicas in sync');
            await run.fault({ kind: 'disk-full', nodeId: state!.leader }, DISK_FULL_MS);
            injected.push(`disk-full broker ${state!.leader}`);
          }
          await injectRandomFaults(run, {
            seed,
            brokers: 3,
            diskFull: refusal === undefined,
            until: Number.POSITIVE_INFINITY,
            maxFaults: RANDOM_FAULTS,
            pauseMs: [2_000, 4_000],
            log: (fault) => injected.push(fault),
          });
        },
        { diskBytes: refusal === undefined ? DISK_BYTES : undefined, recoveryTimeoutMs: 30_000 },
      ),
    );
    console.log(`C10 faults: ${injected.join('; ')}; report: ${JSON.stringify({ ...result.report, examples: undefined })}`);
    expectNoAnomalies(result);
    expect(result.history.faults).toHaveLength(RANDOM_FAULTS + (refusal === undefined ? 1 : 0));
  }, 240_000);
});

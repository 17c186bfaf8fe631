/**
 * The C10 fault schedule: a seeded generator (a run is repeatable from the seed in its report) drawing a
 * random fault after each pause (5-10 s by default) (SIGKILL, SIGTERM, SIGSTOP, a partition from etcd and the other brokers, an etcd
 * restart, and a full disk where the brokers have small disks), each held a few seconds then healed.
 */
import type { Fault } from './fault-cluster.js';
import type { ScenarioRun } from './scenario.js';

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomFaultsOptions {
  readonly seed: number;
  readonly brokers: number;
  /** The brokers have small disks (the cluster's `diskBytes`): disk-full is one of the faults. */
  readonly diskFull: boolean;
  /** Faults start until this time (Date.now() clock). */
  readonly until: number;
  /** The pause before each fault, drawn between these (default 5-10 s, the issue's C10). */
  readonly pauseMs?: readonly [number, number];
  /** At most this many faults (default: as many as fit). */
  readonly maxFaults?: number;
  /** Told each fault as it is injected. */
  readonly log?: (message: string) => void;
}

/** Injects random faults through `run` until the deadline, one at a time after a pause; resolves with how many. */
export async function injectRandomFaults(run: ScenarioRun, options: RandomFaultsOptions): Promise<number> {
  const next = seededRandom(options.seed);
  const between = (min: number, max: number): number => Math.round(min + next() * (max - min));
  const anyBroker = (): number => between(1, options.brokers);
  const kinds: (() => { fault: Fault; holdMs: number })[] = [
    () => ({ fault: { kind: 'sigkill', nodeId: anyBroker() }, holdMs: between(500, 5_000) }),
    () => ({ fault: { kind: 'sigterm', nodeId: anyBroker() }, holdMs: between(500, 3_000) }),
    () => ({ fault: { kind: 'sigstop', nodeId: anyBroker() }, holdMs: between(1_000, 10_000) }),
    () => ({ fault: { kind: 'partition', nodeId: anyBroker() }, holdMs: between(1_000, 8_000) }),
    () => ({ fault: { kind: 'etcd-restart' }, holdMs: between(500, 3_000) }),
    ...(options.diskFull ? [() => ({ fault: { kind: 'disk-full', nodeId: anyBroker() } as Fault, holdMs: between(1_000, 8_000) })] : []),
  ];
  let injected = 0;
  while (Date.now() < options.until && injected < (options.maxFaults ?? Infinity)) {
    await new Promise((resolve) => setTimeout(resolve, between(...(options.pauseMs ?? [5_000, 10_000]))));
    if (Date.now() >= options.until) break;
    const { fault, holdMs } = kinds[Math.floor(next() * kinds.length)]!();
    options.log?.(`${fault.kind}${'nodeId' in fault ? ` broker ${fault.nodeId}` : ''} for ${holdMs} ms`);
    await run.fault(fault, holdMs);
    injected++;
  }
  return injected;
}

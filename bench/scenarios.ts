/**
 * The scenarios: the standard suite (issue 5, under 20 minutes for two targets), the opt-in full
 * matrix and soak, and the quick suite `npm test` runs to keep the harness working. Client settings
 * are shared by every target; only the broker changes.
 */
import type { SecuredProtocol } from './lib/security.js';

export type ScenarioKind = 'produce' | 'consume' | 'e2e';

export interface Scenario {
  id: string;
  title: string;
  kind: ScenarioKind;
  recordSize: number;
  partitions: number;
  acks: '0' | '1' | 'all';
  compression: 'none' | 'lz4' | 'zstd';
  /** Load generator connections (native) / producers. */
  connections: number;
  /** End-to-end only: the rate as a fraction of the lowest of the targets' maxima measured in scenario `rateOf`... */
  rateFraction?: number;
  rateOf?: string;
  /** ...or a fixed rate in records/s. */
  fixedRate?: number;
  /** The Node client runs only where named (it is the slowest client and adds minutes). */
  nodeClient?: boolean;
  /** The TCP sinks (ceilings) are measured only where named. */
  ceiling?: boolean;
  /** Also measured against gregor with its flush-on-ack default (acks=all). */
  flushOnAckLine?: boolean;
  /** Replicas of each partition (default 1); measured only on targets with at least as many brokers. */
  replicationFactor?: number;
  /** The topic's `min.insync.replicas` (default: the broker's). */
  minInsyncReplicas?: number;
  /** Measured over this listener instead of PLAINTEXT (by the Java tools only: the native load generator speaks neither TLS nor SASL). */
  security?: SecuredProtocol;
  /** Another scenario of the suite this one is reported against, as a ratio per target (e.g. RF 3 against RF 1). */
  comparedWith?: string;
}

export interface Timing {
  warmupSeconds: number;
  durationSeconds: number;
  repeats: number;
  /** Bytes written before a consume scenario reads them back. */
  consumeBytes: number;
  /** Seconds of the scenario's load on a new topic before its first repeat, not measured. */
  settleSeconds: number;
}

export interface Suite {
  name: string;
  scenarios: Scenario[];
  timing: Timing;
  /** The targets it runs when --targets is not given (default: the single-broker ones). */
  targets?: string[];
}

const KiB = 1024;

const produce = (id: string, title: string, recordSize: number, partitions: number, more: Partial<Scenario> = {}): Scenario => ({
  id,
  title,
  kind: 'produce',
  recordSize,
  partitions,
  acks: '1',
  compression: 'none',
  connections: partitions >= 16 ? 2 : 1,
  ...more,
});

export const STANDARD: Suite = {
  name: 'standard',
  timing: { warmupSeconds: 2, durationSeconds: 5, repeats: 3, consumeBytes: 1 << 30, settleSeconds: 3 },
  scenarios: [
    produce('produce-1k-1p', 'produce 1 KiB × 1 partition, acks=1', KiB, 1, { nodeClient: true, ceiling: true }),
    produce('produce-1k-16p', 'produce 1 KiB × 16 partitions, acks=1', KiB, 16),
    produce('produce-100b-1p', 'produce 100 B × 1 partition, acks=1', 100, 1),
    produce('produce-1k-16p-acks-all', 'produce 1 KiB × 16 partitions, acks=all', KiB, 16, { acks: 'all', flushOnAckLine: true }),
    produce('produce-1k-16p-lz4', 'produce 1 KiB × 16 partitions, lz4', KiB, 16, { compression: 'lz4' }),
    { ...produce('consume-1k-16p', 'consume 1 KiB from the page cache (16 partitions)', KiB, 16), kind: 'consume' },
    { ...produce('e2e-1k-1p-50pct', 'end-to-end latency, 1 KiB × 1 partition at 50% of max', KiB, 1), kind: 'e2e', rateFraction: 0.5, rateOf: 'produce-1k-1p' },
    { ...produce('e2e-1k-1p-20k', 'end-to-end latency, 1 KiB × 1 partition at 20,000 records/s', KiB, 1), kind: 'e2e', fixedRate: 20_000 },
    produce('produce-1k-1000p', 'produce 1 KiB × 1,000 partitions, acks=1', KiB, 1000, { connections: 4 }),
  ],
};

export const QUICK: Suite = {
  name: 'quick',
  timing: { warmupSeconds: 0.5, durationSeconds: 1.5, repeats: 1, consumeBytes: 8 << 20, settleSeconds: 0.5 },
  scenarios: [
    produce('produce-1k-4p', 'produce 1 KiB × 4 partitions, acks=1', KiB, 4, { nodeClient: true, ceiling: true }),
    { ...produce('consume-1k-4p', 'consume 1 KiB from the page cache (4 partitions)', KiB, 4), kind: 'consume' },
    { ...produce('e2e-1k-1p-fixed', 'end-to-end latency, 1 KiB × 1 partition at 2,000 records/s', KiB, 1), kind: 'e2e', fixedRate: 2000 },
  ],
};

/** Every combination of issue 5's matrix (opt-in: hours on a 2-core machine). */
function fullMatrix(): Scenario[] {
  const out: Scenario[] = [];
  for (const recordSize of [100, KiB, 16 * KiB])
    for (const partitions of [1, 16, 1000])
      for (const acks of ['0', '1', 'all'] as const)
        for (const compression of ['none', 'lz4', 'zstd'] as const)
          for (const connections of [1, 50]) {
            const id = `produce-${recordSize}b-${partitions}p-acks${acks}-${compression}-${connections}c`;
            out.push(
              produce(
                id,
                `produce ${recordSize} B × ${partitions} partitions, acks=${acks}, ${compression}, ${connections} connections`,
                recordSize,
                partitions,
                { acks, compression, connections, flushOnAckLine: acks === 'all' },
              ),
            );
          }
  for (const recordSize of [100, KiB, 16 * KiB])
    out.push({ ...produce(`consume-${recordSize}b-16p`, `consume ${recordSize} B (16 partitions)`, recordSize, 16), kind: 'consume' });
  for (const pct of [10, 50, 90])
    out.push({
      ...produce(`e2e-1k-1p-${pct}pct`, `end-to-end latency, 1 KiB × 1 partition at ${pct}% of max`, KiB, 1),
      kind: 'e2e',
      rateFraction: pct / 100,
      rateOf: 'produce-1024b-1p-acks1-none-1c',
    });
  return out;
}

export const FULL: Suite = {
  name: 'full',
  timing: { warmupSeconds: 5, durationSeconds: 20, repeats: 3, consumeBytes: 4 << 30, settleSeconds: 20 },
  scenarios: fullMatrix(),
};

/** A bounded soak: sustained produce and end-to-end latency for a fixed time, one repeat. */
export const SOAK: Suite = {
  name: 'soak',
  timing: { warmupSeconds: 10, durationSeconds: 600, repeats: 1, consumeBytes: 0, settleSeconds: 10 },
  scenarios: [
    produce('soak-produce-1k-16p', 'soak: produce 1 KiB × 16 partitions, acks=1, 10 minutes', KiB, 16),
    {
      ...produce('soak-e2e-1k-1p', 'soak: end-to-end latency at 50% of max, 10 minutes', KiB, 1),
      kind: 'e2e',
      rateFraction: 0.5,
      rateOf: 'soak-produce-1k-16p',
    },
  ],
};

/**
 * Three brokers (issue 15): RF 3 with min.insync.replicas 2 and acks=all, gregor's cluster against Kafka's, and
 * RF 1 on the same clusters in the same run, which gives the cost of replication on each.
 */
export const CLUSTER: Suite = {
  name: 'cluster',
  targets: ['kafka-cluster', 'gregor-cluster'],
  timing: { warmupSeconds: 2, durationSeconds: 5, repeats: 3, consumeBytes: 0, settleSeconds: 3 },
  scenarios: [
    produce('cluster-produce-1k-16p-rf3', 'three brokers: produce 1 KiB × 16 partitions, RF 3, min.insync.replicas 2, acks=all', KiB, 16, {
      acks: 'all',
      replicationFactor: 3,
      minInsyncReplicas: 2,
      comparedWith: 'cluster-produce-1k-16p-rf1',
    }),
    produce('cluster-produce-1k-16p-rf1', 'three brokers: produce 1 KiB × 16 partitions, RF 1, acks=all', KiB, 16, { acks: 'all', replicationFactor: 1 }),
  ],
};

/**
 * Produce and consume over TLS and SASL_SSL (PLAIN) against PLAINTEXT (issue 16), gregor and Kafka with the same
 * listeners and the same Java tools (run it with --tools java: the native load generator speaks neither).
 */
function securityScenarios(): Scenario[] {
  const out: Scenario[] = [];
  for (const kind of ['produce', 'consume'] as const)
    for (const security of [undefined, 'SSL', 'SASL_SSL'] as const) {
      const listener = security ?? 'PLAINTEXT';
      const id = `${kind}-1k-16p-${listener.toLowerCase().replace('_', '-')}`;
      const title = `${kind} 1 KiB × 16 partitions over ${listener}${kind === 'produce' ? ', acks=1' : ''}`;
      out.push({
        ...produce(id, title, KiB, 16),
        kind,
        ...(security ? { security, comparedWith: `${kind}-1k-16p-plaintext` } : {}),
      });
    }
  return out;
}

export const SECURITY: Suite = {
  name: 'security',
  targets: ['kafka', 'gregor'],
  timing: { warmupSeconds: 2, durationSeconds: 10, repeats: 1, consumeBytes: 512 << 20, settleSeconds: 3 },
  scenarios: securityScenarios(),
};

export const SUITES: Record<string, Suite> = { standard: STANDARD, quick: QUICK, full: FULL, soak: SOAK, cluster: CLUSTER, security: SECURITY };

/**
 * The suite's scenarios named in `ids`, with those they take their rate from (an e2e point at a fraction
 * of the maximum needs that maximum measured first), in the suite's order.
 */
export function selectScenarios(suite: Suite, ids: readonly string[]): Scenario[] {
  const known = new Set(suite.scenarios.map((s) => s.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new Error(`not in the ${suite.name} suite: ${unknown.join(', ')}`);
  const wanted = new Set(ids);
  for (const s of suite.scenarios) if (wanted.has(s.id) && s.rateOf !== undefined) wanted.add(s.rateOf);
  return suite.scenarios.filter((s) => wanted.has(s.id));
}

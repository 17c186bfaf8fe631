/**
 * The consumer-group view of a fault run (C8): acknowledged records the group never consumed, committed
 * offsets that went back (an observation below an earlier one of the same partition: a commit lost in a
 * coordinator's failover) and committed offsets beyond the partition's high watermark.
 */
import type { ConsumedRecord, ProduceAttempt } from './history.js';
import { recordValue } from './history.js';
import type { CommitObservation } from './group-workload.js';

export interface GroupHistory {
  readonly attempts: readonly ProduceAttempt[];
  /** What the group's members consumed. */
  readonly consumed: readonly ConsumedRecord[];
  readonly commits: readonly CommitObservation[];
  readonly highWatermarks: ReadonlyMap<number, number>;
}

type GroupAnomaly = 'unconsumed' | 'commitRegressions' | 'commitsAboveHighWatermark';

export interface GroupReport extends Readonly<Record<GroupAnomaly, number>> {
  readonly acked: number;
  /** Distinct values the group consumed. */
  readonly consumed: number;
  readonly commitObservations: number;
  /** Up to ten instances of each anomaly. */
  readonly examples: Readonly<Record<GroupAnomaly, readonly string[]>>;
  readonly ok: boolean;
}

const EXAMPLES = 10;

export function checkGroup(history: GroupHistory): GroupReport {
  const examples: Record<GroupAnomaly, string[]> = { unconsumed: [], commitRegressions: [], commitsAboveHighWatermark: [] };
  const counts: Record<GroupAnomaly, number> = { unconsumed: 0, commitRegressions: 0, commitsAboveHighWatermark: 0 };
  const add = (anomaly: GroupAnomaly, example: string): void => {
    counts[anomaly]++;
    if (examples[anomaly].length < EXAMPLES) examples[anomaly].push(example);
  };
  const seen = new Set(history.consumed.map((r) => r.value));
  const acked = history.attempts.filter((a) => a.outcome === 'acked');
  for (const attempt of acked) {
    const value = recordValue(attempt.producer, attempt.sequence);
    if (!seen.has(value)) add('unconsumed', `${value} acked at ${attempt.partition}@${attempt.offset ?? '?'}`);
  }
  const highest = new Map<number, CommitObservation>();
  for (const commit of [...history.commits].sort((a, b) => a.at - b.at)) {
    const before = highest.get(commit.partition);
    if (before && commit.offset < before.offset) {
      add('commitRegressions', `partition ${commit.partition}: ${commit.offset} at ${commit.at} ms after ${before.offset} at ${before.at} ms`);
    }
    if (!before || commit.offset > before.offset) highest.set(commit.partition, commit);
    const highWatermark = history.highWatermarks.get(commit.partition);
    if (highWatermark === undefined || commit.offset > highWatermark) {
      add('commitsAboveHighWatermark', `partition ${commit.partition}: ${commit.offset} at ${commit.at} ms, high watermark ${highWatermark ?? 'unknown'}`);
    }
  }
  return {
    ...counts,
    acked: acked.length,
    consumed: seen.size,
    commitObservations: history.commits.length,
    examples,
    ok: Object.values(counts).every((count) => count === 0),
  };
}

// The checker on synthetic histories: a clean history reports zero anomalies, and each anomaly (lost,
// duplicated, reordered, inconsistent offsets, divergent replicas) is detected on its own.
import { describe, expect, it } from 'vitest';
import { check } from '../../bench/faults/checker.js';
import type { ConsumedRecord, History, ProduceAttempt, ReplicaLog } from '../../bench/faults/history.js';

const TOPIC = 'events';

/** Producer p wrote sequences 0..n-1 to partition 0 at offsets 0..n-1, one every 10 ms, all acked. */
function cleanHistory(n = 5): { attempts: ProduceAttempt[]; consumed: ConsumedRecord[] } {
  const attempts = Array.from({ length: n }, (_, i) => ({
    producer: 'p',
    sequence: i,
    topic: TOPIC,
    partition: 0,
    outcome: 'acked' as const,
    offset: i,
    sentAt: i * 10,
    doneAt: i * 10 + 5,
  }));
  const consumed = attempts.map((a) => ({ topic: TOPIC, partition: 0, offset: a.offset, value: `p:${a.sequence}` }));
  return { attempts, consumed };
}

function history(overrides: Partial<History> = {}): History {
  return { ...cleanHistory(), replicas: [], faults: [], endedAt: 100, ...overrides };
}

function replica(nodeId: number, batches: [number, string][], highWatermark = 4): ReplicaLog {
  return { nodeId, topic: TOPIC, partition: 0, highWatermark, batches: batches.map(([offset, bytes]) => ({ baseOffset: offset, lastOffset: offset, bytes })) };
}

const ANOMALIES = ['lost', 'duplicated', 'reordered', 'inconsistentOffsets', 'divergentReplicas'] as const;

function onlyAnomaly(report: ReturnType<typeof check>, anomaly: (typeof ANOMALIES)[number], count: number): void {
  for (const name of ANOMALIES) expect(report[name], name).toBe(name === anomaly ? count : 0);
  expect(report.examples[anomaly]).toHaveLength(count);
  expect(report.ok).toBe(false);
}

describe('the checker', () => {
  it('reports zeros for a clean history, with identical replicas and a failed attempt never read', () => {
    const clean = cleanHistory();
    const failed: ProduceAttempt = {
      producer: 'p',
      sequence: 5,
      topic: TOPIC,
      partition: 0,
      outcome: 'failed',
      error: 'REQUEST_TIMED_OUT',
      sentAt: 50,
      doneAt: 80,
    };
    const batches: [number, string][] = [
      [0, 'aa'],
      [1, 'bb'],
    ];
    const report = check(history({ attempts: [...clean.attempts, failed], replicas: [replica(1, batches), replica(2, batches)] }));
    expect(report).toMatchObject({ attempted: 6, acked: 5, failed: 1, consumed: 5, ok: true });
    for (const name of ANOMALIES) expect(report[name]).toBe(0);
  });

  it('counts a failed attempt that was written anyway as neither lost nor duplicated', () => {
    const clean = cleanHistory();
    const written: ProduceAttempt = { producer: 'p', sequence: 5, topic: TOPIC, partition: 0, outcome: 'failed', sentAt: 50, doneAt: 80 };
    const report = check(
      history({ attempts: [...clean.attempts, written], consumed: [...clean.consumed, { topic: TOPIC, partition: 0, offset: 5, value: 'p:5' }] }),
    );
    expect(report.ok).toBe(true);
  });

  it('detects an acked record that is never read back as lost', () => {
    const clean = cleanHistory();
    onlyAnomaly(check(history({ consumed: clean.consumed.filter((r) => r.offset !== 2) })), 'lost', 1);
  });

  it('detects a record read at two offsets as duplicated', () => {
    const clean = cleanHistory();
    const report = check(history({ consumed: [...clean.consumed, { topic: TOPIC, partition: 0, offset: 5, value: 'p:4' }] }));
    onlyAnomaly(report, 'duplicated', 1);
  });

  it("detects a producer's records out of sequence order within a partition as reordered", () => {
    const clean = cleanHistory();
    const swapped = clean.consumed.map((r) => (r.offset === 1 ? { ...r, value: 'p:2' } : r.offset === 2 ? { ...r, value: 'p:1' } : r));
    const attempts = clean.attempts.map((a) => (a.sequence === 1 ? { ...a, offset: 2 } : a.sequence === 2 ? { ...a, offset: 1 } : a));
    onlyAnomaly(check(history({ attempts, consumed: swapped })), 'reordered', 1);
  });

  it('detects two values read at one offset, and an acked offset holding another record, as inconsistent offsets', () => {
    const clean = cleanHistory();
    const twoValues = check(history({ consumed: [...clean.consumed, { topic: TOPIC, partition: 0, offset: 3, value: 'q:0', reader: 'replica 2' }] }));
    onlyAnomaly(twoValues, 'inconsistentOffsets', 1);
    const misplaced = clean.attempts.map((a) => (a.sequence === 3 ? { ...a, offset: 7 } : a));
    onlyAnomaly(check(history({ attempts: misplaced })), 'inconsistentOffsets', 1);
  });

  it('detects replicas whose batches differ below the high watermark as divergent, and ignores what lies above it', () => {
    const leader = replica(1, [
      [0, 'aa'],
      [1, 'bb'],
      [5, 'ee'],
    ]);
    const diverged = replica(2, [
      [0, 'aa'],
      [1, 'cc'],
    ]);
    onlyAnomaly(check(history({ replicas: [leader, diverged] })), 'divergentReplicas', 1);
    const behind = replica(3, [
      [0, 'aa'],
      [1, 'bb'],
      [5, 'ff'],
    ]);
    expect(check(history({ replicas: [leader, behind] })).divergentReplicas).toBe(0);
    const missing = replica(4, [[0, 'aa']]);
    expect(check(history({ replicas: [leader, missing] })).divergentReplicas).toBe(1);
  });

  it('measures the write gap of each fault and summarises it per kind', () => {
    // Acks every 10 ms on partition 0 except between 100 and 900 ms; a second kill between 1,000 and 1,300 ms.
    const times = [0, 50, 100, 900, 950, 1000, 1300, 1400];
    const attempts: ProduceAttempt[] = times.map((t, i) => ({
      producer: 'p',
      sequence: i,
      topic: TOPIC,
      partition: 0,
      outcome: 'acked',
      offset: i,
      sentAt: t,
      doneAt: t,
    }));
    const consumed = attempts.map((a) => ({ topic: TOPIC, partition: 0, offset: a.offset!, value: `p:${a.sequence}` }));
    const report = check({
      attempts,
      consumed,
      replicas: [],
      faults: [
        { kind: 'sigkill', startedAt: 120, healedAt: 500 },
        { kind: 'sigkill', startedAt: 1010, healedAt: 1100 },
        { kind: 'etcd-restart', startedAt: 1350, healedAt: 1360 },
      ],
      endedAt: 2000,
    });
    expect(report.unavailability.sigkill).toEqual({ faults: 2, p50Ms: 550, maxMs: 800 });
    // No ack after 1,400 ms: the gap runs to the end of the run.
    expect(report.unavailability['etcd-restart']).toEqual({ faults: 1, p50Ms: 600, maxMs: 600 });
    expect(report.ok).toBe(true);
  });
});

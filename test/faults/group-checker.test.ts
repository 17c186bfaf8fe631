// The group checker (C8) on synthetic histories: a clean one reports nothing, and an acknowledged record the
// group never consumed, a committed offset that went back and one past the high watermark are each found.
import { describe, expect, it } from 'vitest';
import { type GroupHistory, checkGroup } from '../../bench/faults/group-checker.js';

/** Producer p acked sequences 0..3 at offsets 0..3 of partition 0; the group read them all and committed 2, then 4. */
function clean(overrides: Partial<GroupHistory> = {}): GroupHistory {
  const attempts = Array.from({ length: 4 }, (_, i) => ({
    producer: 'p',
    sequence: i,
    topic: 't',
    partition: 0,
    outcome: 'acked' as const,
    offset: i,
    sentAt: i,
    doneAt: i + 1,
  }));
  return {
    attempts,
    consumed: attempts.map((a) => ({ topic: 't', partition: 0, offset: a.offset, value: `p:${a.sequence}`, reader: 'member-0' })),
    commits: [
      { partition: 0, offset: 2, at: 10 },
      { partition: 0, offset: 4, at: 20 },
    ],
    highWatermarks: new Map([[0, 4]]),
    ...overrides,
  };
}

describe('the group checker', () => {
  it('reports nothing for a clean history', () => {
    const report = checkGroup(clean());
    expect(report).toMatchObject({ acked: 4, consumed: 4, commitObservations: 2, unconsumed: 0, commitRegressions: 0, commitsAboveHighWatermark: 0, ok: true });
  });

  it('finds an acknowledged record the group never consumed', () => {
    const history = clean();
    const report = checkGroup({ ...history, consumed: history.consumed.slice(1) });
    expect(report.unconsumed).toBe(1);
    expect(report.examples.unconsumed).toEqual(['p:0 acked at 0@0']);
    expect(report.ok).toBe(false);
  });

  it('finds a committed offset that went back, whatever order the observations were recorded in', () => {
    const report = checkGroup(
      clean({
        commits: [
          { partition: 0, offset: 1, at: 30 },
          { partition: 0, offset: 3, at: 10 },
        ],
      }),
    );
    expect(report.commitRegressions).toBe(1);
    expect(report.commitsAboveHighWatermark).toBe(0);
    expect(report.ok).toBe(false);
  });

  it('finds a committed offset past the high watermark', () => {
    const report = checkGroup(clean({ commits: [{ partition: 0, offset: 5, at: 10 }] }));
    expect(report.commitsAboveHighWatermark).toBe(1);
    expect(report.commitRegressions).toBe(0);
  });
});

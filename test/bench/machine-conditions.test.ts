// The harness's record of the machine around each point: steal from two /proc/stat readings, and the
// page-cache probe's write of a new file, which must leave nothing behind.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pageCacheProbe, stealPercentBetween, stealSampler } from '../../bench/lib/machine-conditions.js';

const stat = (user: number, idle: number, steal: number) => `cpu  ${user} 0 0 ${idle} 0 0 0 ${steal} 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 12345\n`;

describe('steal', () => {
  it('is the steal ticks over all ticks counted between the two readings of the aggregate cpu line', () => {
    expect(stealPercentBetween(stat(100, 800, 100), stat(160, 1100, 140))).toBeCloseTo((100 * 40) / 400);
    expect(stealPercentBetween(stat(100, 800, 0), stat(200, 900, 0))).toBe(0);
  });

  it('is unknown without a cpu line or when no time passed', () => {
    expect(stealPercentBetween('', stat(1, 1, 1))).toBeNull();
    expect(stealPercentBetween(stat(5, 5, 5), stat(5, 5, 5))).toBeNull();
  });

  it('is sampled from the start of a point to its end, unknown where /proc/stat cannot be read', () => {
    const readings = [stat(0, 90, 10), stat(0, 180, 20)];
    expect(stealSampler(() => readings.shift()!).stop()).toBeCloseTo(10);
    expect(
      stealSampler(() => {
        throw new Error('no /proc');
      }).stop(),
    ).toBeNull();
  });
});

describe('page-cache probe', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports a write rate and removes its file', () => {
    dir = mkdtempSync(join(tmpdir(), 'gregor-probe-'));
    expect(pageCacheProbe(dir, 2 << 20)).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});

// Choosing scenarios of a suite to run (`--scenarios`), and the standard suite's end-to-end points.
import { describe, expect, it } from 'vitest';
import { selectScenarios, STANDARD } from '../../bench/scenarios.js';

describe('selectScenarios', () => {
  it('keeps the named scenarios and those they take their rate from, in the suite’s order', () => {
    expect(selectScenarios(STANDARD, ['e2e-1k-1p-50pct', 'produce-100b-1p']).map((s) => s.id)).toEqual(['produce-1k-1p', 'produce-100b-1p', 'e2e-1k-1p-50pct']);
    expect(selectScenarios(STANDARD, ['e2e-1k-1p-20k']).map((s) => s.id)).toEqual(['e2e-1k-1p-20k']);
  });

  it('refuses an id the suite does not have', () => {
    expect(() => selectScenarios(STANDARD, ['e2e-1k-1p-20k', 'nope'])).toThrow(/not in the standard suite: nope/);
  });

  it('has an end-to-end point at a fixed 20,000 records/s of 1 KiB on one partition', () => {
    expect(STANDARD.scenarios.find((s) => s.id === 'e2e-1k-1p-20k')).toMatchObject({ kind: 'e2e', fixedRate: 20_000, recordSize: 1024, partitions: 1 });
  });
});

/** Writes a run's results: results.json, summary.md and the SVG charts into one directory. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SuiteRun } from '../runner.js';
import { aggregate, isNative, resultsDocument } from './aggregate.js';
import { comparisonBars, latencyPercentiles, throughputOverTime } from './charts.js';
import { markdownReport } from './markdown.js';

export function writeResults(run: SuiteRun, outDir: string, command: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const points = aggregate(run);
  const files: [string, string][] = [
    ['results.json', `${JSON.stringify(resultsDocument(run), null, 2)}\n`],
    ['summary.md', markdownReport(run, points, command)],
    ['throughput.svg', comparisonBars(`${run.suite} suite: throughput by target (native load generator; embedded: in-process)`, points.filter(isNative))],
  ];
  const scenarios = (run.parameters.scenarios ?? []) as { id: string; title: string; recordSize: number }[];
  for (const s of scenarios) {
    const native = points.filter((p) => p.workload === s.id && isNative(p) && p.ok);
    if (native.some((p) => p.publishRate.length > 0))
      files.push([`${s.id}-throughput.svg`, throughputOverTime(`${s.title}: throughput over time`, native, s.recordSize)]);
    const kinds = [...new Set(native.filter((p) => p.quantiles.length > 0).map((p) => p.latencyKind))].join(' / ');
    if (kinds) files.push([`${s.id}-latency.svg`, latencyPercentiles(`${s.title}: latency percentiles`, native, kinds)]);
  }
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  return files.map(([name]) => join(outDir, name));
}

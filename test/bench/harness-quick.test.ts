/**
 * Keeps the benchmark harness working: runs the quick suite (tiny sizes) against Apache Kafka, gregor
 * and gregor embedded and checks the output is complete and well-formed — not how fast anything is.
 * Kafka is skipped, with the reason, where there is no Java or the Maven artifacts cannot be fetched;
 * gregor and embedded while they are not built or do not start (their own tests own that); a target that
 * started must have every measurement.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Measurement } from '../../bench/lib/measurement.js';
import { runSuite, type SuiteRun } from '../../bench/runner.js';
import { writeResults } from '../../bench/report/write.js';
import { QUICK } from '../../bench/scenarios.js';
import { makeTarget } from '../../bench/targets/index.js';

const work = mkdtempSync(join(os.tmpdir(), 'gregor-bench-test-'));
const out = join(work, 'results');
const log: string[] = [];
let run: SuiteRun;
let files: string[];

beforeAll(async () => {
  run = await runSuite({
    suite: QUICK,
    targets: [makeTarget('kafka'), makeTarget('gregor'), makeTarget('embedded'), makeTarget('tcp-sink')],
    loadGenerators: ['loadgen', 'java', 'node', 'embedded'],
    ...(os.cpus().length >= 2 ? { brokerCpus: '0', clientCpus: '1' } : {}),
    dataRoot: join(work, 'data'),
    log: (l) => log.push(l),
  });
  files = writeResults(run, out, 'quick test');
}, 480_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const ran = (target: string) => run.targets.find((t) => t.name === target && !t.skipped) !== undefined;

function expectWellFormed(m: Measurement): void {
  const what = `${m.scenario} ${m.target} ${m.loadGenerator}/${m.metric}`;
  expect(m.ok, `${what}: ${m.error}`).toBe(true);
  expect(m.broker!.maxRssMiB, what).toBeGreaterThan(0);
  expect(m.command.length, what).toBeGreaterThan(0);
  if (m.metric !== 'round-trip') expect(m.recordsPerSec, what).toBeGreaterThan(0);
  if (m.latency) {
    const l = m.latency;
    expect(l.p50, what).toBeLessThanOrEqual(l.p99);
    expect(l.p99, what).toBeLessThanOrEqual(l.p999);
    if (l.max !== null) expect(l.p999, what).toBeLessThanOrEqual(l.max);
  }
}

describe('benchmark harness, quick suite', () => {
  it('states every target, with a reason for each skipped one', () => {
    expect(run.targets.map((t) => t.name)).toEqual(['kafka', 'gregor', 'embedded', 'tcp-sink']);
    for (const t of run.targets) {
      if (t.skipped) console.warn(`bench target ${t.name} skipped: ${t.skipped}`);
      expect(t.skipped === undefined || t.skipped.length > 0).toBe(true);
      expect(Object.keys(t.settings).length).toBeGreaterThan(0);
    }
  });

  for (const target of ['kafka', 'gregor']) {
    it(`measures every scenario with every network load generator against ${target}`, (ctx) => {
      const info = run.targets.find((t) => t.name === target)!;
      if (info.skipped) ctx.skip(`${target}: ${info.skipped}`);
      for (const s of QUICK.scenarios) {
        const ms = run.measurements.filter((m) => m.target === target && m.scenario === s.id);
        const tools = new Set(ms.map((m) => m.loadGenerator));
        expect([...tools].sort(), s.id).toEqual(s.nodeClient ? ['java', 'loadgen', 'node'] : ['java', 'loadgen']);
        for (const m of ms) expectWellFormed(m);
        const native = ms.find((m) => m.loadGenerator === 'loadgen')!;
        expect(native.latency, `${s.id} native latency`).not.toBeNull();
        expect(native.series.length).toBeGreaterThan(0);
      }
    });
  }

  it('measures every scenario against the embedded target with its in-process load generator alone', (ctx) => {
    const info = run.targets.find((t) => t.name === 'embedded')!;
    if (info.skipped) ctx.skip(`embedded: ${info.skipped}`);
    for (const s of QUICK.scenarios) {
      const ms = run.measurements.filter((m) => m.target === 'embedded' && m.scenario === s.id);
      expect(
        ms.map((m) => `${m.loadGenerator}/${m.metric}`),
        s.id,
      ).toEqual([`embedded/${s.kind}`]);
      const m = ms[0]!;
      expectWellFormed(m);
      expect(m.series.length, `${s.id} series`).toBeGreaterThan(0);
      // Consuming in-process makes no request to time; producing and end to end do.
      if (s.kind === 'consume') expect(m.latency).toBeNull();
      else expect(m.latency?.kind, `${s.id} latency`).toBe(s.kind === 'produce' ? 'produce-send' : 'end-to-end');
    }
  });

  it('measures the load generator against the TCP sink in the ceiling scenarios only', () => {
    const sink = run.measurements.filter((m) => m.target === 'tcp-sink');
    const ceilings = QUICK.scenarios.filter((s) => s.ceiling).map((s) => s.id);
    expect(ceilings.length).toBeGreaterThan(0);
    expect([...new Set(sink.map((m) => m.scenario))]).toEqual(ceilings);
    for (const m of sink) {
      expect(m.loadGenerator).toBe('loadgen');
      expect(m.ok, m.error).toBe(true);
      expect(m.recordsPerSec).toBeGreaterThan(0);
    }
  });

  it('writes results.json in the OpenMessaging Benchmark shape, the markdown table and SVG charts', () => {
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      machine: { cores: number; cpuModel: string };
      parameters: { repeats: number };
      results: { workload: string; driver: string; aggregatedLatency99pct: number | null; throughput: unknown }[];
    };
    expect(doc.machine.cores).toBeGreaterThan(0);
    expect(doc.parameters.repeats).toBe(QUICK.timing.repeats);
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    for (const target of run.targets.filter((t) => !t.skipped).map((t) => t.name)) {
      expect(doc.results.filter((r) => r.driver === target).length).toBeGreaterThan(0);
      expect(md).toContain(`| ${target} |`);
    }
    for (const s of QUICK.scenarios) if (run.targets.some((t) => !t.skipped)) expect(md).toContain(`| ${s.id} |`);
    if (ran('embedded')) {
      // The in-process measurements share the native load generator's row, next to the other targets.
      for (const s of QUICK.scenarios) expect(md).toMatch(new RegExp(`\\| ${s.id} \\| embedded/${s.kind}(, loadgen/\\w+)? \\|`));
      if (ran('kafka')) expect(md).toContain('| embedded/Kafka throughput | embedded/Kafka p99 |');
    }
    for (const f of files.filter((f) => f.endsWith('.svg'))) {
      const svg = readFileSync(f, 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    }
    if (ran('kafka') || ran('gregor')) expect(files.filter((f) => f.endsWith('-latency.svg')).length).toBe(QUICK.scenarios.length);
  });
});

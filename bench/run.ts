#!/usr/bin/env node
/**
 * `npm run bench`: runs a benchmark suite against gregor and Apache Kafka on this machine and writes
 * results.json, summary.md and SVG charts. The harness pins itself (and so the Node client) and the
 * load generators to the client CPUs and the brokers to the broker CPUs (the embedded target's
 * process, which is its own load generator, included).
 *
 *   npm run bench -- [--suite standard|quick|full|soak|cluster] [--targets kafka,gregor,embedded] [--tools loadgen,java,node,embedded]
 *                    [--scenarios ID,...] [--repeats N] [--duration S] [--warmup S] [--out DIR] [--data-dir DIR] [--baseline DIST]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { LoadGeneratorName } from './lib/measurement.js';
import { cpuSets } from './lib/machine.js';
import { RESULTS_DIR } from './lib/paths.js';
import { pinProcess } from './lib/process.js';
import { writeResults } from './report/write.js';
import { runSuite } from './runner.js';
import { selectScenarios, SUITES } from './scenarios.js';
import { makeTarget, TARGET_NAMES, type TargetName } from './targets/index.js';

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const DEFAULT_TARGETS = 'kafka,gregor,embedded,tcp-sink,node-sink';

async function main(): Promise<void> {
  const program = new Command('bench')
    .option('--suite <name>', `one of ${Object.keys(SUITES).join(', ')}`, 'standard')
    .option('--targets <list>', `comma-separated, of ${TARGET_NAMES.join(', ')} (default: the suite's, or ${DEFAULT_TARGETS})`)
    .option(
      '--tools <list>',
      'load generators: loadgen, java, node (network clients), embedded (in-process, the embedded target only)',
      'loadgen,java,node,embedded',
    )
    .option('--scenarios <list>', 'comma-separated scenario ids of the suite (and those they take their rate from); default: all')
    .option('--repeats <n>', 'repeats per point (default: the suite’s)')
    .option('--duration <s>', 'measured seconds per point (default: the suite’s)')
    .option('--warmup <s>', 'warm-up seconds per point (default: the suite’s)')
    .option('--out <dir>', 'output directory (default bench/results/<suite>)')
    .option('--data-dir <dir>', 'parent directory for broker data (default: a temporary directory)')
    .option('--baseline <dist>', 'the dist directory of another build, measured as target gregor-baseline or gregor-cluster-baseline (a before/after pair)')
    .parse();
  const o = program.opts<{
    suite: string;
    targets?: string;
    tools: string;
    scenarios?: string;
    repeats?: string;
    duration?: string;
    warmup?: string;
    out?: string;
    dataDir?: string;
    baseline?: string;
  }>();
  const base = SUITES[o.suite];
  if (!base) throw new Error(`unknown suite ${o.suite}`);
  const timing = {
    ...base.timing,
    ...(o.repeats ? { repeats: Number(o.repeats) } : {}),
    ...(o.duration ? { durationSeconds: Number(o.duration) } : {}),
    ...(o.warmup ? { warmupSeconds: Number(o.warmup) } : {}),
  };
  const names = (o.targets ? list(o.targets) : (base.targets ?? list(DEFAULT_TARGETS))) as TargetName[];
  for (const n of names) if (!TARGET_NAMES.includes(n)) throw new Error(`unknown target ${n}`);
  const cpus = cpuSets();
  pinProcess(process.pid, cpus.clientCpus);
  const dataRoot = o.dataDir ?? mkdtempSync(join(os.tmpdir(), 'gregor-bench-'));
  const started = Date.now();
  const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);
  try {
    const run = await runSuite({
      suite: { ...base, timing, scenarios: o.scenarios ? selectScenarios(base, list(o.scenarios)) : base.scenarios },
      targets: names.filter((n) => n !== 'gregor-flush-on-ack').map((n) => makeTarget(n, o.baseline && resolve(o.baseline))),
      flushOnAckTarget: names.includes('gregor') ? makeTarget('gregor-flush-on-ack') : undefined,
      loadGenerators: list(o.tools) as LoadGeneratorName[],
      ...cpus,
      dataRoot,
      log,
    });
    const out = o.out ?? join(RESULTS_DIR, o.suite);
    const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
    for (const f of writeResults(run, out, command)) log(`wrote ${f}`);
  } finally {
    if (!o.dataDir) rmSync(dataRoot, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(`bench: ${e.stack ?? e.message}`);
  process.exitCode = 1;
});

/**
 * The markdown summary: for each scenario and load generator, every target's median throughput and
 * latency (with spread), and the gregor/Kafka ratios (gregor, embedded and the gregor cluster each against
 * its Kafka counterpart) — throughput ratio above 1 and latency ratio below 1 favour gregor. The embedded
 * target's in-process measurements share the row of the native load generator's, so each target appears
 * at its best next to Kafka's. Scenarios compared with another one of the suite (RF 3 against RF 1) get a
 * table of those ratios per target.
 */
import { PROBE_BYTES } from '../lib/machine-conditions.js';
import type { SuiteRun } from '../runner.js';
import { isNative, type ResultPoint } from './aggregate.js';

const fmt = (n: number | null | undefined, digits = 1): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);

const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a && b ? `${(a / b).toFixed(2)}×` : '–');

/** Beyond this factor between two points' page-cache probes, their ratio is marked as the machine's as much as the targets'. */
const UNEVEN_MACHINE = 2;
const UNEVEN_MARK = '†';
const PROBE_MIB = PROBE_BYTES / 2 ** 20;

function unevenMachine(a: ResultPoint | undefined, b: ResultPoint | undefined): boolean {
  const x = a?.pageCacheMBps;
  const y = b?.pageCacheMBps;
  return !!x && !!y && Math.max(x / y, y / x) > UNEVEN_MACHINE;
}

/** Throughput and p99 ratios of `a` over `b`, where both succeeded. */
function ratios(a: ResultPoint | undefined, b: ResultPoint | undefined): string {
  const ok = (p: ResultPoint | undefined) => (p?.ok ? p : undefined);
  const mark = unevenMachine(ok(a), ok(b)) ? UNEVEN_MARK : '';
  return `${ratio(ok(a)?.throughput?.mbPerSec.median, ok(b)?.throughput?.mbPerSec.median)}${mark} | ${ratio(ok(a)?.aggregatedLatency99pct, ok(b)?.aggregatedLatency99pct)}${mark}`;
}

/** Each gregor target and the Kafka target it is compared with. */
const COMPARED_TARGETS: readonly (readonly [string, string])[] = [
  ['gregor', 'kafka'],
  ['embedded', 'kafka'],
  ['gregor-cluster', 'kafka-cluster'],
];

const label = (kafka: string): string => (kafka === 'kafka' ? 'Kafka' : kafka);

/** For each scenario compared with another: per target and load generator, the throughput and p99 ratios of the two. */
function comparisons(run: SuiteRun, points: ResultPoint[], targets: string[]): string[] {
  const scenarios = (run.parameters.scenarios ?? []) as { id: string; comparedWith?: string }[];
  const lines: string[] = [];
  for (const s of scenarios.filter((x) => x.comparedWith)) {
    lines.push(`${s.id} against ${s.comparedWith}:`, '', '| target | load generator | throughput ratio | p99 ratio |', '|---|---|---|---|');
    for (const t of targets)
      for (const p of points.filter((x) => x.workload === s.id && x.driver === t)) {
        const other = points.find((x) => x.workload === s.comparedWith && x.driver === t && x.loadGenerator === p.loadGenerator && x.metric === p.metric);
        lines.push(`| ${t} | ${p.loadGenerator}/${p.metric} | ${ratios(p, other)} |`);
      }
    lines.push('');
  }
  return lines;
}

function cell(p: ResultPoint | undefined): string {
  if (!p) return '–';
  if (!p.ok) return `failed: ${(p.errors[0] ?? '').replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 80)}`;
  const t = p.throughput;
  const rate = t ? `${fmt(t.mbPerSec.median)} MB/s ±${fmt(t.mbPerSec.spreadPercent / 2, 0)}%` : '';
  const lat = p.aggregatedLatency99pct !== null ? `p50 ${fmt(p.aggregatedLatency50pct, 2)} / p99 ${fmt(p.aggregatedLatency99pct, 2)} ms` : '';
  return [rate, lat].filter(Boolean).join('<br>');
}

export function markdownReport(run: SuiteRun, points: ResultPoint[], command: string): string {
  const targets = run.targets.filter((t) => !t.skipped).map((t) => t.name);
  const lines: string[] = [];
  lines.push(`# gregor vs Apache Kafka — ${run.suite} suite`, '');
  lines.push(`Command: \`${command}\``, '');
  const m = run.machine;
  lines.push(
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, ${m.java ?? 'no Java'}. Run ${run.startedAt} → ${run.finishedAt}.`,
    '',
  );
  const p = run.parameters as {
    warmupSeconds: number;
    durationSeconds: number;
    repeats: number;
    brokerCpus: string | null;
    clientCpus: string | null;
    clientSettings: Record<string, number>;
  };
  lines.push(
    `Each point: ${p.warmupSeconds} s warm-up (excluded), ${p.durationSeconds} s measured, ${p.repeats} repeats (median, ± half the min–max spread), targets alternating order each repeat; brokers on CPU ${p.brokerCpus ?? 'any'}, load generators on CPU ${p.clientCpus ?? 'any'}. Java/Node client settings on every target: ${Object.entries(
      p.clientSettings,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    '',
  );
  lines.push('Targets:', '');
  for (const t of run.targets) lines.push(`- **${t.name}**: ${t.skipped ? `skipped — ${t.skipped}` : Object.values(t.settings).join('; ')}`);
  lines.push('');
  const pairs = COMPARED_TARGETS.filter(([t, kafka]) => targets.includes(t) && targets.includes(kafka));
  lines.push(
    `| scenario | load generator | ${targets.join(' | ')}${pairs.map(([t, kafka]) => ` | ${t}/${label(kafka)} throughput | ${t}/${label(kafka)} p99`).join('')} |`,
  );
  lines.push(`|---|---|${targets.map(() => '---').join('|')}${pairs.map(() => '|---|---').join('')}|`);
  const rows = new Map<string, ResultPoint[]>();
  for (const pt of points) {
    const key = `${pt.workload}\u0000${isNative(pt) ? 'native' : `${pt.loadGenerator}/${pt.metric}`}`;
    rows.set(key, [...(rows.get(key) ?? []), pt]);
  }
  for (const [key, pts] of rows) {
    const workload = key.split('\u0000')[0];
    const tools = [...new Set(pts.map((x) => `${x.loadGenerator}/${x.metric}`))].sort().join(', ');
    const by = (t: string) => pts.find((x) => x.driver === t);
    lines.push(
      `| ${workload} | ${tools} | ${targets.map((t) => cell(by(t))).join(' | ')}${pairs.map(([t, kafka]) => ` | ${ratios(by(t), by(kafka))}`).join('')} |`,
    );
  }
  lines.push('');
  lines.push(...comparisons(run, points, targets));
  if (lines.some((line) => line.includes(UNEVEN_MARK))) {
    lines.push(
      `${UNEVEN_MARK} The two points' page-cache probes (MB/s of writing a new ${PROBE_MIB} MiB file just before each point, medians) differ by more than ${UNEVEN_MACHINE}×: the machine filled new pages at different speeds for them, so the ratio says as much about the machine as about the targets.`,
      '',
    );
  }
  lines.push(
    'Latency kinds: loadgen/produce = one Produce request (≈1 MiB) round trip; embedded/produce = one send() of the same records until acknowledged, in the broker’s process; java/produce = a record from send() to acknowledgement (includes linger.ms and client queueing); loadgen/fetch = one Fetch round trip (embedded/consume reads in-process: no request to time); loadgen/e2e and embedded/e2e = a record from the intended send time to its arrival at a consumer; java/round-trip = EndToEndLatency, one record at a time.',
    '',
  );
  const usage = points.filter((x) => x.ok && x.brokerCpuPercent !== null && isNative(x));
  if (usage.length) {
    lines.push(
      'Broker CPU (% of one core) and peak resident memory during the native load generator runs (embedded: the in-process runs, whose figures include the producer or consumer). Anonymous memory is the comparable figure: the total also counts mapped file pages, which for gregor (reads are views of mapped segments) include the segments it served, and for Kafka (sendfile) do not.',
      '',
    );
    lines.push(
      `Page cache MB/s is the machine before each point (a new ${PROBE_MIB} MiB file written, median over the repeats; on a VM, new pages cost the hypervisor a first touch, and the rate swings by 10–50×); steal is the CPU time the hypervisor took during the points.`,
      '',
    );
    lines.push('| scenario | target | CPU % | RSS anonymous MiB | RSS total MiB | page cache MB/s | steal % |', '|---|---|---|---|---|---|---|');
    for (const x of usage)
      lines.push(
        `| ${x.workload} | ${x.driver} | ${fmt(x.brokerCpuPercent, 0)} | ${fmt(x.brokerMaxRssAnonMiB, 0)} | ${fmt(x.brokerMaxRssMiB, 0)} | ${fmt(x.pageCacheMBps, 0)} | ${fmt(x.stealPercent, 1)} |`,
      );
    lines.push('');
  }
  return lines.join('\n');
}

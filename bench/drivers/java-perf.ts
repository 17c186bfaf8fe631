/**
 * Kafka's own performance tools from the same release as the Kafka target (org.apache.kafka.tools:
 * ProducerPerformance, ConsumerPerformance, EndToEndLatency), run with identical client settings
 * against every target; their text output is parsed into Measurements.
 */
import { basename } from 'node:path';
import type { Measurement, SeriesPoint } from '../lib/measurement.js';
import { failed } from '../lib/measurement.js';
import { runToEnd } from '../lib/process.js';
import { ensureKafkaJars, kafkaClasspath } from '../targets/kafka.js';

/** kafka-run-class.sh's default heap for tools. */
const TOOL_JVM = ['-Xmx512m', '-XX:+UseG1GC'];
const REPORT_MS = 5000;

interface JavaRun {
  scenario: string;
  target: string;
  repeat: number;
  bootstrap: string;
  topic: string;
  cpus?: string;
  onLine?: (line: string) => void;
  /** A client properties file (`--command-config`): a secured listener's TLS and SASL settings. */
  configFile?: string;
}

async function runTool(run: JavaRun, metric: string, tool: string, args: string[], timeoutMs: number) {
  await ensureKafkaJars(() => {});
  const config = run.configFile ? ['--command-config', run.configFile] : [];
  const argv = [...TOOL_JVM, '-cp', kafkaClasspath(), `org.apache.kafka.tools.${tool}`, ...args, ...config];
  const shown = run.configFile ? ['--command-config', basename(run.configFile)] : [];
  const command = `${run.cpus === undefined ? '' : `taskset -c ${run.cpus} `}java ${[...TOOL_JVM, '-cp', 'bench/.cache/kafka-*/libs/*', `org.apache.kafka.tools.${tool}`, ...args, ...shown].join(' ')}`;
  const base = { scenario: run.scenario, target: run.target, loadGenerator: 'java' as const, metric, repeat: run.repeat, command };
  const r = await runToEnd('java', argv, { cpus: run.cpus }, timeoutMs, run.onLine);
  return { base, r };
}

const PROGRESS = /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency\.$/;
const SUMMARY =
  /^(\d+)( steady state)? records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th\.$/;

export interface ProducerPerfOptions {
  records: number;
  warmupRecords: number;
  recordSize: number;
  /** Records/s cap; -1 for none. */
  throughput: number;
  /** Producer properties, the same for every target (acks, linger.ms, batch.size, compression.type...). */
  properties: Record<string, string | number>;
}

/** Parses ProducerPerformance output: the steady-state summary when warm-up records were excluded. */
export function parseProducerPerformance(output: string): Pick<Measurement, 'recordsPerSec' | 'mbPerSec' | 'latency' | 'series'> | null {
  const lines = output.split('\n').map((l) => l.trim());
  const series: SeriesPoint[] = [];
  for (const l of lines) {
    const m = PROGRESS.exec(l);
    if (m) series.push({ t: ((series.length + 1) * REPORT_MS) / 1000, recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]) });
  }
  const summaries = lines.map((l) => SUMMARY.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const s = summaries.find((m) => m[2]) ?? summaries.at(-1);
  if (!s) return null;
  return {
    recordsPerSec: Number(s[3]),
    mbPerSec: Number(s[4]),
    latency: { avg: Number(s[5]), max: Number(s[6]), p50: Number(s[7]), p95: Number(s[8]), p99: Number(s[9]), p999: Number(s[10]), kind: 'produce-record' },
    series,
  };
}

export async function producerPerformance(run: JavaRun, o: ProducerPerfOptions, timeoutMs: number): Promise<Measurement> {
  const props = Object.entries(o.properties).map(([k, v]) => `${k}=${v}`);
  const args = [
    '--bootstrap-server',
    run.bootstrap,
    '--topic',
    run.topic,
    '--num-records',
    String(o.records),
    '--warmup-records',
    String(o.warmupRecords),
    '--record-size',
    String(o.recordSize),
    '--throughput',
    String(o.throughput),
    '--reporting-interval',
    String(REPORT_MS),
    '--command-property',
    ...props,
  ];
  const { base, r } = await runTool(run, 'produce', 'ProducerPerformance', args, timeoutMs);
  const parsed = parseProducerPerformance(r.stdout);
  if (r.code !== 0 || !parsed) return failed(base, `ProducerPerformance exited ${r.code}: ${(r.stdout + r.stderr).slice(-600)}`);
  return { ...base, ok: true, ...parsed, broker: null };
}

/** Parses ConsumerPerformance's CSV line; fetch rates exclude the group join (rebalance) time. */
export function parseConsumerPerformance(output: string): Pick<Measurement, 'recordsPerSec' | 'mbPerSec'> | null {
  const row = output
    .split('\n')
    .map((l) => l.split(',').map((f) => f.trim()))
    .find((f) => f.length >= 10 && /^\d{4}-/.test(f[0]!) && !Number.isNaN(Number(f[9])));
  return row ? { mbPerSec: Number(row[8]), recordsPerSec: Number(row[9]) } : null;
}

export async function consumerPerformance(run: JavaRun, records: number, timeoutMs: number): Promise<Measurement> {
  const args = ['--bootstrap-server', run.bootstrap, '--topic', run.topic, '--num-records', String(records), '--timeout', '30000'];
  const { base, r } = await runTool(run, 'consume', 'ConsumerPerformance', args, timeoutMs);
  const parsed = parseConsumerPerformance(r.stdout);
  if (r.code !== 0 || !parsed) return failed(base, `ConsumerPerformance exited ${r.code}: ${(r.stdout + r.stderr).slice(-600)}`);
  return { ...base, ok: true, ...parsed, latency: null, series: [], broker: null };
}

/** Parses EndToEndLatency's "Avg latency" and "Percentiles" lines (whole milliseconds). */
export function parseEndToEndLatency(output: string): Measurement['latency'] {
  const avg = /Avg latency: ([\d.]+) ms/.exec(output);
  const p = /Percentiles: 50th = (\d+), 99th = (\d+), 99.9th = (\d+)/.exec(output);
  if (!avg || !p) return null;
  return { avg: Number(avg[1]), p50: Number(p[1]), p95: null, p99: Number(p[2]), p999: Number(p[3]), max: null, kind: 'end-to-end' };
}

/** One record at a time: send, wait until the consumer sees it, repeat (round-trip latency at low load). */
export async function endToEndLatency(run: JavaRun, records: number, recordSize: number, acks: string, timeoutMs: number): Promise<Measurement> {
  const args = [
    '--bootstrap-server',
    run.bootstrap,
    '--topic',
    run.topic,
    '--num-records',
    String(records),
    '--producer-acks',
    acks,
    '--record-size',
    String(recordSize),
  ];
  const { base, r } = await runTool(run, 'round-trip', 'EndToEndLatency', args, timeoutMs);
  const latency = parseEndToEndLatency(r.stdout);
  if (r.code !== 0 || !latency) return failed(base, `EndToEndLatency exited ${r.code}: ${(r.stdout + r.stderr).slice(-600)}`);
  return { ...base, ok: true, recordsPerSec: 0, mbPerSec: 0, latency, series: [], broker: null };
}

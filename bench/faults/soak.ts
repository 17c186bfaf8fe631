/**
 * The C10 soak: `node dist/bench/faults/soak.js --minutes N --out report.json` runs three brokers with an RF 3,
 * min.insync.replicas=2 topic (the scenarios) under the idempotent producers with a random fault
 * every 5-10 s (see random-faults.ts), each held a few seconds then healed, and writes the checker's JSON report.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { injectRandomFaults } from './random-faults.js';
import { type ProducerKind, runScenario } from './scenario.js';
import { mountRefusal } from './small-disk.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    out: { type: 'string', default: 'soak-report.json' },
    history: { type: 'string' },
    brokers: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '6' },
    'replication-factor': { type: 'string', default: '3' },
    'min-insync-replicas': { type: 'string', default: '2' },
    'session-timeout-ms': { type: 'string', default: '3000' },
    producers: { type: 'string', default: 'kafkajs,kcat' },
    'no-inter-broker-proxies': { type: 'boolean', default: false },
    'disk-mib': { type: 'string', default: '128' },
    'no-disk-full': { type: 'boolean', default: false },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: node dist/bench/faults/soak.js [--minutes 5] [--out soak-report.json] [--history history.json] [--brokers 3]\n' +
      '  [--partitions 6] [--replication-factor 3] [--min-insync-replicas 2] [--session-timeout-ms 3000] [--producers kafkajs,kcat]\n' +
      '  [--no-inter-broker-proxies] [--disk-mib 128] [--no-disk-full] [--seed S]\n' +
      'The disk-full fault puts each broker on a tmpfs of --disk-mib (mounting needs root; without it the fault is left out).\n',
  );
  process.exit(0);
}

const int = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`--${name} must be a positive number, got ${value}`);
  return n;
};
const log = (message: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
};

const refusal = values['no-disk-full'] ? 'left out (--no-disk-full)' : mountRefusal();
if (refusal !== undefined) log(`no disk-full fault: ${refusal}`);
const settings = {
  minutes: int('minutes', values.minutes),
  brokers: int('brokers', values.brokers),
  partitions: int('partitions', values.partitions),
  replicationFactor: int('replication-factor', values['replication-factor']),
  minInsyncReplicas: int('min-insync-replicas', values['min-insync-replicas']),
  sessionTimeoutMs: int('session-timeout-ms', values['session-timeout-ms']),
  producers: values.producers.split(',') as ProducerKind[],
  interBrokerProxies: !values['no-inter-broker-proxies'],
  diskBytes: refusal === undefined ? int('disk-mib', values['disk-mib']) * 2 ** 20 : undefined,
  seed: int('seed', values.seed),
};
log(`seed ${settings.seed}`);
const startedAt = new Date().toISOString();
const until = Date.now() + settings.minutes * 60_000;

const { report, history, findings } = await runScenario({
  ...settings,
  topicConfigs: { 'min.insync.replicas': String(settings.minInsyncReplicas) },
  faults: async (run) => {
    await injectRandomFaults(run, { seed: settings.seed, brokers: settings.brokers, diskFull: settings.diskBytes !== undefined, until, log });
  },
  recoveryTimeoutMs: 60_000,
});
const passed = report.ok && findings.length === 0;
const output = { settings, startedAt, endedAt: new Date().toISOString(), passed, report, findings, faults: history.faults };
writeFileSync(values.out, `${JSON.stringify(output, null, 2)}\n`);
// Every attempt and record read, for investigating an anomaly the report's examples point at.
if (values.history) writeFileSync(values.history, JSON.stringify(history));
log(`${passed ? 'PASS' : 'FAIL'}: ${JSON.stringify({ ...report, examples: undefined })}; ${findings.length} findings; report in ${values.out}`);
process.exit(passed ? 0 : 1);

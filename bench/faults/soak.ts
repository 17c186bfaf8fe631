/**
 * The C10 soak: `node dist/bench/faults/soak.js --minutes N --out report.json` runs a cluster under the
 * idempotent producers with a random fault every 5-10 s (SIGKILL, SIGSTOP, partition from etcd and the
 * other brokers, etcd restart), each held a few seconds then healed, and writes the checker's JSON report.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Fault } from './fault-cluster.js';
import { type ProducerKind, runScenario } from './scenario.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    out: { type: 'string', default: 'soak-report.json' },
    history: { type: 'string' },
    brokers: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '6' },
    'replication-factor': { type: 'string', default: '1' },
    'min-insync-replicas': { type: 'string' },
    'session-timeout-ms': { type: 'string', default: '3000' },
    producers: { type: 'string', default: 'kafkajs,kcat' },
    'inter-broker-proxies': { type: 'boolean', default: false },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: node dist/bench/faults/soak.js [--minutes 5] [--out soak-report.json] [--history history.json] [--brokers 3]\n' +
      '  [--partitions 6] [--replication-factor 1] [--min-insync-replicas N] [--session-timeout-ms 3000] [--producers kafkajs,kcat]\n' +
      '  [--inter-broker-proxies] [--seed S]\n',
  );
  process.exit(0);
}

/** A small seeded generator (mulberry32): a run is repeatable from the seed in its report. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`--${name} must be a positive number, got ${value}`);
  return n;
};

const minutes = int('minutes', values.minutes);
const brokers = int('brokers', values.brokers);
const seed = int('seed', values.seed);
const next = random(seed);
const between = (min: number, max: number): number => Math.round(min + next() * (max - min));
const anyBroker = (): number => between(1, brokers);

/** A random fault and how long it is held (ms). */
function randomFault(): { fault: Fault; holdMs: number } {
  const kinds: (() => { fault: Fault; holdMs: number })[] = [
    () => ({ fault: { kind: 'sigkill', nodeId: anyBroker() }, holdMs: between(500, 5_000) }),
    () => ({ fault: { kind: 'sigstop', nodeId: anyBroker() }, holdMs: between(1_000, 10_000) }),
    () => ({ fault: { kind: 'partition', nodeId: anyBroker() }, holdMs: between(1_000, 8_000) }),
    () => ({ fault: { kind: 'etcd-restart' }, holdMs: between(500, 3_000) }),
  ];
  return kinds[Math.floor(next() * kinds.length)]!();
}

const settings = {
  minutes,
  brokers,
  partitions: int('partitions', values.partitions),
  replicationFactor: int('replication-factor', values['replication-factor']),
  minInsyncReplicas: values['min-insync-replicas'] === undefined ? undefined : int('min-insync-replicas', values['min-insync-replicas']),
  sessionTimeoutMs: int('session-timeout-ms', values['session-timeout-ms']),
  producers: values.producers.split(',') as ProducerKind[],
  interBrokerProxies: values['inter-broker-proxies'],
  seed,
};
const startedAt = new Date().toISOString();
const deadline = Date.now() + minutes * 60_000;
const log = (message: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
};

const { report, history, findings } = await runScenario({
  ...settings,
  topicConfigs: settings.minInsyncReplicas === undefined ? undefined : { 'min.insync.replicas': String(settings.minInsyncReplicas) },
  faults: async (run) => {
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, between(5_000, 10_000)));
      if (Date.now() >= deadline) break;
      const { fault, holdMs } = randomFault();
      log(`${fault.kind}${'nodeId' in fault ? ` broker ${fault.nodeId}` : ''} for ${holdMs} ms`);
      await run.fault(fault, holdMs);
    }
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

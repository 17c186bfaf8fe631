/**
 * Runs a suite: starts every available target (broker cores), then for each scenario and repeat runs
 * each load generator (load generator cores) against each target, alternating the target order from
 * one repeat to the next, with the broker's CPU and RSS sampled around every measurement. The embedded
 * target is measured by the load generator inside its own process, and by nothing else. Targets that
 * cannot run here are skipped with the reason recorded in the results.
 *
 * Scenarios that write (produce, end to end) measure each point on a topic of its own, and delete the
 * previous point's topic just before it, so that every point starts from the same machine: on a VM whose
 * freed memory goes back to the host, a point run right after a deletion fills the freed pages at GB/s and
 * the points after it fill new ones at 60–200 MB/s. With one topic per scenario, only the first point of
 * each scenario followed a deletion (the previous scenario's), and that point was always the first target's.
 */
import { join } from 'node:path';
import { createTopic, deleteTopic, partitionLeaders } from './drivers/admin.js';
import { type EmbeddedLoad, type ProduceJob, runEmbedded } from './drivers/embedded.js';
import { consumerPerformance, endToEndLatency, producerPerformance } from './drivers/java-perf.js';
import { runLoadgen } from './drivers/loadgen.js';
import { nodeProduce } from './drivers/node-client.js';
import { describeMachine, type MachineDescription } from './lib/machine.js';
import { pageCacheProbe, stealSampler } from './lib/machine-conditions.js';
import type { LoadGeneratorName, Measurement } from './lib/measurement.js';
import { failed } from './lib/measurement.js';
import { REPO_ROOT } from './lib/paths.js';
import { pollUntil } from './lib/poll.js';
import { hasTopicDirs } from './lib/topic-dirs.js';
import { freePort } from './lib/ports.js';
import { type ProcessUsage, sampleUsage, waitForIdle } from './lib/process.js';
import { makeSecurityMaterial, type SecurityMaterial } from './lib/security.js';
import { median } from './lib/stats.js';
import type { Scenario, Suite } from './scenarios.js';
import { boundedTopicConfigs } from './targets/disk-budget.js';
import type { RunningBroker, Target } from './targets/target.js';

export interface RunOptions {
  suite: Suite;
  targets: Target[];
  /** Started only for scenarios with `flushOnAckLine`. */
  flushOnAckTarget?: Target;
  loadGenerators: LoadGeneratorName[];
  brokerCpus?: string;
  clientCpus?: string;
  dataRoot: string;
  log: (line: string) => void;
}

export interface TargetInfo {
  name: string;
  settings: Record<string, string>;
  skipped?: string;
}

export interface SuiteRun {
  suite: string;
  startedAt: string;
  finishedAt: string;
  machine: MachineDescription;
  parameters: Record<string, unknown>;
  targets: TargetInfo[];
  measurements: Measurement[];
}

/** The producer settings every client uses on every target (Kafka 4 producer defaults, stated). */
export const CLIENT_SETTINGS = { 'linger.ms': 5, 'batch.size': 16384, 'max.in.flight.requests.per.connection': 5 };
const INFLIGHT = 4;
const REQUEST_BYTES = 1 << 20;
/** Partitions one Produce request (or one embedded send) carries at most. */
const PARTITIONS_PER_REQUEST = 16;
/** End-to-end runs send smaller requests so that each second holds many timed batches. */
const E2E_REQUEST_BYTES = 64 << 10;

/** A broker below this CPU share (% of a core) has settled after topic creation. */
const IDLE_PERCENT = 20;

const acksNumber = (acks: Scenario['acks']): 0 | 1 | -1 => (acks === 'all' ? -1 : acks === '0' ? 0 : 1);

type TopicOf = (b: RunningBroker, suffix: string) => Promise<string>;

/** The native load generator's routing on a cluster: each partition's leader (it sends everything to the bootstrap broker otherwise). */
async function routing(b: RunningBroker, topic: string): Promise<{ leaders?: string }> {
  return (b.brokers ?? 1) > 1 ? { leaders: (await partitionLeaders(b.bootstrap, topic)).join(',') } : {};
}

/**
 * The embedded producer's work shaped as the native load generator's Produce requests: REQUEST_BYTES per
 * send over as many partitions as one of its connections puts in a request, as many sends in flight as
 * it has requests, so both targets get batches of the same size.
 */
function embeddedProduce(s: Scenario, topic: string, warmupSeconds: number, durationSeconds: number, maxRecords?: number): ProduceJob {
  return {
    kind: 'produce',
    topic,
    recordSize: s.recordSize,
    partitions: s.partitions,
    partitionsPerSend: Math.min(PARTITIONS_PER_REQUEST, Math.ceil(s.partitions / s.connections)),
    requestBytes: REQUEST_BYTES,
    sendsInFlight: s.connections * INFLIGHT,
    acks: acksNumber(s.acks),
    compression: s.compression,
    warmupSeconds,
    durationSeconds,
    ...(maxRecords === undefined ? {} : { maxRecords }),
  };
}

class SuiteRunner {
  readonly measurements: Measurement[] = [];
  /** The certificate and user of the secured listeners, when a scenario uses one. */
  security?: SecurityMaterial;
  /** Last measured Java producer rate per scenario/target and per target/record size, to size the next run's record count. */
  readonly #javaRates = new Map<string, number>();
  /** Names of the sink targets, which answer Produce and nothing else. */
  readonly sinks = new Set<string>();

  constructor(private readonly o: RunOptions) {}

  private async measure(broker: RunningBroker, run: () => Promise<Measurement>): Promise<Measurement> {
    const pageCacheMBps = pageCacheProbe(this.o.dataRoot);
    const steal = stealSampler();
    const usage = sampleUsage(broker.pids);
    let brokerUsage: ProcessUsage = { cpuPercent: 0, maxRssMiB: 0, maxRssAnonMiB: 0 };
    let stealPercent: number | null = null;
    const m = await run().finally(() => {
      brokerUsage = usage.stop();
      stealPercent = steal.stop();
    });
    m.broker = brokerUsage;
    m.conditions = { pageCacheMBps, stealPercent };
    this.measurements.push(m);
    const lat = m.latency ? `, p50 ${m.latency.p50.toFixed(2)} ms, p99 ${m.latency.p99.toFixed(2)} ms` : '';
    const stolen = m.conditions.stealPercent;
    const machine = `page cache ${pageCacheMBps.toFixed(0)} MB/s before, steal ${stolen === null ? '–' : `${stolen.toFixed(1)}%`}`;
    this.o.log(
      m.ok
        ? `= ${m.target} ${m.scenario} ${m.loadGenerator}/${m.metric} #${m.repeat}: ${m.recordsPerSec.toFixed(0)} records/s, ${m.mbPerSec.toFixed(1)} MB/s${lat}; broker ${brokerUsage.cpuPercent.toFixed(0)}% CPU, RSS ${brokerUsage.maxRssAnonMiB.toFixed(0)} MiB anonymous / ${brokerUsage.maxRssMiB.toFixed(0)} MiB with mapped files; ${machine}${m.error ? ` (${m.error})` : ''}`
        : `! ${m.target} ${m.scenario} ${m.loadGenerator}/${m.metric} #${m.repeat} failed: ${m.error}`,
    );
    return m;
  }

  private progress(broker: RunningBroker, s: Scenario, tool: string) {
    return (line: string) => this.o.log(`  [${broker.target} ${s.id} ${tool}] ${line}`);
  }

  /**
   * The e2e rate: a fraction of the lowest of the main targets' median maxima in `rateOf`, as the native
   * load generator measured them (the in-process one for the embedded target).
   */
  private e2eRate(s: Scenario): number | null {
    if (s.fixedRate) return s.fixedRate;
    const byTarget = new Map<string, number[]>();
    for (const m of this.measurements) {
      const native = m.loadGenerator === 'loadgen' || m.loadGenerator === 'embedded';
      if (m.scenario !== s.rateOf || !native || !m.ok || this.sinks.has(m.target)) continue;
      byTarget.set(m.target, [...(byTarget.get(m.target) ?? []), m.recordsPerSec]);
    }
    const maxima = [...byTarget.values()].map(median);
    return maxima.length ? Math.min(...maxima) * (s.rateFraction ?? 0.5) : null;
  }

  /** One repeat of a scenario against each broker in turn; a broker whose setup fails fails alone. */
  async scenario(s: Scenario, brokers: RunningBroker[], repeat: number, topicOf: TopicOf, filled: Map<string, number>): Promise<void> {
    for (const broker of brokers) {
      if ((s.replicationFactor ?? 1) > (broker.brokers ?? 1)) {
        this.o.log(`  ${broker.target} skipped: ${s.id} needs ${s.replicationFactor} brokers`);
        continue;
      }
      await this.#againstBroker(s, broker, repeat, topicOf, filled).catch((e: Error) => {
        this.o.log(`! ${broker.target} ${s.id} repeat ${repeat}: ${e.message}`);
        const tool = broker.embedded ? 'embedded' : 'loadgen';
        const metric = s.kind === 'consume' && !broker.embedded ? 'fetch' : s.kind;
        this.measurements.push(failed({ scenario: s.id, target: broker.target, loadGenerator: tool, metric, repeat, command: '' }, e.message));
      });
    }
  }

  async #againstBroker(s: Scenario, broker: RunningBroker, repeat: number, topicOf: TopicOf, filled: Map<string, number>): Promise<void> {
    // runSuite starts the embedded target only when its load generator is among this run's.
    if (broker.embedded) return this.#inProcess(s, broker, broker.embedded, repeat, topicOf, filled);
    const t = this.o.suite.timing;
    const cpus = this.o.clientCpus;
    const client = this.#javaClient(s, broker);
    for (const tool of this.o.loadGenerators) {
      if (tool === 'embedded') continue;
      if (s.security && tool !== 'java') {
        this.o.log(`  ${tool} skipped: it cannot connect over ${s.security}`);
        continue;
      }
      if (tool === 'node' && (!s.nodeClient || s.kind !== 'produce')) continue;
      if (broker.sink && (tool !== 'loadgen' || s.kind !== 'produce' || !s.ceiling)) continue;
      const common = { scenario: s.id, target: broker.target, repeat };
      const onLine = this.progress(broker, s, tool);
      const loadgenBase = {
        bootstrap: broker.bootstrap,
        partitions: s.partitions,
        'record-size': s.recordSize,
        'warmup-s': t.warmupSeconds,
        'duration-s': t.durationSeconds,
      };
      if (s.kind === 'produce') {
        const topic = await topicOf(broker, '');
        if (tool === 'loadgen') {
          const args = {
            ...loadgenBase,
            ...(await routing(broker, topic)),
            topic,
            connections: s.connections,
            inflight: INFLIGHT,
            acks: acksNumber(s.acks),
            compression: s.compression,
            'request-bytes': REQUEST_BYTES,
            'partitions-per-request': PARTITIONS_PER_REQUEST,
          };
          await this.measure(broker, () => runLoadgen({ ...common, mode: 'produce', args, cpus, onLine }));
        } else if (tool === 'java') {
          const key = `${s.id}/${broker.target}`;
          // A scenario's first run takes its size from the target's last rate for records of this size (over
          // TLS on a loaded machine, the fixed guess took longer than the tool's time limit).
          const similar = `${broker.target}/${s.recordSize}`;
          const rate = this.#javaRates.get(key) ?? this.#javaRates.get(similar) ?? (s.recordSize <= 128 ? 60_000 : 20_000);
          const records = Math.ceil(rate * (t.warmupSeconds + t.durationSeconds));
          const m = await this.measure(broker, () =>
            producerPerformance(
              { ...common, ...client, topic, cpus, onLine },
              {
                records,
                warmupRecords: Math.ceil(rate * t.warmupSeconds),
                recordSize: s.recordSize,
                throughput: -1,
                properties: { acks: s.acks, 'compression.type': s.compression, ...CLIENT_SETTINGS },
              },
              (t.warmupSeconds + t.durationSeconds) * 5_000 + 60_000,
            ),
          );
          if (m.ok) {
            this.#javaRates.set(key, m.recordsPerSec);
            this.#javaRates.set(similar, m.recordsPerSec);
          }
        } else {
          await this.measure(broker, () =>
            nodeProduce({
              ...common,
              bootstrap: broker.bootstrap,
              topic,
              partitions: s.partitions,
              recordSize: s.recordSize,
              acks: acksNumber(s.acks),
              recordsPerSend: Math.max(1, Math.floor(CLIENT_SETTINGS['batch.size'] / s.recordSize)),
              inFlight: CLIENT_SETTINGS['max.in.flight.requests.per.connection'],
              warmupSeconds: t.warmupSeconds,
              durationSeconds: t.durationSeconds,
              onLine,
            }),
          );
        }
      } else if (s.kind === 'consume') {
        const topic = await topicOf(broker, '');
        const records = filled.get(`${broker.target}/${topic}`) ?? 0;
        if (tool === 'loadgen') {
          const args = { ...loadgenBase, topic, connections: 1 };
          await this.measure(broker, () => runLoadgen({ ...common, mode: 'fetch', args, cpus, onLine }));
        } else if (tool === 'java') {
          await this.measure(broker, () => consumerPerformance({ ...common, ...client, topic, cpus, onLine }, records, 180_000));
        }
      } else {
        const topic = await topicOf(broker, `-${tool}-${repeat}`);
        if (tool === 'loadgen') {
          const rate = this.e2eRate(s);
          const command = `loadgen e2e (rate from ${s.rateOf})`;
          if (rate === null) {
            this.measurements.push(
              failed({ ...common, loadGenerator: 'loadgen', metric: 'e2e', command }, `no maximum measured in ${s.rateOf} to take ${s.rateFraction} of`),
            );
            continue;
          }
          const args = { ...loadgenBase, topic, connections: 1, rate: Math.round(rate), 'request-bytes': E2E_REQUEST_BYTES, 'max-wait-ms': 500 };
          await this.measure(broker, () => runLoadgen({ ...common, mode: 'e2e', args, cpus, onLine }));
        } else if (tool === 'java') {
          const records = Math.max(100, Math.round(t.durationSeconds * 200));
          await this.measure(broker, () => endToEndLatency({ ...common, ...client, topic, cpus, onLine }, records, s.recordSize, '1', 120_000));
        }
      }
    }
  }

  /** Where the Java tools connect for the scenario, and with which client settings file on a secured listener. */
  #javaClient(s: Scenario, broker: RunningBroker): { bootstrap: string; configFile?: string } {
    if (!s.security) return { bootstrap: broker.bootstrap };
    const bootstrap = broker.secured?.[s.security];
    if (!bootstrap || !this.security) throw new Error(`${broker.target} has no ${s.security} listener`);
    return { bootstrap, configFile: this.security.clientConfig[s.security] };
  }

  /** The embedded target, measured by the producer and consumer inside its process. */
  async #inProcess(s: Scenario, broker: RunningBroker, load: EmbeddedLoad, repeat: number, topicOf: TopicOf, filled: Map<string, number>): Promise<void> {
    const t = this.o.suite.timing;
    const common = { scenario: s.id, target: broker.target, repeat };
    const run = { ...common, onLine: this.progress(broker, s, 'embedded') };
    const timing = { recordSize: s.recordSize, warmupSeconds: t.warmupSeconds, durationSeconds: t.durationSeconds };
    if (s.kind === 'produce') {
      const topic = await topicOf(broker, '');
      await this.measure(broker, () => runEmbedded(load, { ...run, job: embeddedProduce(s, topic, t.warmupSeconds, t.durationSeconds) }));
    } else if (s.kind === 'consume') {
      const topic = await topicOf(broker, '');
      const records = filled.get(`${broker.target}/${topic}`) ?? 0;
      await this.measure(broker, () => runEmbedded(load, { ...run, job: { kind: 'consume', topic, records, ...timing } }));
    } else {
      const topic = await topicOf(broker, `-embedded-${repeat}`);
      const rate = this.e2eRate(s);
      if (rate === null) {
        this.measurements.push(
          failed(
            { ...common, loadGenerator: 'embedded', metric: 'e2e', command: `embedded e2e (rate from ${s.rateOf})` },
            `no maximum measured in ${s.rateOf} to take ${s.rateFraction} of`,
          ),
        );
        return;
      }
      const job = { kind: 'e2e' as const, topic, rate: Math.round(rate), requestBytes: E2E_REQUEST_BYTES, acks: acksNumber(s.acks), ...timing };
      await this.measure(broker, () => runEmbedded(load, { ...run, job }));
    }
  }
}

async function startTarget(target: Target, o: RunOptions, security: SecurityMaterial | undefined): Promise<RunningBroker> {
  o.log(`starting ${target.name} on CPUs ${o.brokerCpus ?? 'any'}`);
  return target.start({ dataRoot: o.dataRoot, cpus: o.brokerCpus, port: await freePort(), security });
}

export async function runSuite(o: RunOptions): Promise<SuiteRun> {
  const startedAt = new Date().toISOString();
  const infos: TargetInfo[] = [];
  const available: Target[] = [];
  for (const t of [...o.targets, ...(o.flushOnAckTarget ? [o.flushOnAckTarget] : [])]) {
    const why =
      t.loadGenerator && !o.loadGenerators.includes(t.loadGenerator)
        ? `only the ${t.loadGenerator} load generator measures it, and this run does not use it`
        : await t.unavailable();
    infos.push({ name: t.name, settings: t.describe(), ...(why ? { skipped: why } : {}) });
    if (why) o.log(`skipping target ${t.name}: ${why}`);
    else available.push(t);
  }
  let flushTarget = available.find((t) => t === o.flushOnAckTarget);
  const main = available.filter((t) => t !== o.flushOnAckTarget);
  const runner = new SuiteRunner(o);
  if (o.suite.scenarios.some((s) => s.security)) runner.security = await makeSecurityMaterial(join(o.dataRoot, 'security'));
  const brokers: RunningBroker[] = [];
  try {
    for (const t of main) {
      try {
        const b = await startTarget(t, o, runner.security);
        brokers.push(b);
        if (b.sink) runner.sinks.add(b.target);
      } catch (e) {
        const info = infos.find((i) => i.name === t.name)!;
        info.skipped = `could not start: ${(e as Error).message.split(REPO_ROOT).join('.').slice(0, 500)}`;
        o.log(`skipping target ${t.name}: ${info.skipped}`);
      }
    }
    if (flushTarget && !brokers.some((b) => b.target === 'gregor')) {
      infos.find((i) => i.name === flushTarget!.name)!.skipped = 'gregor could not start';
      flushTarget = undefined;
    }
    /** The last writing point's topic: deleted, and its files gone, just before the next point's. */
    let lastWritten: { broker: RunningBroker; name: string } | undefined;
    const deleteLastWritten = async (): Promise<void> => {
      if (!lastWritten) return;
      const { broker, name } = lastWritten;
      lastWritten = undefined;
      await deleteTopic(broker.bootstrap, name).catch(() => {});
      await pollUntil(() => !hasTopicDirs(o.dataRoot, name), `${broker.target} to remove ${name}'s files`, { timeoutMs: 60_000, intervalMs: 100 }).catch(
        (e: Error) => o.log(`  ${e.message}`),
      );
    };
    for (const s of o.suite.scenarios) {
      o.log(`# ${s.title}`);
      const extra = s.flushOnAckLine && flushTarget ? await startTarget(flushTarget, o, runner.security) : undefined;
      const active = extra ? [...brokers, extra] : brokers;
      const created: [RunningBroker, string][] = [];
      const filled = new Map<string, number>();
      /** The scenario's load on a topic, unmeasured, by the target's own load generator: for `seconds`, or until `records`. */
      const write = async (b: RunningBroker, name: string, seconds: number, records: number | undefined, what: string) => {
        let error: string | undefined;
        if (b.embedded) {
          error = (await b.embedded.run(embeddedProduce(s, name, 0, seconds, records))).error;
        } else {
          const args = {
            bootstrap: b.bootstrap,
            ...(await routing(b, name)),
            topic: name,
            partitions: s.partitions,
            connections: s.connections,
            'record-size': s.recordSize,
            acks: acksNumber(s.acks),
            compression: s.compression,
            'warmup-s': 0,
            'duration-s': seconds,
            ...(records === undefined ? {} : { 'max-records': records }),
          };
          const r = await runLoadgen({ scenario: s.id, target: b.target, repeat: 0, mode: 'produce', cpus: o.clientCpus, args });
          if (!r.ok) error = r.error;
        }
        if (error !== undefined) throw new Error(`${what} ${name} on ${b.target} failed: ${error}`);
      };
      const topicOf = async (b: RunningBroker, suffix: string) => {
        const name = `bench-${s.id}${suffix}`;
        if (b.sink) return name;
        if (created.some(([cb, n]) => cb === b && n === name) || (lastWritten?.broker === b && lastWritten.name === name)) return name;
        await createTopic(b.bootstrap, {
          name,
          partitions: s.kind === 'e2e' ? 1 : s.partitions,
          replicas: s.replicationFactor ?? 1,
          configs: {
            ...(s.minInsyncReplicas === undefined ? {} : { 'min.insync.replicas': String(s.minInsyncReplicas) }),
            ...(s.kind === 'produce' ? boundedTopicConfigs(s.partitions) : {}),
            ...(s.compression === 'none' ? {} : { 'compression.type': 'producer' }),
          },
        });
        if (s.kind === 'consume') created.push([b, name]);
        // The scenario's own load for a while first, discarded: a new topic's first writes (segment
        // and index files, leader epoch checkpoints; Kafka stalls for seconds after creating 1,000
        // partitions) are not what a repeat should measure.
        if (s.kind !== 'e2e') await write(b, name, o.suite.timing.settleSeconds, undefined, 'first writes to');
        if (s.kind !== 'consume') {
          await deleteLastWritten();
          lastWritten = { broker: b, name };
        }
        const busy = await waitForIdle(b.pids, IDLE_PERCENT, 120_000);
        if (busy >= IDLE_PERCENT) o.log(`  ${b.target} still at ${busy.toFixed(0)}% CPU two minutes after creating ${name}`);
        if (s.kind === 'consume') {
          const records = Math.ceil(o.suite.timing.consumeBytes / s.recordSize);
          await write(b, name, 600, records, 'filling');
          filled.set(`${b.target}/${name}`, records);
        }
        return name;
      };
      try {
        for (let r = 1; r <= o.suite.timing.repeats; r++) {
          const order = r % 2 === 1 ? active : [...active].reverse();
          if (s.kind === 'consume') await runner.scenario(s, order, r, topicOf, filled);
          // The target in the name: its files are told apart from another target's topic of the same point.
          else for (const b of order) await runner.scenario(s, [b], r, (tb, suffix) => topicOf(tb, `${suffix}-repeat-${r}-${tb.target}`), filled);
        }
      } finally {
        for (const [b, name] of created) await deleteTopic(b.bootstrap, name).catch(() => {});
        if (extra) {
          // Stopping removes its data, topic and all.
          if (lastWritten?.broker === extra) lastWritten = undefined;
          await extra.stop();
        }
      }
    }
    await deleteLastWritten();
  } finally {
    for (const b of brokers) await b.stop();
  }
  return {
    suite: o.suite.name,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: describeMachine(),
    parameters: {
      ...o.suite.timing,
      clientSettings: CLIENT_SETTINGS,
      loadgenInflight: INFLIGHT,
      loadgenRequestBytes: REQUEST_BYTES,
      loadgenPartitionsPerRequest: PARTITIONS_PER_REQUEST,
      loadgenE2eRequestBytes: E2E_REQUEST_BYTES,
      brokerCpus: o.brokerCpus ?? null,
      clientCpus: o.clientCpus ?? null,
      loadGenerators: o.loadGenerators,
      scenarios: o.suite.scenarios,
    },
    targets: infos,
    measurements: runner.measurements,
  };
}

/**
 * Apache Kafka as a benchmark target: the released jars of one 4.x version resolved from Maven
 * Central by artifact name (bench/kafka/pom.xml) into bench/.cache on first use, then a single node in
 * KRaft combined mode (broker + controller) on loopback: storage formatted, started with the JVM
 * settings of kafka-server-start.sh, ready once it answers ApiVersions, stopped with SIGTERM, its data
 * removed. Flush settings are Kafka's defaults (no fsync per write; the OS flushes the page cache).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, REPO_ROOT } from '../lib/paths.js';
import { runToEnd, startProcess } from '../lib/process.js';
import { brokerReady } from './broker-process.js';
import type { RunningBroker, StartOptions, Target } from './target.js';
import { DISK_BUDGET_BROKER_SETTINGS } from './disk-budget.js';

export const KAFKA_VERSION = '4.4.0';

/** kafka-server-start.sh's defaults (KAFKA_HEAP_OPTS and KAFKA_JVM_PERFORMANCE_OPTS). */
export const KAFKA_JVM_FLAGS = [
  '-Xms1g',
  '-Xmx1g',
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-Djava.awt.headless=true',
];

export const kafkaLibs = (): string => join(CACHE_DIR, `kafka-${KAFKA_VERSION}`, 'libs');
export const kafkaClasspath = (): string => `${kafkaLibs()}/*`;

/** Resolves the jars with Maven unless they are already in the cache. */
export async function ensureKafkaJars(log: (line: string) => void): Promise<void> {
  const libs = kafkaLibs();
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) return;
  log(`fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${libs}`);
  const r = await runToEnd(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(REPO_ROOT, 'bench', 'kafka', 'pom.xml'),
      `-Dkafka.version=${KAFKA_VERSION}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
    ],
    {},
    600_000,
  );
  if (r.code !== 0) {
    rmSync(libs, { recursive: true, force: true });
    throw new Error(`mvn could not resolve Kafka ${KAFKA_VERSION}: ${(r.stdout + r.stderr).slice(-2000)}`);
  }
}

/** The broker's settings; `overrides` replace or add keys (a secured listener, an authorizer). */
export type KafkaOverrides = (ports: { port: number; controller: number }) => Record<string, string>;

function serverProperties(dataDir: string, port: number, overrides: KafkaOverrides): string {
  const controller = port + 1;
  const settings: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controller}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(dataDir, 'kafka-logs'),
    // A single node: internal topics cannot have more replicas than brokers.
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // Consumer tools should not wait 3 s for a first rebalance on an idle benchmark broker.
    'group.initial.rebalance.delay.ms': 0,
    ...DISK_BUDGET_BROKER_SETTINGS,
    ...overrides({ port, controller }),
  };
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/** Kafka's own logging: warnings to a file in the data dir, so a failure can be read afterwards. */
function log4j2(dataDir: string): string {
  return [
    'appender.file.type=File',
    'appender.file.name=file',
    `appender.file.fileName=${join(dataDir, 'server.log')}`,
    'appender.file.layout.type=PatternLayout',
    'appender.file.layout.pattern=[%d] %p %m (%c)%n',
    'rootLogger.level=WARN',
    'rootLogger.appenderRef.file.ref=file',
    '',
  ].join('\n');
}

/** A KRaft cluster id: 16 random bytes, base64url without padding. */
const clusterId = (): string => randomBytes(16).toString('base64url');

export class KafkaTarget implements Target {
  readonly name = 'kafka';

  constructor(private readonly overrides: KafkaOverrides = () => ({})) {}

  describe(): Record<string, string> {
    return {
      broker: `Apache Kafka ${KAFKA_VERSION} (Maven Central jars), KRaft combined mode, single node`,
      jvm: KAFKA_JVM_FLAGS.join(' '),
      durability:
        'Kafka defaults: log.flush.interval.messages/ms unset (page cache, OS writeback); acks=all acknowledges when the ISR (this one node) has appended',
    };
  }

  async unavailable(): Promise<string | null> {
    const java = await runToEnd('java', ['-version'], {}, 30_000).catch(() => null);
    if (java?.code !== 0) return 'no Java runtime (Kafka 4 needs Java 17+)';
    try {
      await ensureKafkaJars(() => {});
    } catch (e) {
      return (e as Error).message;
    }
    return null;
  }

  async start(options: StartOptions): Promise<RunningBroker> {
    await ensureKafkaJars(() => {});
    mkdirSync(options.dataRoot, { recursive: true });
    const dir = mkdtempSync(join(options.dataRoot, 'kafka-'));
    const props = join(dir, 'server.properties');
    writeFileSync(props, serverProperties(dir, options.port, this.overrides));
    writeFileSync(join(dir, 'log4j2.properties'), log4j2(dir));
    const cp = kafkaClasspath();
    const logging = `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`;
    const format = await runToEnd('java', ['-Xmx256m', logging, '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props], {}, 120_000);
    if (format.code !== 0) throw new Error(`kafka storage format failed: ${format.stdout}${format.stderr}`);
    const child = startProcess('java', [...KAFKA_JVM_FLAGS, logging, '-cp', cp, 'kafka.Kafka', props], { cpus: options.cpus });
    return brokerReady(child, { target: this.name, label: 'Kafka', port: options.port, dir, readyTimeoutMs: 90_000, stopGraceMs: 30_000 });
  }
}

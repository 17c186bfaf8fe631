/**
 * Apache Kafka as a benchmark target: the released jars of one 4.x version resolved from Maven
 * Central by artifact name (bench/kafka/pom.xml) into bench/.cache on first use, then a single node in
 * KRaft combined mode (broker + controller) on loopback: storage formatted, started with the JVM
 * settings of kafka-server-start.sh, ready once it answers ApiVersions, stopped with SIGTERM, its data
 * removed. Flush settings are Kafka's defaults (no fsync per write; the OS flushes the page cache).
 * The nodes of the three-broker target (kafka-cluster.ts) start the same way.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, REPO_ROOT } from '../lib/paths.js';
import { ephemeralPort } from '../lib/ports.js';
import { type SecuredProtocol, securedListenerSettings } from '../lib/security.js';
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

/** Where a node of a KRaft cluster listens, and the one controller every node of it votes for. */
export interface KafkaNodePlacement {
  nodeId: number;
  port: number;
  /** The controller's node id and port; the node whose id this is runs as broker and controller (combined mode). */
  controller: { nodeId: number; port: number };
  /** Ports of SSL and SASL_SSL listeners besides PLAINTEXT's. */
  secured?: Readonly<Record<SecuredProtocol, number>>;
}

function serverProperties(dataDir: string, node: KafkaNodePlacement, settings: Record<string, string>): string {
  const { nodeId, port, controller, secured } = node;
  const combined = controller.nodeId === nodeId;
  const clientListeners = [`PLAINTEXT://127.0.0.1:${port}`, ...Object.entries(secured ?? {}).map(([protocol, p]) => `${protocol}://127.0.0.1:${p}`)].join(',');
  const properties: Record<string, string | number> = {
    'process.roles': combined ? 'broker,controller' : 'broker',
    'node.id': nodeId,
    'controller.quorum.voters': `${controller.nodeId}@127.0.0.1:${controller.port}`,
    listeners: `${clientListeners}${combined ? `,CONTROLLER://127.0.0.1:${controller.port}` : ''}`,
    'advertised.listeners': clientListeners,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
    'log.dirs': join(dataDir, 'kafka-logs'),
    // Consumer tools should not wait 3 s for a first rebalance on an idle benchmark broker.
    'group.initial.rebalance.delay.ms': 0,
    ...DISK_BUDGET_BROKER_SETTINGS,
    ...settings,
  };
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/** A single node: internal topics cannot have more replicas than brokers. */
const SINGLE_NODE_SETTINGS = {
  'offsets.topic.replication.factor': '1',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
  'share.coordinator.state.topic.replication.factor': '1',
  'share.coordinator.state.topic.min.isr': '1',
};

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
export const clusterId = (): string => randomBytes(16).toString('base64url');

/** Settings a target's single node takes on top of the defaults (a secured listener, an authorizer), given its ports. */
export type KafkaOverrides = (ports: { port: number; controller: number }) => Record<string, string>;

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

  unavailable(): Promise<string | null> {
    return kafkaUnavailable();
  }

  async start(options: StartOptions): Promise<RunningBroker> {
    const secured = options.security && { SSL: await ephemeralPort(), SASL_SSL: await ephemeralPort() };
    const node = { nodeId: 1, port: options.port, controller: { nodeId: 1, port: options.port + 1 }, secured };
    const settings = {
      ...SINGLE_NODE_SETTINGS,
      ...(options.security ? securedListenerSettings(options.security) : {}),
      ...this.overrides({ port: node.port, controller: node.controller.port }),
    };
    const broker = await startKafkaNode({ target: this.name, dataRoot: options.dataRoot, cpus: options.cpus, clusterId: clusterId(), node, settings });
    return secured ? { ...broker, secured: { SSL: `127.0.0.1:${secured.SSL}`, SASL_SSL: `127.0.0.1:${secured.SASL_SSL}` } } : broker;
  }
}

/** Why Kafka cannot run here (no Java, or the jars cannot be resolved), or null. */
export async function kafkaUnavailable(): Promise<string | null> {
  const java = await runToEnd('java', ['-version'], {}, 30_000).catch(() => null);
  if (java?.code !== 0) return 'no Java runtime (Kafka 4 needs Java 17+)';
  try {
    await ensureKafkaJars(() => {});
  } catch (e) {
    return (e as Error).message;
  }
  return null;
}

export interface KafkaNodeOptions {
  target: string;
  dataRoot: string;
  cpus?: string;
  /** The same for every node of a cluster. */
  clusterId: string;
  node: KafkaNodePlacement;
  settings?: Record<string, string>;
  /** How long it may take to answer (default 90 s). */
  readyTimeoutMs?: number;
}

/** Formats a node's storage and starts it; resolves once it answers ApiVersions. Stopping it removes its data. */
export async function startKafkaNode(o: KafkaNodeOptions): Promise<RunningBroker> {
  const dir = await formatKafkaNode(o);
  try {
    return await launchKafkaNode(o, dir, true);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Writes a node's configuration into a new directory under the data root and formats its storage there; returns the directory. */
export async function formatKafkaNode(o: KafkaNodeOptions): Promise<string> {
  await ensureKafkaJars(() => {});
  mkdirSync(o.dataRoot, { recursive: true });
  const dir = mkdtempSync(join(o.dataRoot, `kafka-${o.node.nodeId}-`));
  writeFileSync(join(dir, 'server.properties'), serverProperties(dir, o.node, o.settings ?? {}));
  writeFileSync(join(dir, 'log4j2.properties'), log4j2(dir));
  // `--cluster-id=` keeps an id that begins with '-' (one in 64 of them) from being parsed as an option.
  const format = await runToEnd(
    'java',
    [
      '-Xmx256m',
      loggingFlag(dir),
      '-cp',
      kafkaClasspath(),
      'kafka.tools.StorageTool',
      'format',
      `--cluster-id=${o.clusterId}`,
      '-c',
      join(dir, 'server.properties'),
    ],
    {},
    120_000,
  );
  if (format.code !== 0) throw new Error(`kafka storage format failed: ${format.stdout}${format.stderr}`);
  return dir;
}

/** Starts a formatted node on its directory; resolves once it answers ApiVersions. Stopping it removes the directory when `removeOnStop`. */
export function launchKafkaNode(o: KafkaNodeOptions, dir: string, removeOnStop: boolean): Promise<RunningBroker> {
  const child = startProcess('java', [...KAFKA_JVM_FLAGS, loggingFlag(dir), '-cp', kafkaClasspath(), 'kafka.Kafka', join(dir, 'server.properties')], {
    cpus: o.cpus,
  });
  return brokerReady(child, {
    target: o.target,
    label: `Kafka node ${o.node.nodeId}`,
    port: o.node.port,
    ...(removeOnStop ? { dir } : {}),
    readyTimeoutMs: o.readyTimeoutMs ?? 90_000,
    stopGraceMs: 30_000,
  });
}

const loggingFlag = (dir: string): string => `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`;

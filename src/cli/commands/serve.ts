/**
 * `gregor serve`: loads the configuration (flags, GREGOR_* environment, server.properties), starts the
 * admin endpoint (live at once, ready once the broker is), starts the broker, prints where it listens with
 * commands to try it, and shuts down gracefully on SIGTERM or SIGINT within the 10 s budget (a second
 * signal exits at once).
 */
import { basename, relative } from 'node:path';
import type { BrokerConfig } from '../../config/broker-config.js';
import { loadBrokerConfig } from '../../config/sources/load.js';
import { parseOverride } from '../../config/sources/override-source.js';
import type { SourcedSetting } from '../../config/sources/setting.js';
import { createLogger, type Logger } from '../../logging/logger.js';
import { AdminServer, parseHostPort } from '../../metrics/admin-server.js';
import { BrokerMetrics } from '../../metrics/broker-metrics.js';
import { logDirStates, offlineLogDirs, type GroupLag, type LogDirState, type PartitionState } from '../../metrics/broker-state.js';
import { ApiKey } from '../../protocol/api-keys.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { Broker } from '../../broker/broker.js';

export interface ServeOptions {
  readonly config?: string;
  readonly override?: string[];
  readonly listen?: string;
  readonly dataDir?: string;
  readonly admin?: string;
  readonly logLevel?: string;
}

const SHUTDOWN_BUDGET_MS = 10_000;
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export async function serve(options: ServeOptions): Promise<void> {
  // Listen for signals before anything starts, so a stop during start-up is graceful too.
  const stop = signalled();
  const { config, unknown } = await loadBrokerConfig({ file: options.config, flags: flagSettings(options) });
  const logger = createLogger({ level: config.string('gregor.log.level') });
  for (const setting of unknown) logger.warn({ key: setting.key, origin: setting.origin }, `unknown broker config ${setting.key} ignored`);

  const metrics = new BrokerMetrics({
    kafkaNames: config.bool('gregor.metrics.kafka.names.enable'),
    apiName: (apiKey) => ApiKey[apiKey] ?? `api_${apiKey}`,
  });
  const admin = config.has('gregor.admin.listener') ? await AdminServer.start(parseHostPort(config.string('gregor.admin.listener')), metrics) : undefined;
  const broker = await Broker.start({ config, logger, observeRequest: metrics.requestObserver(), traffic: metrics });
  const logDirs = (): LogDirState[] => logDirStates(broker.logManager);
  metrics.setStateSource({
    logDirs,
    partitions: () => partitionStates(broker),
    consumerGroupLag: () => groupLag(broker.services.groupCoordinator),
    connectionCount: () => broker.connectionCount,
    workerQueueDepth: () => broker.workerQueueDepth,
    uncleanLeaderElections: () => broker.metadata.uncleanLeaderElections,
    offlinePartitions: () => broker.metadata.offlinePartitionCount,
    replication: () => broker.replicaManager.replicationState(),
    quotaSensors: () => broker.services.quotas.sensorStates(),
    connectionsThrottled: () => broker.services.quotas.connections.refusedCount,
  });
  broker.metadata.subscribe({ topicDeleted: (topic) => metrics.forgetTopic(topic.name) });
  admin?.watchLogDirs(() => offlineLogDirs(logDirs()));
  admin?.setReady(true);
  process.stdout.write(banner(broker, config, admin));

  const signal = await stop;
  logger.info({ signal }, 'shutting down');
  admin?.setReady(false);
  setTimeout(() => {
    logger.error({ budgetMs: SHUTDOWN_BUDGET_MS }, 'shutdown overran its budget; exiting');
    process.exit(1);
  }, SHUTDOWN_BUDGET_MS).unref();
  await closeAll(broker, admin, logger);
}

/** Resolves on the first SIGTERM or SIGINT; a second one exits at once. */
function signalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals): void => {
      for (const s of STOP_SIGNALS) {
        process.off(s, first);
        process.once(s, () => process.exit(130));
      }
      resolve(signal);
    };
    for (const s of STOP_SIGNALS) process.once(s, first);
  });
}

function* partitionStates(broker: Broker): Iterable<PartitionState> {
  for (const partitions of broker.replicaManager.partitionsByLogDir().values()) {
    for (const p of partitions) {
      yield { topic: p.topic, partition: p.partition, sizeBytes: p.log.size, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset };
    }
  }
}

function* groupLag(coordinator: GroupCoordinator): Iterable<GroupLag> {
  for (const { groupId } of coordinator.listGroups()) {
    for (const p of coordinator.lag(groupId)) {
      if (p.lag !== undefined) yield { group: groupId, topic: p.topic, partition: p.partition, lag: p.lag };
    }
  }
}

async function closeAll(broker: Broker, admin: AdminServer | undefined, logger: Logger): Promise<void> {
  try {
    await broker.close();
  } catch (error) {
    logger.error({ err: error }, 'broker close failed');
    process.exitCode = 1;
  }
  await admin?.close();
}

/** The command-line settings: --override pairs, then the shorthands (which win over --override). */
function flagSettings(options: ServeOptions): SourcedSetting[] {
  const settings = (options.override ?? []).map(parseOverride);
  const shorthand = (key: string, value: string | undefined, flag: string): void => {
    if (value !== undefined) settings.push({ key, value, origin: flag });
  };
  shorthand('listeners', options.listen === undefined ? undefined : `PLAINTEXT://${options.listen}`, '--listen');
  shorthand('log.dirs', options.dataDir, '--data-dir');
  shorthand('gregor.admin.listener', options.admin, '--admin');
  shorthand('gregor.log.level', options.logLevel, '--log-level');
  return settings;
}

/** What an operator needs once the broker is up: where it listens and two commands to try it. */
function banner(broker: Broker, config: BrokerConfig, admin: AdminServer | undefined): string {
  const servers = broker.bootstrapServers ?? '(no listener)';
  const gregor = basename(process.argv[1] ?? '') === 'gregor' ? 'gregor' : `node ${relative(process.cwd(), process.argv[1] ?? 'gregor') || '.'}`;
  const lines = [
    `gregor is ready: Kafka clients connect to ${servers} (node ${broker.metadata.nodeId}, cluster ${broker.metadata.clusterId})`,
    `data in ${config.logDirs.join(', ')}`,
  ];
  if (admin) lines.push(`metrics at http://${hostForUrl(admin.address.host)}:${admin.address.port}/metrics, health at /health/live and /health/ready`);
  lines.push(
    'try:',
    `  echo 'hello gregor' | ${gregor} produce --brokers ${servers} quickstart`,
    `  ${gregor} consume --brokers ${servers} quickstart --num 1`,
    '',
  );
  return lines.join('\n');
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

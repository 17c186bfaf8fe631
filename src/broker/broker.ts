/**
 * The composition root: `Broker.start(options)` opens the configuration, cluster metadata, logs and
 * partitions, starts their cleaning and retention in the partition workers and the group layer, then the
 * network front end (src/server) that serves Kafka clients; `close()` undoes it in reverse within the shutdown budget (in a
 * cluster first moving leadership off the broker, Kafka's controlled shutdown; then stop accepting, answer in-flight
 * requests, end the partition workers, write producer snapshots, flush and close the logs with their
 * clean-shutdown checkpoint). The services are exposed for in-process users (the embedded API, the CLI),
 * which produce and consume through them without a socket.
 */
import type { Logger } from 'pino';
import { ClusterMetadata, metadataDirOf } from '../cluster/cluster-metadata.js';
import { BrokerConfig, type BrokerSettings } from '../config/broker-config.js';
import { AsyncCloseable } from '../lifecycle/async-closeable.js';
import { createLogger } from '../logging/logger.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { TrafficObserver } from '../metrics/traffic.js';
import type { PartitionLogManager } from '../replication/partition-log.js';
import { ProducerStateStore } from '../replication/producer-state-store.js';
import { ReplicaManager } from '../replication/replica-manager.js';
import type { RequestObserver } from '../server/dispatcher.js';
import { type FrontEnd, startFrontEnd } from '../server/front-end.js';
import { SCRAM_PREFIX } from '../security/scram/metadata-credential-store.js';
import { openScramCredentialStore } from '../security/scram/open-credential-store.js';
import { ACLS_PREFIX } from '../security/authorizer/acl-store.js';
import { openAuthorizer } from '../security/authorizer/open-authorizer.js';
import { openClientQuotas } from '../security/quota/open-quotas.js';
import type { ListenerIdentity } from '../security/session.js';
import type { BrokerServices, CoreServices } from '../services/broker-services.js';
import { LogManager } from '../storage/log-manager.js';
import { raiseOpenFileLimit } from '../storage/open-file-limit.js';
import { type GroupLayer, startGroups } from './group-layer.js';
import { PartitionMaintenance } from './partition-maintenance.js';
export interface BoundListener extends ListenerIdentity {
  readonly port: number;
}

/** Everything a graceful shutdown may take; Kafka clients and operators expect well under this. */
const SHUTDOWN_BUDGET_MS = 10_000;
/** Part of the budget given to in-flight requests (long-poll fetches are answered at once on close). */
const DRAIN_MS = 5_000;
/** Part of the budget given to moving leadership to other brokers first (controlled shutdown, in a cluster). */
const LEADERSHIP_MOVE_MS = 5_000;

export interface BrokerOptions {
  /** Broker settings by Kafka name (or an already loaded BrokerConfig). */
  readonly config?: BrokerConfig | BrokerSettings;
  /** false: no TCP listener (in-process use only). Otherwise overrides `listeners`. */
  readonly listen?: { readonly host?: string; readonly port?: number } | false;
  readonly logger?: Logger;
  /** Partition logs to use instead of the storage engine's (tests of the upper layers use in-memory ones). */
  readonly logManager?: PartitionLogManager;
  /** Per-request latency and error, for metrics. */
  readonly observeRequest?: RequestObserver;
  /** Per-partition produce and fetch outcomes, for metrics. */
  readonly traffic?: TrafficObserver;
  /** Starts the consumer-group layer over the broker's services (default: src/group's); its `close` runs before the logs close. */
  readonly groups?: (services: CoreServices) => Promise<GroupLayer>;
  /** The partition workers' module (default: the compiled one next to src/workers; tests running the TS sources pass the built one). */
  readonly partitionTaskModule?: string | URL;
}

export class Broker extends AsyncCloseable {
  readonly config: BrokerConfig;
  readonly metadata: ClusterMetadata;
  readonly replicaManager: ReplicaManager;
  readonly logManager: PartitionLogManager;
  readonly services: BrokerServices;
  readonly logger: Logger;
  readonly #frontEnd: FrontEnd | undefined;
  readonly #closeGroups: () => Promise<void>;
  /** Cleaning and retention of the storage engine's logs; none over logs supplied through `logManager`. */
  readonly maintenance: PartitionMaintenance | undefined;

  private constructor(
    parts: Pick<Broker, 'config' | 'metadata' | 'replicaManager' | 'logManager' | 'services' | 'logger' | 'maintenance'>,
    frontEnd: FrontEnd | undefined,
    closeGroups: () => Promise<void>,
  ) {
    super();
    this.config = parts.config;
    this.metadata = parts.metadata;
    this.replicaManager = parts.replicaManager;
    this.logManager = parts.logManager;
    this.services = parts.services;
    this.logger = parts.logger;
    this.maintenance = parts.maintenance;
    this.#frontEnd = frontEnd;
    this.#closeGroups = closeGroups;
  }

  static async start(options: BrokerOptions = {}): Promise<Broker> {
    const config = options.config instanceof BrokerConfig ? options.config : BrokerConfig.create(options.config ?? {});
    if (options.listen === false && config.string('gregor.metadata.store') === 'etcd') {
      // It would never register: the other brokers could not fetch from it, nor clients be sent to it.
      throw new KafkaError(ErrorCode.INVALID_CONFIG, 'a broker of a cluster (gregor.metadata.store=etcd) needs a listener; listen: false is for a single node');
    }
    const logger = options.logger ?? createLogger();
    raiseOpenFileLimit(logger);
    const metadata = await ClusterMetadata.open(config, config.logDirs, logger.child({ component: 'cluster' }));
    const scramCredentials = await openScramCredentialStore(config, (onChange) => metadata.watchPrefix(SCRAM_PREFIX, onChange));
    const logManager = options.logManager ?? (await openLogManager(config, logger.child({ component: 'storage' })));
    const replicaManager = new ReplicaManager(config, metadata, logManager, new ProducerStateStore(), logger.child({ component: 'replica-manager' }));
    await replicaManager.start();
    const maintenance = options.logManager
      ? undefined
      : PartitionMaintenance.start({
          config,
          metadata,
          replicaManager,
          logManager,
          taskModule: options.partitionTaskModule,
          logger: logger.child({ component: 'log-maintenance' }),
        });
    const authorizer = await openAuthorizer(config, metadataDirOf(config), (onChange) => metadata.watchPrefix(ACLS_PREFIX, onChange));
    const quotas = await openClientQuotas(config, metadata);
    const core: CoreServices = { config, metadata, replicaManager, traffic: options.traffic, authorizer };
    const groups = await (options.groups ?? ((services) => startGroups(services, logger.child({ component: 'groups' }))))(core);
    const services: BrokerServices = {
      ...core,
      groupCoordinator: groups.groupCoordinator,
      ensureOffsetsTopic: () => groups.ensureOffsetsTopic(),
      scramCredentials,
      quotas,
    };
    let frontEnd: FrontEnd | undefined;
    if (options.listen !== false) {
      frontEnd = await startFrontEnd(services, { config, listen: options.listen, logger, observeRequest: options.observeRequest });
    }
    const broker = new Broker({ config, metadata, replicaManager, logManager, services, logger, maintenance }, frontEnd, groups.close.bind(groups));
    if (frontEnd) {
      try {
        const listeners = frontEnd.listeners.map(({ identity }) => ({ name: identity.name, ...identity.advertised, securityProtocol: identity.protocol }));
        await metadata.setListeners(listeners, frontEnd.interBrokerListener);
      } catch (error) {
        // Refused by the cluster (its node id is taken): nothing of this broker may stay running.
        await broker.close();
        throw error;
      }
    }
    logger.info({ nodeId: metadata.nodeId, clusterId: metadata.clusterId, listening: broker.bootstrapServers }, 'broker started');
    return broker;
  }

  /** Client connections open now. */
  get connectionCount(): number {
    return this.#frontEnd?.connectionCount ?? 0;
  }

  /** Tasks queued or running in the partition worker pools. */
  get workerQueueDepth(): number {
    return this.maintenance?.queueDepth ?? 0;
  }

  /** The bound port (the real one when port 0 was asked for); undefined without a listener. */
  get port(): number | undefined {
    return this.#frontEnd?.port;
  }

  /** Each listener's name, protocol, bound port and advertised address, in the order of `listeners`. */
  get listeners(): readonly BoundListener[] {
    return (this.#frontEnd?.listeners ?? []).map((l) => ({ ...l.identity, port: l.address.port }));
  }

  /** `host:port` clients should bootstrap from (the advertised address); undefined without a listener. */
  get bootstrapServers(): string | undefined {
    if (!this.#frontEnd) return undefined;
    const endpoint = this.metadata.endpoint;
    return `${endpoint.host}:${endpoint.port}`;
  }

  /** Graceful shutdown: in a cluster, leadership moves to other brokers first while this one still serves. */
  protected async closeOnce(): Promise<void> {
    const started = Date.now();
    await this.metadata.controlledShutdown(LEADERSHIP_MOVE_MS).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'controlled shutdown failed; closing without moving leadership');
    });
    await this.#frontEnd?.close(DRAIN_MS, () => this.replicaManager.completeDelayedFetches());
    await this.#closeGroups();
    await this.metadata.close();
    await this.maintenance?.close();
    await this.replicaManager.close();
    this.logger.info({ ms: Date.now() - started, budgetMs: SHUTDOWN_BUDGET_MS }, 'broker stopped');
  }
}

/**
 * The storage engine over `log.dirs`. Flush policy: `log.flush.interval.ms` set → flush on that interval;
 * otherwise the page cache, with acks=all flushed before answering when gregor.flush.before.acks.all.enable.
 */
function openLogManager(config: BrokerConfig, logger: Logger): Promise<LogManager> {
  const interval = config.has('log.flush.interval.ms');
  return LogManager.open({
    logDirs: config.logDirs,
    flushPolicy: interval ? 'interval' : config.bool('gregor.flush.before.acks.all.enable') ? 'on-ack' : 'never',
    flushIntervalMs: interval ? config.int('log.flush.interval.ms') : undefined,
    minFreeBytes: config.int('gregor.log.dir.min.free.bytes'),
    logger,
  });
}

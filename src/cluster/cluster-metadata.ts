/**
 * The cluster metadata as the broker's handlers and services see it: node and cluster ids, the broker's
 * advertised endpoint, and the topics (ids, partitions with leader, leader epoch, replicas and ISR, config
 * overrides). It lives in the metadata store (by default a local file under the metadata dir,
 * `metadata.log.dir` else the first log dir; `gregor.metadata.store=etcd` shares it between brokers). Every
 * change, this broker's or another's, reaches this view through the store's watch and is applied in revision
 * order, announced to listeners (the ReplicaManager creates and deletes partition logs from them), the way
 * Kafka brokers apply metadata deltas; a change made here resolves once it has been applied here.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/broker-config.js';
import { TopicConfig, validateTopicConfig } from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { legacyMetadataOps } from './legacy-metadata.js';
import { type MetaProperties, randomKafkaId, readMetaProperties, writeMetaProperties } from './meta-properties.js';
import { MetadataView, type TopicChange, logDirsKey, logDirsPrefix } from './metadata-view.js';
import { joinClusterId } from './broker-membership.js';
import { BrokerSession } from './broker-session.js';
import { sweepOrphans } from './orphan-sweep.js';
import { Controller, type ReassignmentOutcome, refused, touchedPartitions } from './controller/controller.js';
import type { ElectionType } from './controller/partition-election.js';
import { reassignmentInProgress, startReassignment } from './controller/partition-reassignment.js';
import type { Lease, MetadataStore, Watch, WatchEvent } from './store/metadata-store.js';
import { campaign } from './store/election.js';
import { openMetadataStore } from './store/open-store.js';
import { type PlacementBroker, checkAssignment, placeReplicas } from './replica-placement.js';
import { KEYS, type PartitionState, SharedMetadata, type TopicRecord, type Versioned } from './store/shared-metadata.js';
import { type PrefixChange, WatchedPrefix } from './store/watched-prefix.js';

export const METADATA_FILE = 'gregor-cluster-metadata.json';

export interface PartitionInfo {
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  /** Bumped on every change of the partition's state. */
  readonly partitionEpoch: number;
  /** While a reassignment runs, its target replicas followed by those it removes. */
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Replicas a reassignment in progress adds (absent when none is). */
  readonly addingReplicas?: readonly number[];
  /** Replicas a reassignment in progress removes (absent when none is). */
  readonly removingReplicas?: readonly number[];
  /**
   * The log dir holding this node's replica, once placed (Kafka records directory assignments the same
   * way, KIP-858): if that dir fails, the partition stays offline instead of starting empty elsewhere.
   */
  readonly logDir?: string;
}

export interface TopicInfo {
  readonly name: string;
  /** UUID in 8-4-4-4-12 hex form (the codec's uuid representation). */
  readonly topicId: string;
  readonly partitions: readonly PartitionInfo[];
  readonly configs: Readonly<Record<string, string>>;
  /** Internal topics (`__consumer_offsets`) are created by the broker itself. */
  readonly internal: boolean;
}

export interface BrokerEndpoint {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/** One of a broker's listeners as registered: its name, the address it advertises and its security protocol. */
export interface ListenerEndpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: string;
}

export interface NewTopic {
  readonly numPartitions?: number;
  readonly replicationFactor?: number;
  /** The replicas of each partition, in partition order, when the client chose them (instead of a count and RF). */
  readonly assignment?: readonly (readonly number[])[];
  readonly configs?: Readonly<Record<string, string>>;
  readonly internal?: boolean;
}

/** Applies metadata changes to local state; called in revision order, each awaited before the next change. */
export interface MetadataListener {
  /**
   * Told once, when the listener subscribes, before the topics that exist are replayed to it: the view is then
   * the one loaded from the store (a broker drops what it holds that the view no longer gives it).
   */
  viewLoaded?(): Promise<void> | void;
  topicCreated?(topic: TopicInfo): Promise<void> | void;
  topicDeleted?(topic: TopicInfo): Promise<void> | void;
  partitionsCreated?(topic: TopicInfo, firstNewPartition: number): Promise<void> | void;
  topicConfigChanged?(topic: TopicInfo): Promise<void> | void;
  /** Existing partitions whose state (leader, epochs, replicas, ISR) changed in one revision. */
  partitionsChanged?(topic: TopicInfo, changes: readonly PartitionChange[]): Promise<void> | void;
  /** A broker registered or went (its lease ended); `brokers` are the live ones now. */
  brokersChanged?(brokers: readonly BrokerEndpoint[]): Promise<void> | void;
  /** This broker's session ended: until it registers again it leads nothing, whatever the partition states say. */
  sessionLost?(): void;
}

/** One partition's state before and after a change of it. */
export interface PartitionChange {
  readonly before: PartitionInfo;
  readonly after: PartitionInfo;
}

/** Producer ids are reserved in blocks, as Kafka's controller hands them to brokers, so a restart never reuses one. */
const PRODUCER_ID_BLOCK_SIZE = 1000;

const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_NAME_LENGTH = 249;

/** Where cluster metadata is kept: `metadata.log.dir`, else the first log dir. */
export function metadataDirOf(config: BrokerConfig, logDirs: readonly string[] = config.logDirs): string {
  return config.has('metadata.log.dir') ? config.string('metadata.log.dir') : logDirs[0]!;
}

/** Kafka's topic name rule; throws INVALID_TOPIC_EXCEPTION. */
export function validateTopicName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.length > MAX_TOPIC_NAME_LENGTH || !LEGAL_TOPIC_NAME.test(name)) {
    throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `illegal topic name ${JSON.stringify(name)}`);
  }
}

export class ClusterMetadata {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly #config: BrokerConfig;
  readonly #store: MetadataStore;
  readonly #shared: SharedMetadata;
  readonly #view: MetadataView;
  readonly #topicConfigs = new Map<string, TopicConfig>();
  readonly #listeners: MetadataListener[] = [];
  /** Revisions from the watch, applied one after another (listeners awaited). */
  #applying: Promise<unknown> = Promise.resolve();
  readonly #revisionWaiters = new Set<{ readonly revision: number; readonly resolve: () => void }>();
  /** Told after every change applied (controlled shutdown waits on them). */
  readonly #changeWaiters = new Set<() => void>();
  /** Errors of listeners that failed to apply a topic's creation, by revision, until its creator has seen them. */
  readonly #failedRevisions = new Map<number, unknown>();
  #changes: Promise<unknown> = Promise.resolve();
  #watch: Watch | undefined;
  #endpoint: BrokerEndpoint;
  #listenerEndpoints: readonly ListenerEndpoint[] = [];
  /** The listener brokers reach each other on (`inter.broker.listener.name`); else the first. */
  #interBrokerListener: string | undefined;
  #producerIds = { next: 0n, end: 0n };
  #producerIdQueue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** The metadata is shared with other brokers (etcd): brokers register, a controller is elected. */
  readonly #clustered: boolean;
  /** This broker's session in a shared store: its registration lives as long as the lease. */
  #session: BrokerSession | undefined;
  /** The epoch of this broker's latest registration (-1 before the first, and outside a cluster). */
  #brokerEpoch = -1;
  #stopCampaign: AbortController | undefined;
  /** Set while this broker is the controller. */
  #controller: Controller | undefined;
  #uncleanElections = 0;
  readonly #logger: Logger | undefined;
  /** Prefixes outside the topic metadata that other parts of the broker follow (see `watchPrefix`). */
  readonly #watchedPrefixes: WatchedPrefix[] = [];

  private constructor(config: BrokerConfig, meta: MetaProperties, store: MetadataStore, clustered: boolean, logger: Logger | undefined) {
    this.#config = config;
    this.#logger = logger;
    this.#clustered = clustered;
    this.clusterId = meta.clusterId;
    this.nodeId = meta.nodeId;
    this.#store = store;
    this.#shared = new SharedMetadata(store);
    this.#view = new MetadataView(meta.nodeId);
    this.#endpoint = { nodeId: meta.nodeId, host: '127.0.0.1', port: 9092, rack: null };
  }

  /**
   * Opens (or initialises) the metadata: every usable log dir gets a meta.properties with the same node and
   * cluster id, and a directory belonging to another cluster or node is refused. A dir that cannot be used
   * at all is skipped here (the storage engine reports it offline); the metadata dir must work. A metadata
   * file of the format before the store is converted in place.
   */
  static async open(config: BrokerConfig, logDirs: readonly string[], logger?: Logger): Promise<ClusterMetadata> {
    const existing: MetaProperties[] = [];
    const usable: string[] = [];
    for (const dir of logDirs) {
      let meta: MetaProperties | undefined;
      try {
        await mkdir(dir, { recursive: true });
        meta = await readMetaProperties(dir);
      } catch (error) {
        if (error instanceof KafkaError) throw error;
        continue;
      }
      usable.push(dir);
      if (meta) existing.push(meta);
    }
    const configured = config.int('node.id');
    const first = existing[0];
    const nodeId = configured >= 0 ? configured : (first?.nodeId ?? 1);
    for (const meta of existing) {
      if (meta.clusterId !== first!.clusterId || meta.nodeId !== nodeId) {
        throw new KafkaError(
          ErrorCode.INCONSISTENT_CLUSTER_ID,
          `log dirs disagree: cluster ${meta.clusterId} node ${meta.nodeId} vs cluster ${first!.clusterId} node ${nodeId}`,
        );
      }
    }
    const metadataDir = metadataDirOf(config, logDirs);
    await mkdir(metadataDir, { recursive: true });
    const clustered = config.string('gregor.metadata.store') === 'etcd';
    // A shared store is found by the cluster's name (the id is in it); the local one belongs to the data dir's cluster.
    const localClusterId = first?.clusterId ?? randomKafkaId();
    const store = await openMetadataStore(config, {
      clusterId: clustered ? config.string('gregor.cluster.name') : localClusterId,
      localFile: join(metadataDir, METADATA_FILE),
      migrate: (legacy) => legacyMetadataOps(nodeId, legacy),
    });
    let clusterId = localClusterId;
    try {
      if (clustered) clusterId = await joinClusterId(store, first?.clusterId, localClusterId);
      for (const dir of usable) {
        if (!(await readMetaProperties(dir))) await writeMetaProperties(dir, { clusterId, nodeId, directoryId: randomKafkaId() });
      }
    } catch (error) {
      await store.close();
      throw error;
    }
    const metadata = new ClusterMetadata(config, { clusterId, nodeId, directoryId: '' }, store, clustered, logger);
    try {
      // A single node is the only writer of its store, so at start no change is in progress: every key a crash
      // left unread in the middle of a change goes (in a cluster the controller's sweep removes them, once old enough).
      if (!clustered) await sweepOrphans(metadata.#shared, Number.POSITIVE_INFINITY, [], logger);
      await metadata.#follow();
    } catch (error) {
      await store.close();
      throw error;
    }
    return metadata;
  }

  /** Whether the metadata is shared with other brokers (etcd) rather than this node's own. */
  get clustered(): boolean {
    return this.#clustered;
  }

  /** The elected controller (-1 while there is none); a single node is its own controller. */
  get controllerId(): number {
    return this.#clustered ? (this.#view.controllerId ?? -1) : this.nodeId;
  }

  /** The address clients are told to connect to. */
  get endpoint(): BrokerEndpoint {
    return this.#endpoint;
  }

  /**
   * Set once the listeners are bound, each with its advertised address (`advertised.listeners`, else the
   * bound one); clients bootstrap from the first. In a cluster the broker then registers with all of them
   * (DUPLICATE_BROKER_REGISTRATION if its node id is taken by a live broker).
   */
  async setListeners(listeners: readonly ListenerEndpoint[], interBrokerListener?: string): Promise<void> {
    const rack = this.#config.has('broker.rack') ? this.#config.string('broker.rack') : null;
    const first = listeners[0]!;
    this.#endpoint = { nodeId: this.nodeId, host: first.host, port: first.port, rack };
    this.#listenerEndpoints = listeners;
    this.#interBrokerListener = interBrokerListener;
    if (!this.#clustered || this.#session) return;
    this.#session = await BrokerSession.start(
      this.#store,
      { nodeId: this.nodeId, listeners, rack },
      this.#config.int('broker.session.timeout.ms'),
      {
        registered: async (lease, brokerEpoch) => {
          this.#brokerEpoch = brokerEpoch;
          await this.#applied(brokerEpoch);
          this.#campaignForController(lease);
        },
        lost: () => {
          this.#stopControlling();
          for (const listener of this.#listeners) listener.sessionLost?.();
        },
      },
      this.#logger,
    );
  }

  /** The epoch of this broker's latest registration (KIP-380's broker epoch); -1 outside a cluster. */
  get brokerEpoch(): number {
    return this.#brokerEpoch;
  }

  /** The epoch a live broker registered with, as this broker has seen it (undefined when not registered, and outside a cluster). */
  brokerEpochOf(nodeId: number): number | undefined {
    return this.#view.brokers.find((b) => b.nodeId === nodeId)?.brokerEpoch;
  }

  /**
   * Whether this broker leads the partition now: the metadata names it leader and, in a cluster, its session
   * is alive (a broker that cannot prove its lease may already have been replaced as leader) and the state
   * was written since this incarnation registered. An older one gave the lead to the previous incarnation,
   * whose place the controller takes back (partition-election.ts): this one leads from the state it writes.
   */
  leads(topic: string, partition: number): boolean {
    const info = this.#view.topics.get(topic);
    if (info?.partitions[partition]?.leader !== this.nodeId) return false;
    if (!this.#clustered) return true;
    const written = this.#view.kv(KEYS.partition(info.topicId, partition))?.modRevision ?? 0;
    return this.#session?.alive === true && written > this.#brokerEpoch;
  }

  /**
   * Kafka's controlled shutdown: asks the controller to move leadership off this broker (a `shutting-down`
   * key under its lease, which the controller watches: elections stay the controller's alone, and the key
   * goes with the lease if the broker dies meanwhile), then waits, at most `timeoutMs`, until no partition it
   * leads has another live in-sync replica that could lead it. A partition with none (RF 1) stays with it
   * until it exits: there is nowhere to move it, so nothing is waited for. True when everything movable moved.
   */
  async controlledShutdown(timeoutMs: number): Promise<boolean> {
    const lease = this.#session?.lease;
    if (!this.#clustered || !lease || this.#closed) return true;
    const movable = (): boolean => {
      const live = new Set(this.#view.brokers.map((b) => b.nodeId));
      for (const topic of this.#view.topics.values()) {
        for (const p of topic.partitions) {
          if (p.leader === this.nodeId && p.isr.some((id) => id !== this.nodeId && live.has(id) && !this.#view.shuttingDown.has(id))) return true;
        }
      }
      return false;
    };
    await this.#applied(await this.#store.put(KEYS.shuttingDown(this.nodeId), '', { lease: lease.id }));
    const moved = await this.#until(() => !movable(), timeoutMs);
    if (!moved) this.#logger?.warn({ nodeId: this.nodeId, timeoutMs }, 'controlled shutdown: leadership did not move off this broker in time');
    return moved;
  }

  /** Resolves true once `condition` holds after some applied change (or now), false after `timeoutMs`. */
  #until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!condition()) return;
        finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (result: boolean): void => {
        clearTimeout(timer);
        this.#changeWaiters.delete(check);
        resolve(result);
      };
      this.#changeWaiters.add(check);
    });
  }

  /** Unclean leader elections this broker made as controller (`gregor_unclean_leader_elections_total`). */
  get uncleanLeaderElections(): number {
    return this.#uncleanElections;
  }

  /**
   * Partitions without a live leader, counted by the controller only (Kafka's OfflinePartitionsCount: every
   * other broker reports 0, so the cluster's sum is the count).
   */
  get offlinePartitionCount(): number {
    if (this.controllerId !== this.nodeId) return 0;
    const live = new Set(this.brokers().map((b) => b.nodeId));
    let offline = 0;
    for (const topic of this.#view.topics.values()) for (const p of topic.partitions) if (!live.has(p.leader)) offline++;
    return offline;
  }

  /**
   * Brokers that can hold replicas: the live ones, counting this broker while it starts (its internal topics
   * are created before its listener is bound and it registers).
   */
  #placementBrokers(): PlacementBroker[] {
    const live = this.brokers().map((b) => ({ nodeId: b.nodeId, rack: b.rack }));
    if (live.some((b) => b.nodeId === this.nodeId)) return live;
    const rack = this.#config.has('broker.rack') ? this.#config.string('broker.rack') : null;
    return [...live, { nodeId: this.nodeId, rack }];
  }

  /**
   * Stands for controller until elected (the election is the store's: lease + campaign) or the session ends;
   * once elected and the election applied here, acts as controller, starting with a full pass.
   */
  #campaignForController(lease: Lease): void {
    const abort = new AbortController();
    this.#stopCampaign = abort;
    campaign(this.#store, KEYS.controller, String(this.nodeId), lease, abort.signal)
      .then(async (leadership) => {
        await this.#applied(leadership.revision);
        if (abort.signal.aborted) return;
        this.#controller = new Controller({
          store: this.#store,
          leadership,
          view: {
            topics: () => this.#view.topics.values(),
            partitionState: (topicId, partition) => this.#partitionState(topicId, partition),
            liveBrokers: () => new Set(this.#view.brokers.map((b) => b.nodeId)),
            brokerEpochs: () => new Map(this.#view.brokers.map((b) => [b.nodeId, b.brokerEpoch])),
            shuttingDown: () => this.#view.shuttingDown,
            uncleanElectionAllowed: (topic) => this.#topicConfigs.get(topic)?.bool('unclean.leader.election.enable') ?? false,
          },
          logger: this.#logger?.child({ component: 'controller' }),
          onUncleanElection: () => void this.#uncleanElections++,
          leaderBalance: this.#config.bool('auto.leader.rebalance.enable')
            ? {
                intervalMs: this.#config.int('leader.imbalance.check.interval.seconds') * 1000,
                imbalancePercentage: this.#config.int('leader.imbalance.per.broker.percentage'),
              }
            : undefined,
        });
        this.#logger?.info({ nodeId: this.nodeId, revision: leadership.revision }, 'elected controller');
        this.#controller.reconcile();
      })
      // Aborted on close or loss of the session, or the store failed: the session's next registration campaigns again.
      .catch(() => undefined);
  }

  /**
   * ElectLeaders: the outcome per partition asked for (every partition when `requested` is undefined), in
   * the order asked. Only the controller elects: another broker answers NOT_CONTROLLER, and the admin client
   * asks the controller Metadata names, as with a ZooKeeper-era Kafka. A single node already leads everything.
   */
  async electLeaders(
    type: ElectionType,
    requested: readonly { readonly topic: string; readonly partition: number }[] | undefined,
  ): Promise<{ topic: string; partition: number; errorCode: ErrorCode }[]> {
    const wanted = requested ?? [...this.#view.topics.values()].flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
    const known = wanted.map(({ topic, partition }) => ({ topic, partition, info: this.topic(topic) }));
    if (!this.#clustered) {
      return known.map(({ topic, partition, info }) => ({
        topic,
        partition,
        errorCode: info?.partitions[partition] ? ErrorCode.ELECTION_NOT_NEEDED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      }));
    }
    const controller = this.#controllerOrRefuse();
    const electable = known.filter((k): k is typeof k & { info: TopicInfo } => k.info?.partitions[k.partition] !== undefined);
    const outcomes = await controller.electLeaders(
      type,
      electable.map(({ info, partition }) => ({ topic: info, partition })),
    );
    const byPartition = new Map(electable.map((k, i) => [`${k.topic}\u0000${k.partition}`, outcomes[i]!]));
    return known.map(({ topic, partition }) => ({
      topic,
      partition,
      errorCode: byPartition.get(`${topic}\u0000${partition}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    }));
  }

  /**
   * AlterPartitionReassignments: each partition's target replicas (null cancels its reassignment), answered
   * per partition in the order asked once its new state is recorded. Made by the controller, as elections
   * are (NOT_CONTROLLER elsewhere). A single node has nowhere to move a partition: a valid target is its
   * own replica, which changes nothing.
   */
  async alterPartitionReassignments(
    requested: readonly { readonly topic: string; readonly partition: number; readonly replicas: readonly number[] | null }[],
    allowReplicationFactorChange: boolean,
  ): Promise<{ topic: string; partition: number; errorCode: ErrorCode; errorMessage: string | null }[]> {
    const controller = this.#clustered ? this.#controllerOrRefuse() : undefined;
    const reassignable = requested.flatMap((r) => {
      const info = this.topic(r.topic);
      return info?.partitions[r.partition] ? [{ ...r, info }] : [];
    });
    const outcomes = controller
      ? await controller.alterReassignments(
          reassignable.map(({ info, partition, replicas }) => ({ topic: info, partition, target: replicas })),
          allowReplicationFactorChange,
        )
      : reassignable.map(({ info, partition, replicas }) => this.#singleNodeReassignment(info.partitions[partition]!, replicas));
    // Answered once this broker applied the changes, so that a ListPartitionReassignments after it sees them.
    await this.#applied(Math.max(0, ...outcomes.map((o) => o.revision ?? 0)));
    let next = 0;
    return requested.map(({ topic, partition }) => {
      const outcome = reassignable[next]?.topic === topic && reassignable[next]?.partition === partition ? outcomes[next++]! : undefined;
      const { errorCode, errorMessage } = outcome ?? refused(new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}`));
      return { topic, partition, errorCode, errorMessage };
    });
  }

  /**
   * ListPartitionReassignments: the partitions with a reassignment in progress, of those asked for (every
   * partition when `requested` is undefined; partitions that do not exist are left out, as Kafka does).
   * Answered by the controller (NOT_CONTROLLER elsewhere), as AlterPartitionReassignments.
   */
  listPartitionReassignments(
    requested: readonly { readonly topic: string; readonly partitions: readonly number[] }[] | undefined,
  ): { topic: string; partitions: PartitionInfo[] }[] {
    if (this.#clustered) this.#controllerOrRefuse();
    const wanted = requested ?? [...this.#view.topics.values()].map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partition) }));
    const listed: { topic: string; partitions: PartitionInfo[] }[] = [];
    for (const { topic, partitions } of wanted) {
      const info = this.topic(topic);
      const reassigning = partitions.flatMap((index) => {
        const partition = info?.partitions[index];
        return partition && reassignmentInProgress(partition) ? [partition] : [];
      });
      if (reassigning.length > 0) listed.push({ topic, partitions: reassigning });
    }
    return listed;
  }

  #controllerOrRefuse(): Controller {
    const controller = this.#controller;
    if (!controller) throw new KafkaError(ErrorCode.NOT_CONTROLLER, `broker ${this.nodeId} is not the controller (${this.controllerId} is)`);
    return controller;
  }

  /** A single node's answer: the target validated against its one broker (a valid one names only the replica it has). */
  #singleNodeReassignment(state: PartitionInfo, target: readonly number[] | null): ReassignmentOutcome {
    try {
      if (target === null) throw new KafkaError(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, 'no partition reassignment is in progress');
      startReassignment(state, target, { registered: new Set([this.nodeId]), serving: () => true }, true);
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (error) {
      if (error instanceof KafkaError) return refused(error);
      throw error;
    }
  }

  /** Leaves the controller election and, if this broker is the controller, stops acting as one. */
  #stopControlling(): void {
    this.#stopCampaign?.abort();
    this.#stopCampaign = undefined;
    this.#controller?.stop();
    this.#controller = undefined;
  }

  #partitionState(topicId: string, partition: number): Versioned<PartitionState> | undefined {
    const kv = this.#view.kv(KEYS.partition(topicId, partition));
    return kv && { value: JSON.parse(kv.value) as PartitionState, modRevision: kv.modRevision };
  }

  /**
   * The live brokers (those registered in the cluster, or this node alone) at their address on the listener
   * named, as Kafka answers the clients of a listener: brokers without that listener are left out. Without
   * a name, at their first listener's address.
   */
  brokers(listenerName?: string): readonly BrokerEndpoint[] {
    // A single node without listeners (in-process use) is still the one broker, at its default endpoint.
    if (!this.#clustered && this.#listenerEndpoints.length === 0) return [this.#endpoint];
    const registered = this.#clustered ? this.#view.brokers : [{ nodeId: this.nodeId, rack: this.#endpoint.rack, listeners: this.#listenerEndpoints }];
    const endpoints: BrokerEndpoint[] = [];
    for (const broker of registered) {
      const listener = listenerName === undefined ? broker.listeners[0] : broker.listeners.find((l) => l.name === listenerName);
      if (listener) endpoints.push({ nodeId: broker.nodeId, host: listener.host, port: listener.port, rack: broker.rack });
    }
    return endpoints;
  }

  /**
   * A live broker's address on the listener named, by default the inter-broker listener
   * (`inter.broker.listener.name`, else the broker's first): where a follower fetches from its leader.
   */
  brokerEndpoint(nodeId: number, listenerName = this.#interBrokerListener): BrokerEndpoint | undefined {
    return this.brokers(listenerName).find((b) => b.nodeId === nodeId);
  }

  /**
   * Adds a listener of later changes; it first hears that the view is loaded and of every topic that exists
   * (as `topicCreated`), in the same order as the changes, so that nothing falls between what it read and what
   * it is told.
   */
  subscribe(listener: MetadataListener): Promise<void> {
    return this.#serialApply(async () => {
      await listener.viewLoaded?.();
      for (const topic of this.#view.topics.values()) await listener.topicCreated?.(topic);
      this.#listeners.push(listener);
    });
  }

  topic(name: string): TopicInfo | undefined {
    return this.#view.topics.get(name);
  }

  topicById(topicId: string): TopicInfo | undefined {
    return this.#view.topicById(topicId);
  }

  topics(): IterableIterator<TopicInfo> {
    return this.#view.topics.values();
  }

  /** The configuration in effect for a topic (its overrides over the broker's values). */
  topicConfig(name: string): TopicConfig {
    const config = this.#topicConfigs.get(name);
    if (!config) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name);
    return config;
  }

  /**
   * Validates without creating (CreateTopics `validateOnly`): name, partition count, replication factor and
   * configs, with Kafka's error codes. Returns the values the topic would get.
   */
  validateNewTopic(name: string, spec: NewTopic): { numPartitions: number; replicationFactor: number } {
    validateTopicName(name);
    if (this.topic(name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${name} already exists`);
    const { assignment } = spec;
    const numPartitions =
      assignment?.length ?? (spec.numPartitions === undefined || spec.numPartitions === -1 ? this.#config.int('num.partitions') : spec.numPartitions);
    const replicationFactor =
      assignment?.[0]?.length ??
      (spec.replicationFactor === undefined || spec.replicationFactor === -1 ? this.#config.int('default.replication.factor') : spec.replicationFactor);
    if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'number of partitions must be at least 1');
    if (assignment) checkAssignment(this.#placementBrokers(), assignment, replicationFactor);
    if (replicationFactor < 1) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'replication factor must be at least 1');
    const available = this.#placementBrokers().length;
    if (replicationFactor > available) {
      throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${replicationFactor} is larger than the ${available} available broker(s)`);
    }
    for (const [key, value] of Object.entries(spec.configs ?? {})) validateTopicConfig(key, value);
    new TopicConfig(this.#config, spec.configs ?? {});
    return { numPartitions, replicationFactor };
  }

  /**
   * Creates a topic with a new topic id, its replicas placed over the live brokers this broker sees (Kafka's
   * placement from a random start). The store creates it only if the name is still free, so of two brokers
   * creating the same name at once one wins and the other answers TOPIC_ALREADY_EXISTS.
   */
  createTopic(name: string, spec: NewTopic = {}): Promise<TopicInfo> {
    return this.#change(async () => {
      const { numPartitions, replicationFactor } = this.validateNewTopic(name, spec);
      const brokers = this.#placementBrokers();
      const assignment =
        spec.assignment ??
        placeReplicas(brokers, { numPartitions, replicationFactor, startIndex: randomInt(brokers.length), replicaShift: randomInt(brokers.length) });
      const record: TopicRecord = { name, topicId: randomUUID(), internal: spec.internal ?? false };
      const states = assignment.map(newPartitionState);
      const revision = await this.#shared.createTopic(record, { ...(spec.configs ?? {}) }, states);
      try {
        await this.#applied(revision);
      } catch (failure) {
        // A listener could not set the topic up here (its partitions' logs did not open): it is deleted
        // again, so no topic stays recorded without its partitions.
        const logDirs = this.#view.kvs(logDirsPrefix(record.topicId)).map((kv) => kv.key);
        await this.#applied(await this.#shared.deleteTopic(record, revision, states.length, logDirs));
        throw failure;
      }
      return this.#existing(name);
    });
  }

  /** The topic, created with the broker defaults if it does not exist yet (auto-creation and internal topics). */
  async ensureTopic(name: string, spec: NewTopic = {}): Promise<TopicInfo> {
    const existing = this.topic(name);
    if (existing) return existing;
    try {
      return await this.createTopic(name, spec);
    } catch (error) {
      const created = this.topic(name);
      if (error instanceof KafkaError && error.code === ErrorCode.TOPIC_ALREADY_EXISTS && created) return created;
      throw error;
    }
  }

  deleteTopic(name: string): Promise<TopicInfo> {
    return this.#change(async () => {
      const topic = this.#existing(name);
      if (!this.#config.bool('delete.topic.enable')) throw new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'delete.topic.enable is false');
      const record: TopicRecord = { name, topicId: topic.topicId, internal: topic.internal };
      const logDirs = this.#view.kvs(logDirsPrefix(topic.topicId)).map((kv) => kv.key);
      const revision = this.#view.kv(KEYS.topic(name))!.modRevision;
      await this.#applied(await this.#shared.deleteTopic(record, revision, topic.partitions.length, logDirs));
      return topic;
    });
  }

  /**
   * Grows a topic to `count` partitions (CreatePartitions), placed by Kafka's rules or as `assignment` gives
   * the replicas of each new partition; INVALID_PARTITIONS unless it grows.
   */
  createPartitions(name: string, count: number, validateOnly = false, assignment?: readonly (readonly number[])[]): Promise<TopicInfo> {
    return this.#change(async () => {
      const topic = this.#existing(name);
      const current = topic.partitions.length;
      if (count < current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `topic ${name} has ${current} partitions; it cannot shrink to ${count}`);
      if (count === current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `topic ${name} already has ${current} partitions`);
      const brokers = this.#placementBrokers();
      // As Kafka, the new partitions continue the round robin from where partition 0's leader stands.
      const firstReplica = topic.partitions[0]?.replicas[0] ?? this.nodeId;
      const startIndex = Math.max(
        0,
        [...brokers].sort((a, b) => a.nodeId - b.nodeId).findIndex((b) => b.nodeId >= firstReplica),
      );
      const replicationFactor = topic.partitions[0]?.replicas.length ?? 1;
      if (assignment && assignment.length !== count - current) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${count - current} new partition(s) but ${assignment.length} assignment(s)`);
      }
      if (assignment) checkAssignment(brokers, assignment, replicationFactor);
      const replicas =
        assignment ??
        placeReplicas(brokers, { numPartitions: count - current, replicationFactor, startIndex, replicaShift: startIndex, firstPartition: current });
      if (validateOnly) return topic;
      const states = replicas.map(newPartitionState);
      await this.#applied(await this.#shared.addPartitions({ name, topicId: topic.topicId, internal: topic.internal }, current, states));
      return this.#existing(name);
    });
  }

  /** Replaces a topic's config overrides (validated first: INVALID_CONFIG leaves the topic unchanged). */
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>, validateOnly = false): Promise<TopicInfo> {
    return this.#change(async () => {
      const topic = this.#existing(name);
      for (const [key, value] of Object.entries(configs)) validateTopicConfig(key, value);
      new TopicConfig(this.#config, configs);
      if (validateOnly) return topic;
      await this.#applied(await this.#shared.setTopicConfigs(name, { ...configs }));
      return this.#existing(name);
    });
  }

  /**
   * A leader's ISR change (Kafka's AlterPartition): written with compare-and-swap on the partition state as
   * this broker last applied it, and only while that state still has `expected`'s leader and epochs. Returns
   * the partition as applied after the write, or undefined when the state moved on (a new leader or epoch,
   * another write first): the caller is then no longer the leader it thought, or must look again.
   */
  alterPartition(
    name: string,
    partition: number,
    expected: Pick<PartitionInfo, 'leader' | 'leaderEpoch' | 'partitionEpoch'>,
    isr: readonly number[],
  ): Promise<PartitionInfo | undefined> {
    return this.#change(async () => {
      const topic = this.topic(name);
      const current = topic?.partitions[partition];
      const kv = topic && this.#view.kv(KEYS.partition(topic.topicId, partition));
      if (!topic || !current || !kv) return undefined;
      if (current.leader !== expected.leader || current.leaderEpoch !== expected.leaderEpoch || current.partitionEpoch !== expected.partitionEpoch)
        return undefined;
      const state = JSON.parse(kv.value) as PartitionState;
      const written = await this.#shared.updatePartitionState(topic.topicId, partition, { value: state, modRevision: kv.modRevision }, { ...state, isr });
      if (!written) return undefined;
      await this.#applied(written.modRevision);
      return this.topic(name)?.partitions[partition];
    });
  }

  /** Resolves once every change requested so far has been applied and persisted. */
  async settled(): Promise<void> {
    await this.#changes;
    await this.#applying;
  }

  /** Records which log dir holds each of this node's replicas of a topic (the first time they are placed), in one change. */
  assignLogDirs(name: string, placements: ReadonlyMap<number, string>): Promise<void> {
    return this.#change(async () => {
      const topic = this.topic(name);
      if (!topic || topic.partitions.every((p) => (placements.get(p.partition) ?? p.logDir) === p.logDir)) return;
      const logDirs: Record<number, string> = {};
      for (const p of topic.partitions) {
        const dir = placements.get(p.partition) ?? p.logDir;
        if (dir !== undefined) logDirs[p.partition] = dir;
      }
      await this.#applied(await this.#store.put(logDirsKey(topic.topicId, this.nodeId), JSON.stringify(logDirs)));
    });
  }

  /** A producer id never handed out before in the cluster (InitProducerId). */
  allocateProducerId(): Promise<bigint> {
    const allocated = this.#producerIdQueue.then(async () => {
      if (this.#producerIds.next >= this.#producerIds.end) {
        const block = await this.#shared.reserveProducerIdBlock(PRODUCER_ID_BLOCK_SIZE);
        this.#producerIds = { next: block.firstProducerId, end: block.firstProducerId + BigInt(block.size) };
      }
      return this.#producerIds.next++;
    });
    this.#producerIdQueue = allocated.catch(() => undefined);
    return allocated;
  }

  /**
   * The keys under `prefix` (one the topic metadata does not use: `quotas/`, `acls/`, `scram/`), read now and
   * kept current through the store, so every broker of the cluster sees a write of any of them; `onChange`
   * hears of each later change. Closed with the metadata.
   */
  async watchPrefix(prefix: string, onChange?: (changes: readonly PrefixChange[]) => void): Promise<WatchedPrefix> {
    // Fed by the metadata's own watch, which sees every key. Read between two applied revisions, at one the view
    // has not passed: the changes the watch brings after it are those after the read or already in it.
    return this.#serialApply(async () => {
      const watched = WatchedPrefix.fed(this.#store, prefix, await this.#store.range(prefix), onChange);
      this.#watchedPrefixes.push(watched);
      return watched;
    });
  }

  /** Stops following the store and releases it; changes requested before are settled first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.settled();
    const leadership = this.#controller?.leadership;
    this.#stopControlling();
    await leadership?.resign().catch(() => undefined);
    await this.#session?.close();
    for (const watched of this.#watchedPrefixes) await watched.close();
    await this.#watch?.cancel();
    await this.#store.close();
  }

  /** Reads the whole metadata, then applies every later revision from the watch, in order. */
  async #follow(): Promise<void> {
    const { kvs, revision } = await this.#store.range('');
    await this.#serialApply(() => {
      const brokers = this.#view.brokers;
      const changes = this.#view.reload(kvs, revision);
      for (const watched of this.#watchedPrefixes) watched.reload(kvs, revision);
      return this.#applyChanges(changes, brokers);
    });
    this.#watch = await this.#store.watch('', {
      fromRevision: revision + 1,
      onEvents: (events) => void this.#serialApply(() => this.#applyEvents(events)),
      onError: () => void this.#serialApply(() => this.#resync()),
    });
  }

  /** A watch that lost its history: read everything again, apply the difference, watch from there. */
  async #resync(): Promise<void> {
    if (this.#closed) return;
    await this.#watch?.cancel();
    await this.#follow();
  }

  async #applyEvents(events: readonly WatchEvent[]): Promise<void> {
    const byRevision = new Map<number, WatchEvent[]>();
    for (const event of events) byRevision.set(event.kv.modRevision, [...(byRevision.get(event.kv.modRevision) ?? []), event]);
    for (const [revision, changes] of [...byRevision].sort(([a], [b]) => a - b)) {
      if (revision <= this.#view.revision) continue;
      const brokers = this.#view.brokers;
      const topicChanges = this.#view.apply(changes, revision);
      for (const watched of this.#watchedPrefixes) watched.receive(changes);
      await this.#applyChanges(topicChanges, brokers);
    }
  }

  /** Tells the listeners what changed; `brokersBefore` is the view's broker list before the change (replaced when it changes). */
  async #applyChanges(changes: readonly TopicChange[], brokersBefore: readonly unknown[]): Promise<void> {
    for (const { before, after } of changes) {
      if (before) this.#topicConfigs.delete(before.name);
      if (after) this.#topicConfigs.set(after.name, new TopicConfig(this.#config, after.configs));
    }
    let failure: unknown;
    for (const { before, after } of changes) {
      const replaced = before && after && before.topicId !== after.topicId;
      if (before && (!after || replaced)) await this.#tell('topicDeleted', before.name, (l) => l.topicDeleted?.(before));
      // A created topic's failure is told to the broker that made the change (createTopic rolls it back).
      if (after && (!before || replaced)) failure ??= await this.#tell('topicCreated', after.name, (l) => l.topicCreated?.(after));
      if (!before || !after || replaced) continue;
      if (after.partitions.length > before.partitions.length) {
        await this.#tell('partitionsCreated', after.name, (l) => l.partitionsCreated?.(after, before.partitions.length));
      }
      if (JSON.stringify(after.configs) !== JSON.stringify(before.configs)) {
        await this.#tell('topicConfigChanged', after.name, (l) => l.topicConfigChanged?.(after));
      }
      const changed = changedPartitions(before, after);
      if (changed.length > 0) await this.#tell('partitionsChanged', after.name, (l) => l.partitionsChanged?.(after, changed));
    }
    if (brokersBefore !== this.#view.brokers) {
      const brokers = this.brokers();
      await this.#tell('brokersChanged', undefined, (l) => l.brokersChanged?.(brokers));
    }
    if (failure !== undefined) this.#failedRevisions.set(this.#view.revision, failure);
    this.#controllerFollows(changes);
    for (const check of this.#changeWaiters) check();
    for (const waiter of this.#revisionWaiters) {
      if (waiter.revision <= this.#view.revision) {
        this.#revisionWaiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /**
   * Tells every listener of one applied change; returns the first failure. A listener that fails is logged,
   * and the other listeners and the later changes are told all the same: the view holds the change already,
   * so a listener skipped now would never learn of it, and this broker's own writes waiting for the
   * revision would wait forever.
   */
  async #tell(event: keyof MetadataListener, topic: string | undefined, call: (listener: MetadataListener) => Promise<void> | void): Promise<unknown> {
    let failure: unknown;
    for (const listener of this.#listeners) {
      try {
        await call(listener);
      } catch (error) {
        failure ??= error;
        this.#logger?.error({ err: error, event, topic }, 'a metadata listener failed to apply a change');
      }
    }
    return failure;
  }

  /**
   * The controller acts on every change applied (its pass finds what, if anything, to elect among the
   * partitions the change touched), until the view shows another controller (this one's key went: its lease
   * or leadership ended); the broker then stands again while its session lasts.
   */
  #controllerFollows(changes: readonly TopicChange[]): void {
    const controller = this.#controller;
    if (!controller) return;
    if (this.#view.controllerId === this.nodeId) {
      controller.reconcile(touchedPartitions(changes));
      return;
    }
    this.#stopControlling();
    const lease = this.#session?.lease;
    if (lease && !this.#closed) this.#campaignForController(lease);
  }

  /**
   * Resolves once the store revision `revision` (a write of this broker's) has been applied here; rejects
   * with the error of a listener that failed to apply a topic it created.
   */
  async #applied(revision: number): Promise<void> {
    if (revision <= this.#view.revision) await this.#applying;
    else await new Promise<void>((resolve) => this.#revisionWaiters.add({ revision, resolve }));
    const failure = this.#failedRevisions.get(revision);
    // This broker's changes are applied one at a time: failures up to here that nobody awaits were other brokers'.
    for (const failed of this.#failedRevisions.keys()) if (failed <= revision) this.#failedRevisions.delete(failed);
    if (failure !== undefined) throw failure;
  }

  #existing(name: string): TopicInfo {
    const topic = this.topic(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${name}`);
    return topic;
  }

  #serialApply<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#applying.then(step);
    this.#applying = result.catch(() => undefined);
    return result;
  }

  /** Runs this broker's changes one at a time, in call order, each until it has been applied here. */
  #change<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#changes.then(change);
    this.#changes = result.catch(() => undefined);
    return result;
  }
}

/** The partitions both versions of a topic have whose state differs (a log dir assignment is not a state change). */
function changedPartitions(before: TopicInfo, after: TopicInfo): PartitionChange[] {
  const changes: PartitionChange[] = [];
  for (const old of before.partitions) {
    const now = after.partitions[old.partition];
    if (now && (now.partitionEpoch !== old.partitionEpoch || now.leaderEpoch !== old.leaderEpoch || now.leader !== old.leader)) {
      changes.push({ before: old, after: now });
    }
  }
  return changes;
}

function newPartitionState(replicas: readonly number[]): PartitionState {
  return { leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0, replicas, isr: replicas };
}

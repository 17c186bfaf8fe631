/**
 * Cluster metadata of a single-node cluster: node and cluster ids, the broker's advertised endpoint, and
 * the topics (ids, partitions with leader, leader epoch, replicas and ISR, config overrides). Persisted as
 * one JSON document under the metadata dir (`metadata.log.dir`, else the first log dir), replaced atomically
 * on every change. Changes are serialised and announced to listeners (the ReplicaManager creates and
 * deletes partition logs from them), the way Kafka brokers apply metadata deltas.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BrokerConfig } from '../config/broker-config.js';
import { TopicConfig, validateTopicConfig } from '../config/topic-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { writeFileAtomic } from './atomic-file.js';
import { type MetaProperties, randomKafkaId, readMetaProperties, writeMetaProperties } from './meta-properties.js';

export const METADATA_FILE = 'gregor-cluster-metadata.json';

export interface PartitionInfo {
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
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

export interface NewTopic {
  readonly numPartitions?: number;
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
  readonly internal?: boolean;
}

/** Applies metadata changes to local state; called in change order, each awaited before the next change. */
export interface MetadataListener {
  topicCreated?(topic: TopicInfo): Promise<void> | void;
  topicDeleted?(topic: TopicInfo): Promise<void> | void;
  partitionsCreated?(topic: TopicInfo, firstNewPartition: number): Promise<void> | void;
  topicConfigChanged?(topic: TopicInfo): Promise<void> | void;
}

interface PersistedMetadata {
  readonly version: 1;
  readonly topics: TopicInfo[];
  /** Producer ids below this have been handed out (or reserved by a block). */
  readonly producerIdBlockEnd: string;
}

/** Producer ids are reserved in blocks, as Kafka's controller hands them to brokers, so a restart never reuses one. */
const PRODUCER_ID_BLOCK_SIZE = 1000n;

const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_NAME_LENGTH = 249;

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
  readonly #file: string;
  readonly #topics = new Map<string, TopicInfo>();
  readonly #topicsById = new Map<string, TopicInfo>();
  readonly #topicConfigs = new Map<string, TopicConfig>();
  readonly #listeners: MetadataListener[] = [];
  #endpoint: BrokerEndpoint;
  #nextProducerId: bigint;
  #producerIdBlockEnd: bigint;
  #changes: Promise<unknown> = Promise.resolve();

  private constructor(config: BrokerConfig, meta: MetaProperties, file: string, persisted: PersistedMetadata) {
    this.#config = config;
    this.clusterId = meta.clusterId;
    this.nodeId = meta.nodeId;
    this.#file = file;
    this.#endpoint = { nodeId: meta.nodeId, host: '127.0.0.1', port: 9092, rack: null };
    for (const topic of persisted.topics) this.#index(topic);
    this.#producerIdBlockEnd = BigInt(persisted.producerIdBlockEnd);
    this.#nextProducerId = this.#producerIdBlockEnd;
  }

  /**
   * Opens (or initialises) the metadata: every usable log dir gets a meta.properties with the same node and
   * cluster id, and a directory belonging to another cluster or node is refused. A dir that cannot be used
   * at all is skipped here (the storage engine reports it offline); the metadata dir must work.
   */
  static async open(config: BrokerConfig, logDirs: readonly string[]): Promise<ClusterMetadata> {
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
    const clusterId = first?.clusterId ?? randomKafkaId();
    const nodeId = configured >= 0 ? configured : (first?.nodeId ?? 1);
    for (const meta of existing) {
      if (meta.clusterId !== clusterId || meta.nodeId !== nodeId) {
        throw new KafkaError(
          ErrorCode.INCONSISTENT_CLUSTER_ID,
          `log dirs disagree: cluster ${meta.clusterId} node ${meta.nodeId} vs cluster ${clusterId} node ${nodeId}`,
        );
      }
    }
    for (const dir of usable) {
      if (!(await readMetaProperties(dir))) await writeMetaProperties(dir, { clusterId, nodeId, directoryId: randomKafkaId() });
    }
    const metadataDir = config.has('metadata.log.dir') ? config.string('metadata.log.dir') : logDirs[0]!;
    await mkdir(metadataDir, { recursive: true });
    const file = join(metadataDir, METADATA_FILE);
    const persisted = await readPersisted(file);
    return new ClusterMetadata(config, { clusterId, nodeId, directoryId: '' }, file, persisted);
  }

  /** The directory holding the cluster metadata (`metadata.log.dir`, else the first log dir); other node-wide state (ACLs) lives beside it. */
  get metadataDir(): string {
    return dirname(this.#file);
  }

  /** The node's controller is itself on a single node. */
  get controllerId(): number {
    return this.nodeId;
  }

  /** The address clients are told to connect to. */
  get endpoint(): BrokerEndpoint {
    return this.#endpoint;
  }

  /** Set once the listener is bound: `advertised.listeners`, else the bound host and port. */
  setEndpoint(host: string, port: number): void {
    this.#endpoint = { nodeId: this.nodeId, host, port, rack: null };
  }

  brokers(): readonly BrokerEndpoint[] {
    return [this.#endpoint];
  }

  subscribe(listener: MetadataListener): void {
    this.#listeners.push(listener);
  }

  topic(name: string): TopicInfo | undefined {
    return this.#topics.get(name);
  }

  topicById(topicId: string): TopicInfo | undefined {
    return this.#topicsById.get(topicId);
  }

  topics(): IterableIterator<TopicInfo> {
    return this.#topics.values();
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
    if (this.#topics.has(name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${name} already exists`);
    const numPartitions = spec.numPartitions === undefined || spec.numPartitions === -1 ? this.#config.int('num.partitions') : spec.numPartitions;
    const replicationFactor =
      spec.replicationFactor === undefined || spec.replicationFactor === -1 ? this.#config.int('default.replication.factor') : spec.replicationFactor;
    if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'number of partitions must be at least 1');
    if (replicationFactor < 1) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'replication factor must be at least 1');
    if (replicationFactor > this.brokers().length) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `replication factor ${replicationFactor} is larger than the ${this.brokers().length} available broker(s)`,
      );
    }
    for (const [key, value] of Object.entries(spec.configs ?? {})) validateTopicConfig(key, value);
    new TopicConfig(this.#config, spec.configs ?? {});
    return { numPartitions, replicationFactor };
  }

  /** Creates a topic with a new topic id; TOPIC_ALREADY_EXISTS if the name is taken. */
  createTopic(name: string, spec: NewTopic = {}): Promise<TopicInfo> {
    return this.#change(async () => {
      const { numPartitions, replicationFactor } = this.validateNewTopic(name, spec);
      const replicas = Array.from({ length: replicationFactor }, () => this.nodeId);
      const topic: TopicInfo = {
        name,
        topicId: randomUUID(),
        partitions: Array.from({ length: numPartitions }, (_, partition) => this.#newPartition(partition, replicas)),
        configs: { ...(spec.configs ?? {}) },
        internal: spec.internal ?? false,
      };
      this.#index(topic);
      await this.#persist();
      for (const listener of this.#listeners) await listener.topicCreated?.(topic);
      return topic;
    });
  }

  /** The topic, created with the broker defaults if it does not exist yet (auto-creation and internal topics). */
  async ensureTopic(name: string, spec: NewTopic = {}): Promise<TopicInfo> {
    const existing = this.#topics.get(name);
    if (existing) return existing;
    try {
      return await this.createTopic(name, spec);
    } catch (error) {
      const created = this.#topics.get(name);
      if (error instanceof KafkaError && error.code === ErrorCode.TOPIC_ALREADY_EXISTS && created) return created;
      throw error;
    }
  }

  deleteTopic(name: string): Promise<TopicInfo> {
    return this.#change(async () => {
      const topic = this.#topics.get(name);
      if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${name}`);
      if (!this.#config.bool('delete.topic.enable')) throw new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'delete.topic.enable is false');
      this.#topics.delete(name);
      this.#topicsById.delete(topic.topicId);
      this.#topicConfigs.delete(name);
      await this.#persist();
      for (const listener of this.#listeners) await listener.topicDeleted?.(topic);
      return topic;
    });
  }

  /** Grows a topic to `count` partitions (CreatePartitions); INVALID_PARTITIONS unless it grows. */
  createPartitions(name: string, count: number, validateOnly = false): Promise<TopicInfo> {
    return this.#change(async () => {
      const topic = this.#topics.get(name);
      if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${name}`);
      const current = topic.partitions.length;
      if (count < current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `topic ${name} has ${current} partitions; it cannot shrink to ${count}`);
      if (count === current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `topic ${name} already has ${current} partitions`);
      if (validateOnly) return topic;
      const replicas = topic.partitions[0]?.replicas ?? [this.nodeId];
      const grown: TopicInfo = {
        ...topic,
        partitions: [...topic.partitions, ...Array.from({ length: count - current }, (_, i) => this.#newPartition(current + i, replicas))],
      };
      this.#index(grown);
      await this.#persist();
      for (const listener of this.#listeners) await listener.partitionsCreated?.(grown, current);
      return grown;
    });
  }

  /** Replaces a topic's config overrides (validated first: INVALID_CONFIG leaves the topic unchanged). */
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>, validateOnly = false): Promise<TopicInfo> {
    return this.#change(async () => {
      const topic = this.#topics.get(name);
      if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${name}`);
      for (const [key, value] of Object.entries(configs)) validateTopicConfig(key, value);
      new TopicConfig(this.#config, configs);
      if (validateOnly) return topic;
      const changed: TopicInfo = { ...topic, configs: { ...configs } };
      this.#index(changed);
      await this.#persist();
      for (const listener of this.#listeners) await listener.topicConfigChanged?.(changed);
      return changed;
    });
  }

  /** Resolves once every change requested so far has been applied and persisted. */
  async settled(): Promise<void> {
    await this.#changes;
  }

  /** Records which log dir holds each of a topic's partitions (the first time they are placed), in one change. */
  assignLogDirs(name: string, placements: ReadonlyMap<number, string>): Promise<void> {
    return this.#change(async () => {
      const topic = this.#topics.get(name);
      if (!topic || topic.partitions.every((p) => (placements.get(p.partition) ?? p.logDir) === p.logDir)) return;
      const partitions = topic.partitions.map((p) => ({ ...p, logDir: placements.get(p.partition) ?? p.logDir }));
      this.#index({ ...topic, partitions });
      await this.#persist();
    });
  }

  /** A producer id never handed out before (InitProducerId). */
  allocateProducerId(): Promise<bigint> {
    return this.#change(async () => {
      if (this.#nextProducerId >= this.#producerIdBlockEnd) {
        this.#producerIdBlockEnd = this.#nextProducerId + PRODUCER_ID_BLOCK_SIZE;
        await this.#persist();
      }
      return this.#nextProducerId++;
    });
  }

  #newPartition(partition: number, replicas: readonly number[]): PartitionInfo {
    return { partition, leader: this.nodeId, leaderEpoch: 0, replicas, isr: replicas };
  }

  #index(topic: TopicInfo): void {
    this.#topics.set(topic.name, topic);
    this.#topicsById.set(topic.topicId, topic);
    this.#topicConfigs.set(topic.name, new TopicConfig(this.#config, topic.configs));
  }

  async #persist(): Promise<void> {
    const persisted: PersistedMetadata = { version: 1, topics: [...this.#topics.values()], producerIdBlockEnd: this.#producerIdBlockEnd.toString() };
    await writeFileAtomic(this.#file, `${JSON.stringify(persisted, null, 1)}\n`);
  }

  /** Runs metadata changes one at a time, in call order. */
  #change<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#changes.then(change);
    this.#changes = result.catch(() => undefined);
    return result;
  }
}

async function readPersisted(file: string): Promise<PersistedMetadata> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as PersistedMetadata;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, topics: [], producerIdBlockEnd: '0' };
    throw error;
  }
}

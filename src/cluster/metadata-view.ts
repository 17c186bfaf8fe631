/**
 * One broker's picture of the cluster metadata, built from the store's keys: the topics (with their configs,
 * partition states and this node's log dir assignments), the live brokers, those in controlled shutdown and
 * the controller. It is changed
 * a whole store revision at a time and says which topics each change touched, so that the broker can apply
 * the change to its logs the way Kafka brokers apply metadata deltas.
 */
import type { KeyValue, WatchEvent } from './store/metadata-store.js';
import { type BrokerRegistration, KEYS, type PartitionState, type TopicRecord } from './store/shared-metadata.js';
import type { PartitionInfo, TopicInfo } from './cluster-metadata.js';
import { ongoingReassignment } from './controller/partition-reassignment.js';

/** A topic before and after a change; `undefined` where it did not exist. */
export interface TopicChange {
  readonly before: TopicInfo | undefined;
  readonly after: TopicInfo | undefined;
}

export interface LiveBroker extends BrokerRegistration {
  /** Create revision of the registration: grows with each incarnation of the broker. */
  readonly brokerEpoch: number;
}

export class MetadataView {
  readonly #nodeId: number;
  readonly #kvs = new Map<string, KeyValue>();
  readonly #topics = new Map<string, TopicInfo>();
  readonly #topicsById = new Map<string, TopicInfo>();
  readonly #nameById = new Map<string, string>();
  #brokers: LiveBroker[] = [];
  #shuttingDown: ReadonlySet<number> = new Set();
  #controllerId: number | undefined;
  #revision = 0;

  constructor(nodeId: number) {
    this.#nodeId = nodeId;
  }

  /** The last store revision applied. */
  get revision(): number {
    return this.#revision;
  }

  get topics(): ReadonlyMap<string, TopicInfo> {
    return this.#topics;
  }

  topicById(topicId: string): TopicInfo | undefined {
    return this.#topicsById.get(topicId);
  }

  get brokers(): readonly LiveBroker[] {
    return this.#brokers;
  }

  /** Brokers that asked the controller to move leadership off them before they stop. */
  get shuttingDown(): ReadonlySet<number> {
    return this.#shuttingDown;
  }

  get controllerId(): number | undefined {
    return this.#controllerId;
  }

  /** The key as last read (its revisions are what a compare-and-swap checks). */
  kv(key: string): KeyValue | undefined {
    return this.#kvs.get(key);
  }

  /** Keys starting with `prefix`. */
  kvs(prefix: string): KeyValue[] {
    return [...this.#kvs.values()].filter((kv) => kv.key.startsWith(prefix));
  }

  /** Replaces everything with a full read of the store (at start, and after a watch lost its history). */
  reload(kvs: readonly KeyValue[], revision: number): TopicChange[] {
    const events: WatchEvent[] = [...this.#kvs.keys()].map((key) => ({ type: 'delete', kv: deleted(key) }));
    events.push(...kvs.map((kv) => ({ type: 'put' as const, kv })));
    return this.apply(events, revision);
  }

  /** Applies the events of one revision. */
  apply(events: readonly WatchEvent[], revision: number): TopicChange[] {
    const names = new Set<string>();
    const topicIds = new Set<string>();
    let brokersChanged = false;
    let shuttingDownChanged = false;
    for (const event of events) {
      const { key } = event.kv;
      const previous = this.#kvs.get(key);
      if (event.type === 'put') this.#kvs.set(key, event.kv);
      else this.#kvs.delete(key);
      if (key.startsWith(KEYS.topics)) {
        names.add(key.slice(KEYS.topics.length));
        for (const kv of [previous, event.type === 'put' ? event.kv : undefined]) {
          if (kv) this.#trackTopicId(JSON.parse(kv.value) as TopicRecord, kv === event.kv);
        }
      } else if (key.startsWith(KEYS.topicConfigsPrefix)) {
        names.add(key.slice(KEYS.topicConfigsPrefix.length));
      } else if (key.startsWith(KEYS.partitions) || key.startsWith(KEYS.logDirs)) {
        topicIds.add(key.split('/')[1]!);
      } else if (key.startsWith(KEYS.brokers)) {
        brokersChanged = true;
      } else if (key.startsWith(KEYS.shuttingDownPrefix)) {
        shuttingDownChanged = true;
      } else if (key === KEYS.controller) {
        this.#controllerId = event.type === 'put' ? Number(event.kv.value) : undefined;
      }
    }
    for (const id of topicIds) {
      const name = this.#nameById.get(id) ?? this.#topicsById.get(id)?.name;
      if (name !== undefined) names.add(name);
    }
    if (brokersChanged) this.#brokers = this.#readBrokers();
    if (shuttingDownChanged) this.#shuttingDown = new Set(this.kvs(KEYS.shuttingDownPrefix).map((kv) => Number(kv.key.slice(KEYS.shuttingDownPrefix.length))));
    this.#revision = Math.max(this.#revision, revision);
    return [...names].map((name) => this.#rebuild(name)).filter((change) => change.before !== change.after);
  }

  #trackTopicId(record: TopicRecord, current: boolean): void {
    if (current) this.#nameById.set(record.topicId, record.name);
    else if (this.#nameById.get(record.topicId) === record.name) this.#nameById.delete(record.topicId);
  }

  #rebuild(name: string): TopicChange {
    const before = this.#topics.get(name);
    const after = this.#read(name);
    if (before) {
      this.#topics.delete(name);
      this.#topicsById.delete(before.topicId);
    }
    if (after) {
      this.#topics.set(name, after);
      this.#topicsById.set(after.topicId, after);
    }
    return { before, after };
  }

  #read(name: string): TopicInfo | undefined {
    const record = this.#kvs.get(KEYS.topic(name));
    if (!record) return undefined;
    const topic = JSON.parse(record.value) as TopicRecord;
    const configs = this.#kvs.get(KEYS.topicConfigs(name));
    const logDirsKv = this.#kvs.get(logDirsKey(topic.topicId, this.#nodeId));
    const logDirs = logDirsKv ? (JSON.parse(logDirsKv.value) as Record<string, string>) : {};
    const partitions: PartitionInfo[] = [];
    for (let index = 0; ; index++) {
      const kv = this.#kvs.get(KEYS.partition(topic.topicId, index));
      if (!kv) break;
      const state = JSON.parse(kv.value) as PartitionState;
      const logDir = logDirs[index];
      partitions.push({
        partition: index,
        leader: state.leader,
        leaderEpoch: state.leaderEpoch,
        partitionEpoch: state.partitionEpoch,
        replicas: state.replicas,
        isr: state.isr,
        ...ongoingReassignment(state),
        ...(logDir === undefined ? {} : { logDir }),
      });
    }
    return {
      name,
      topicId: topic.topicId,
      internal: topic.internal,
      configs: configs ? (JSON.parse(configs.value) as Record<string, string>) : {},
      partitions,
    };
  }

  #readBrokers(): LiveBroker[] {
    return this.kvs(KEYS.brokers)
      .map((kv) => ({ ...(JSON.parse(kv.value) as BrokerRegistration), brokerEpoch: kv.createRevision }))
      .sort((a, b) => a.nodeId - b.nodeId);
  }
}

/** Where a node records the log dir of each of its replicas of a topic (KIP-858's directory assignment). */
export function logDirsKey(topicId: string, nodeId: number): string {
  return `${KEYS.logDirs}${topicId}/${nodeId}`;
}

export function logDirsPrefix(topicId: string): string {
  return `${KEYS.logDirs}${topicId}/`;
}

function deleted(key: string): KeyValue {
  return { key, value: '', createRevision: 0, modRevision: 0, version: 0, lease: undefined };
}

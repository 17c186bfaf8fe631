/**
 * The metadata the brokers of a cluster share, as records in a MetadataStore: broker registrations (under
 * the broker's lease; the registration's create revision is its broker epoch), topics, one partition state
 * per partition (written only by compare-and-swap on its mod revision, as ZooKeeper-era Kafka did with
 * zkVersion), topic and broker config overrides, and the producer-id block counter (reserved by CAS, as
 * Kafka's AllocateProducerIds). Keys, relative to the cluster's prefix:
 *   brokers/<id>  topics/<name>  partitions/<topic id>/<partition>  configs/topics/<name>
 *   configs/brokers/<id>  producer-ids/next-block  controller  shutting-down/<id>  log-dirs/<topic id>/<id>
 * A change split over several transactions that a crash interrupts leaves keys no broker reads: `orphans`
 * finds them and `deleteOrphans` removes them (the controller's sweep).
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { Compare, KeyValue, Lease, MetadataStore, Txn, TxnOp, TxnResult } from './metadata-store.js';

/**
 * Keys written or deleted per transaction, below MAX_TXN_OPS to leave room for the comparisons and records
 * that go with them: a change to more keys is split into several transactions.
 */
const KEYS_PER_TXN = 100;

export const KEYS = {
  brokers: 'brokers/',
  broker: (nodeId: number) => `brokers/${nodeId}`,
  topics: 'topics/',
  topic: (name: string) => `topics/${name}`,
  partitions: 'partitions/',
  partition: (topicId: string, partition: number) => `partitions/${topicId}/${partition}`,
  topicConfigsPrefix: 'configs/topics/',
  topicConfigs: (name: string) => `configs/topics/${name}`,
  brokerConfigs: (nodeId: number) => `configs/brokers/${nodeId}`,
  producerIdBlock: 'producer-ids/next-block',
  controller: 'controller',
  /** A broker in controlled shutdown, under its lease: the controller moves leadership off it. */
  shuttingDownPrefix: 'shutting-down/',
  shuttingDown: (nodeId: number) => `shutting-down/${nodeId}`,
  /** Where each node records the log dir of its replicas of a topic: `log-dirs/<topic id>/<node id>`. */
  logDirs: 'log-dirs/',
} as const;

export interface BrokerRegistration {
  readonly nodeId: number;
  readonly listeners: readonly { readonly name: string; readonly host: string; readonly port: number; readonly securityProtocol: string }[];
  readonly rack: string | null;
}

export interface TopicRecord {
  readonly name: string;
  readonly topicId: string;
  readonly internal: boolean;
}

export interface PartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  /** Bumped on every change of the state (Kafka's partition epoch). */
  readonly partitionEpoch: number;
  /** While a reassignment runs (KIP-455), the target replicas followed by those being removed. */
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Replicas a reassignment adds (absent when none is in progress): it completes once they are all in the ISR. */
  readonly addingReplicas?: readonly number[];
  /** Replicas a reassignment drops once it completes (absent when none is in progress). */
  readonly removingReplicas?: readonly number[];
}

/** A record with the mod revision it was read at: the version a compare-and-swap checks. */
export interface Versioned<T> {
  readonly value: T;
  readonly modRevision: number;
}

export interface ProducerIdBlock {
  readonly firstProducerId: bigint;
  readonly size: number;
}

export class SharedMetadata {
  readonly #store: MetadataStore;

  constructor(store: MetadataStore) {
    this.#store = store;
  }

  /**
   * Registers this broker under its lease; the broker epoch returned fences its earlier incarnations.
   * DUPLICATE_BROKER_REGISTRATION if the id is held by another live registration.
   */
  async registerBroker(registration: BrokerRegistration, lease: Lease): Promise<{ brokerEpoch: number }> {
    const key = KEYS.broker(registration.nodeId);
    const result = await this.#store.txn({
      compare: [{ key, target: 'createRevision', result: '=', value: 0 }],
      success: [{ type: 'put', key, value: JSON.stringify(registration), lease: lease.id }],
    });
    if (!result.succeeded) throw new KafkaError(ErrorCode.DUPLICATE_BROKER_REGISTRATION, `broker ${registration.nodeId} is already registered`);
    return { brokerEpoch: result.revision };
  }

  async brokers(): Promise<(BrokerRegistration & { readonly brokerEpoch: number })[]> {
    const { kvs } = await this.#store.range(KEYS.brokers);
    return kvs.map((kv) => ({ ...(JSON.parse(kv.value) as BrokerRegistration), brokerEpoch: kv.createRevision }));
  }

  /**
   * Creates a topic with its configs and partition states; TOPIC_ALREADY_EXISTS if taken. Returns the
   * revision that created it. A topic of more partitions than one transaction holds has its partition states
   * written first, under its new topic id that no broker reads yet; the last transaction writes the topic
   * record with the rest, only if the name is still free, so the topic appears whole and one creator wins.
   */
  async createTopic(
    topic: TopicRecord,
    configs: Readonly<Record<string, string>>,
    partitions: readonly PartitionState[],
    guard: readonly Compare[] = [],
  ): Promise<number> {
    const key = KEYS.topic(topic.name);
    const compare = [...guard, { key, target: 'createRevision', result: '=', value: 0 } as const];
    const states = chunks(
      partitions.map((state, partition) => put(KEYS.partition(topic.topicId, partition), state)),
      KEYS_PER_TXN,
    );
    const last = states.pop() ?? [];
    const result = await this.#writeHiddenThenReveal(
      states.map((success) => ({ compare, success })),
      { compare, success: [put(key, topic), put(KEYS.topicConfigs(topic.name), configs), ...last] },
    );
    if (!result.succeeded) {
      if (states.length > 0 && !(await this.#store.get(key))) {
        throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `creating topic ${topic.name} took so long that its partition states were deleted as orphans`);
      }
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${topic.name} already exists`);
    }
    return result.revision;
  }

  /**
   * Deletes a topic (read at `topicRevision`, its mod revision) with its configs, its `partitionCount`
   * partition states and the other keys given; UNKNOWN_TOPIC_OR_PARTITION if it changed or went first.
   * Returns the revision of the last deletion. The topic record goes in the first transaction, which decides;
   * what does not fit in it is deleted after, unseen: no broker reads a topic id's keys without its record.
   */
  async deleteTopic(
    topic: TopicRecord,
    topicRevision: number,
    partitionCount: number,
    alsoDelete: readonly string[],
    guard: readonly Compare[] = [],
  ): Promise<number> {
    const key = KEYS.topic(topic.name);
    const keys = [key, KEYS.topicConfigs(topic.name), ...alsoDelete];
    for (let partition = 0; partition < partitionCount; partition++) keys.push(KEYS.partition(topic.topicId, partition));
    const [first = [], ...rest] = chunks(keys, KEYS_PER_TXN);
    const result = await this.#store.txn({
      compare: [...guard, { key, target: 'modRevision', result: '=', value: topicRevision }],
      success: first.map(remove),
    });
    if (!result.succeeded) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${topic.name} changed while being deleted`);
    let revision = result.revision;
    for (const chunk of rest) revision = (await this.#store.txn({ compare: [], success: chunk.map(remove) })).revision;
    return revision;
  }

  /**
   * Adds partition states after the topic's `firstNew - 1`; INVALID_PARTITIONS if the topic is gone or has
   * grown meanwhile. Returns the revision that added them. Brokers read a topic's partitions up to the first
   * missing one, so when they take more than one transaction the last ones are written first and those from
   * `firstNew` last: the topic grows at once. Each key is written only if absent, so of two growers one wins.
   */
  async addPartitions(topic: TopicRecord, firstNew: number, partitions: readonly PartitionState[], guard: readonly Compare[] = []): Promise<number> {
    const topicExists: Compare = { key: KEYS.topic(topic.name), target: 'createRevision', result: '>', value: 0 };
    const steps = chunks(
      partitions.map((state, i) => put(KEYS.partition(topic.topicId, firstNew + i), state)),
      KEYS_PER_TXN,
    )
      .reverse()
      .map((success) => ({
        compare: [...guard, topicExists, ...success.map((op): Compare => ({ key: op.key, target: 'createRevision', result: '=', value: 0 }))],
        success,
      }));
    const first = steps.pop();
    if (!first) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'no partitions to add');
    const result = await this.#writeHiddenThenReveal(steps, first);
    if (!result.succeeded) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `topic ${topic.name} changed while adding partitions`);
    return result.revision;
  }

  /**
   * Runs the `hidden` transactions, which write only partition states no broker reads until `reveal` lands,
   * then `reveal`; stops at the first that fails and returns its result. When one fails, or a hidden one cannot
   * be run, the keys the hidden ones may have written are deleted again. The reveal also holds only if the
   * lowest hidden partition state is still as written, and writes it again: the orphan sweep, which deletes a
   * topic id's unread states lowest first and each only if unchanged, may take a change stalled for longer
   * than its interval for a crashed one, and then only one of the two succeeds.
   */
  async #writeHiddenThenReveal(hidden: readonly Txn[], reveal: Txn): Promise<TxnResult> {
    const written: string[] = [];
    let lowest: { readonly op: TxnOp; readonly revision: number } | undefined;
    const undo = async (): Promise<void> => {
      // Best effort: keys left behind stay unread, and the caller must hear the failure itself, not this one.
      for (const chunk of chunks(written, KEYS_PER_TXN)) await this.#store.txn({ compare: [], success: chunk.map(remove) }).catch(() => undefined);
    };
    for (const step of hidden) {
      let result: TxnResult;
      try {
        result = await this.#store.txn(step);
      } catch (error) {
        // It may have been applied without answering.
        written.push(...step.success.map((op) => op.key));
        await undo();
        throw error;
      }
      if (!result.succeeded) {
        await undo();
        return result;
      }
      written.push(...step.success.map((op) => op.key));
      for (const op of step.success) {
        if (!lowest || partitionOf(op.key) < partitionOf(lowest.op.key)) lowest = { op, revision: result.revision };
      }
    }
    const guarded: Txn = lowest
      ? {
          compare: [...reveal.compare, { key: lowest.op.key, target: 'modRevision', result: '=', value: lowest.revision }],
          success: [...reveal.success, lowest.op],
        }
      : reveal;
    // A reveal that fails to answer may have been applied: the keys it makes read must then stay.
    const result = await this.#store.txn(guarded);
    if (!result.succeeded) await undo();
    return result;
  }

  /**
   * The keys no broker reads, of those last written at or before revision `writtenBy`, with the revision read
   * at: partition states and log dir assignments of topic ids that no topic record names (a creation that
   * never revealed its hidden keys, a deletion stopped after its first transaction), partition states after
   * the first missing partition of a topic (a growth that never revealed its hidden keys), and configs of
   * topics that do not exist. A change in progress writes such keys too, until it reveals them: only keys
   * older than any change can take may be deleted, hence `writtenBy`; a topic id's partition states count
   * only when all of its unread ones are that old (a stalled change's lowest hidden state, which guards its
   * reveal, may be its newest).
   */
  async orphans(writtenBy: number): Promise<{ orphans: KeyValue[]; revision: number }> {
    // One read, so the keys and the topic records that make them read are seen at the same revision.
    const { kvs, revision } = await this.#store.range('');
    const names = new Set<string>();
    const partitionsById = new Map<string, Set<number>>();
    for (const kv of kvs) {
      if (kv.key.startsWith(KEYS.topics)) {
        names.add(kv.key.slice(KEYS.topics.length));
        partitionsById.set((JSON.parse(kv.value) as TopicRecord).topicId, new Set());
      }
    }
    for (const kv of kvs) {
      const [, topicId, partition] = kv.key.split('/');
      if (kv.key.startsWith(KEYS.partitions)) partitionsById.get(topicId!)?.add(Number(partition));
    }
    const readCount = new Map<string, number>();
    for (const [topicId, partitions] of partitionsById) {
      let count = 0;
      while (partitions.has(count)) count++;
      readCount.set(topicId, count);
    }
    const orphaned = (kv: KeyValue): boolean => {
      const [, topicId, partition] = kv.key.split('/');
      if (kv.key.startsWith(KEYS.partitions)) return !(Number(partition) < (readCount.get(topicId!) ?? 0));
      if (kv.key.startsWith(KEYS.logDirs)) return !readCount.has(topicId!);
      if (kv.key.startsWith(KEYS.topicConfigsPrefix)) return !names.has(kv.key.slice(KEYS.topicConfigsPrefix.length));
      return false;
    };
    const candidates = kvs.filter(orphaned);
    const tooNew = new Set(candidates.filter((kv) => kv.modRevision > writtenBy).map((kv) => groupOf(kv.key)));
    return { orphans: candidates.filter((kv) => !tooNew.has(groupOf(kv.key))), revision };
  }

  /**
   * Deletes keys `orphans` found, each only if it has not been written since it was read (a topic created or
   * grown meanwhile rewrites what it reads). A topic id's partition states go lowest partition first, and once
   * a transaction is refused the rest of its topic ids' keys stay: a change whose reveal landed meanwhile
   * rewrote its lowest hidden state (see #writeHiddenThenReveal). Returns how many keys went; those left are
   * the next sweep's.
   */
  async deleteOrphans(orphans: readonly KeyValue[], guard: readonly Compare[] = []): Promise<number> {
    const pending = [...orphans].sort((a, b) => groupOf(a.key).localeCompare(groupOf(b.key)) || partitionOf(a.key) - partitionOf(b.key));
    const refused = new Set<string>();
    let deleted = 0;
    while (pending.length > 0) {
      const chunk: KeyValue[] = [];
      while (chunk.length < KEYS_PER_TXN && pending.length > 0) {
        const kv = pending.shift()!;
        if (!refused.has(groupOf(kv.key))) chunk.push(kv);
      }
      if (chunk.length === 0) break;
      const result = await this.#store.txn({
        compare: [...guard, ...chunk.map((kv): Compare => ({ key: kv.key, target: 'modRevision', result: '=', value: kv.modRevision }))],
        success: chunk.map((kv) => remove(kv.key)),
      });
      if (result.succeeded) deleted += chunk.length;
      else for (const kv of chunk) refused.add(groupOf(kv.key));
    }
    return deleted;
  }

  async topics(): Promise<TopicRecord[]> {
    const { kvs } = await this.#store.range(KEYS.topics);
    return kvs.map((kv) => JSON.parse(kv.value) as TopicRecord);
  }

  async partitionState(topicId: string, partition: number): Promise<Versioned<PartitionState> | undefined> {
    const kv = await this.#store.get(KEYS.partition(topicId, partition));
    return kv && versioned<PartitionState>(kv);
  }

  /**
   * Replaces a partition's state if it is still at `expected` (its mod revision when read), bumping the
   * partition epoch; returns the new version, or undefined when someone else changed it first.
   */
  async updatePartitionState(
    topicId: string,
    partition: number,
    expected: Versioned<PartitionState>,
    change: Omit<PartitionState, 'partitionEpoch'>,
    guard: readonly Compare[] = [],
  ): Promise<Versioned<PartitionState> | undefined> {
    const key = KEYS.partition(topicId, partition);
    const value: PartitionState = { ...change, partitionEpoch: expected.value.partitionEpoch + 1 };
    const result = await this.#store.txn({
      compare: [...guard, { key, target: 'modRevision', result: '=', value: expected.modRevision }],
      success: [put(key, value)],
    });
    return result.succeeded ? { value, modRevision: result.revision } : undefined;
  }

  async topicConfigs(name: string): Promise<Record<string, string>> {
    const kv = await this.#store.get(KEYS.topicConfigs(name));
    return kv ? (JSON.parse(kv.value) as Record<string, string>) : {};
  }

  /** Replaces a topic's config overrides; UNKNOWN_TOPIC_OR_PARTITION if the topic does not exist. Returns the write's revision. */
  async setTopicConfigs(name: string, configs: Readonly<Record<string, string>>, guard: readonly Compare[] = []): Promise<number> {
    const result = await this.#store.txn({
      compare: [...guard, { key: KEYS.topic(name), target: 'createRevision', result: '>', value: 0 }],
      success: [put(KEYS.topicConfigs(name), configs)],
    });
    if (!result.succeeded) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${name}`);
    return result.revision;
  }

  async brokerConfigs(nodeId: number): Promise<Record<string, string>> {
    const kv = await this.#store.get(KEYS.brokerConfigs(nodeId));
    return kv ? (JSON.parse(kv.value) as Record<string, string>) : {};
  }

  async setBrokerConfigs(nodeId: number, configs: Readonly<Record<string, string>>): Promise<void> {
    await this.#store.put(KEYS.brokerConfigs(nodeId), JSON.stringify(configs));
  }

  /** Reserves the next `size` producer ids for this broker alone (retrying when another broker won the race). */
  async reserveProducerIdBlock(size: number): Promise<ProducerIdBlock> {
    for (;;) {
      const current = await this.#store.get(KEYS.producerIdBlock);
      const firstProducerId = current ? BigInt(current.value) : 0n;
      const result = await this.#store.txn({
        compare: [{ key: KEYS.producerIdBlock, target: 'modRevision', result: '=', value: current?.modRevision ?? 0 }],
        success: [{ type: 'put', key: KEYS.producerIdBlock, value: (firstProducerId + BigInt(size)).toString() }],
      });
      if (result.succeeded) return { firstProducerId, size };
    }
  }
}

/** The keys an orphan sweep deletes together: a topic id's partition states, else the key alone. */
function groupOf(key: string): string {
  return key.startsWith(KEYS.partitions) ? key.slice(0, key.lastIndexOf('/') + 1) : key;
}

/** The partition of a partition state's key (`partitions/<topic id>/<partition>`). */
function partitionOf(key: string): number {
  return Number(key.slice(key.lastIndexOf('/') + 1));
}

function remove(key: string): TxnOp {
  return { type: 'delete', key };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

function put(key: string, value: unknown): TxnOp {
  return { type: 'put', key, value: JSON.stringify(value) };
}

function versioned<T>(kv: KeyValue): Versioned<T> {
  return { value: JSON.parse(kv.value) as T, modRevision: kv.modRevision };
}

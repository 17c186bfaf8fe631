/**
 * Committed offsets and stored group metadata: an in-memory view of a `__consumer_offsets` partition, written through
 * before it changes (a commit is visible only once its records are appended) and rebuilt by replaying the
 * partition when this broker comes to lead it. Latest record per key wins and a null value deletes, which is exactly what compaction
 * keeps, so replaying a compacted log gives the same view.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { GroupSnapshot } from './group-snapshot.js';
import { type OffsetAndMetadata, decodeRecord, groupMetadataKey, groupMetadataValue, offsetCommitKey, offsetCommitValue } from './offset-records.js';

/** One record for `__consumer_offsets`: key and value bytes; a null value is a tombstone. */
export interface CoordinatorLogRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

/** Where the coordinator's records live: the partitions of `__consumer_offsets` (see coordinator-log.ts). */
export interface CoordinatorLog {
  /** Appends the records to the partition as one batch; resolves once appended (and as durable as acks=all makes it); throws KafkaError. */
  append(partition: number, records: readonly CoordinatorLogRecord[]): Promise<void>;
  /** Calls `visit` for every record of the partition from its log start, in offset order. */
  replay(partition: number, visit: (key: Buffer, value: Buffer | null) => void): Promise<void>;
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly value: OffsetAndMetadata;
}

/** What replay found: every group's offsets (in the store) and the stored metadata of each group. */
export interface LoadedGroups {
  readonly groupMetadata: ReadonlyMap<string, GroupSnapshot>;
  /** Groups that have committed offsets, whether or not they have metadata. */
  readonly groupsWithOffsets: readonly string[];
}

type PartitionOffsets = Map<number, OffsetAndMetadata>;
type GroupOffsets = Map<string, PartitionOffsets>;

/** The offsets and group metadata of one `__consumer_offsets` partition (the groups that hash to it). */
export class OffsetStore {
  readonly #log: CoordinatorLog;
  readonly #partition: number;
  readonly #offsets = new Map<string, GroupOffsets>();

  constructor(log: CoordinatorLog, partition: number) {
    this.#log = log;
    this.#partition = partition;
  }

  /** Replays the partition into memory; returns the groups' stored metadata for the coordinator to restore. */
  async load(): Promise<LoadedGroups> {
    const groupMetadata = new Map<string, GroupSnapshot>();
    await this.#log.replay(this.#partition, (key, value) => {
      const record = decodeRecord(key, value);
      if (record.type === 'offset') {
        const { group, topic, partition } = record.key;
        if (record.value === null) this.#remove(group, topic, partition);
        else this.#put(group, topic, partition, record.value);
      } else if (record.value === null) {
        groupMetadata.delete(record.key.group);
      } else {
        groupMetadata.set(record.key.group, record.value);
      }
    });
    return { groupMetadata, groupsWithOffsets: [...this.#offsets.keys()] };
  }

  /** Writes the commits as one batch, then makes them visible. */
  async commit(group: string, commits: readonly TopicPartitionOffset[]): Promise<void> {
    if (commits.length === 0) return;
    await this.#log.append(
      this.#partition,
      commits.map((c) => ({ key: offsetCommitKey(group, c.topic, c.partition), value: offsetCommitValue(c.value) })),
    );
    for (const c of commits) this.#put(group, c.topic, c.partition, c.value);
  }

  async storeGroup(group: string, snapshot: GroupSnapshot): Promise<void> {
    await this.#log.append(this.#partition, [{ key: groupMetadataKey(group), value: groupMetadataValue(snapshot) }]);
  }

  get(group: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.#offsets.get(group)?.get(topic)?.get(partition);
  }

  hasOffsets(group: string): boolean {
    return this.#offsets.has(group);
  }

  /** Every committed offset of the group, topic by topic. */
  *offsetsOf(group: string): Generator<TopicPartitionOffset> {
    const byTopic = this.#offsets.get(group);
    if (!byTopic) return;
    for (const [topic, partitions] of byTopic) {
      for (const [partition, value] of partitions) yield { topic, partition, value };
    }
  }

  /** Tombstones the given partitions' offsets (OffsetDelete, retention). */
  async deleteOffsets(group: string, partitions: readonly { readonly topic: string; readonly partition: number }[]): Promise<void> {
    const present = partitions.filter((p) => this.get(group, p.topic, p.partition) !== undefined);
    if (present.length === 0) return;
    await this.#log.append(
      this.#partition,
      present.map((p) => ({ key: offsetCommitKey(group, p.topic, p.partition), value: null })),
    );
    for (const p of present) this.#remove(group, p.topic, p.partition);
  }

  /** Tombstones the group's metadata and every offset it has (DeleteGroups, a group expired by retention). */
  async deleteGroup(group: string): Promise<void> {
    const records = [...this.offsetsOf(group)].map((o) => ({ key: offsetCommitKey(group, o.topic, o.partition), value: null }));
    records.push({ key: groupMetadataKey(group), value: null });
    await this.#log.append(this.#partition, records);
    this.#offsets.delete(group);
  }

  /** How many partitions the group has an offset for. */
  offsetCount(group: string): number {
    let count = 0;
    for (const partitions of this.#offsets.get(group)?.values() ?? []) count += partitions.size;
    return count;
  }

  #put(group: string, topic: string, partition: number, value: OffsetAndMetadata): void {
    let byTopic = this.#offsets.get(group);
    if (!byTopic) this.#offsets.set(group, (byTopic = new Map()));
    let partitions = byTopic.get(topic);
    if (!partitions) byTopic.set(topic, (partitions = new Map()));
    partitions.set(partition, value);
  }

  #remove(group: string, topic: string, partition: number): void {
    const byTopic = this.#offsets.get(group);
    const partitions = byTopic?.get(topic);
    if (!byTopic || !partitions) return;
    partitions.delete(partition);
    if (partitions.size === 0) byTopic.delete(topic);
    if (byTopic.size === 0) this.#offsets.delete(group);
  }
}

/** Kafka's mapping of a failed __consumer_offsets append onto what OffsetCommit/SyncGroup answer (GroupMetadataManager). */
export function coordinatorErrorFor(error: unknown): ErrorCode {
  if (!(error instanceof KafkaError)) return ErrorCode.UNKNOWN_SERVER_ERROR;
  switch (error.code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return error.code;
  }
}

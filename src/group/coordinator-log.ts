/**
 * `__consumer_offsets` as the coordinator's log: records go in as RecordBatch v2 batches (built by the
 * native engine) through the ReplicaManager with acks=all, so a commit is acknowledged only once it is as
 * durable as any acks=all produce; replay reads the partition batch by batch from its log start.
 *
 * One append is in flight at a time: what arrives meanwhile waits and goes in as one batch when it
 * completes (group commit at the coordinator: under many committing consumers, one batch and one flush
 * per round instead of one per request). Each caller still learns its own outcome; a batch is capped at
 * APPEND_BATCH_BYTES so merging never makes one exceed `max.message.bytes`.
 *
 * One partition on a single node: every group hashes to it, so there is nothing to spread. Kafka's 50
 * (`offsets.topic.num.partitions`) exist to spread coordinators over brokers, which needs a cluster first;
 * the key format is Kafka's, so a later split by Kafka's hash of the group id keeps the data as it is.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { readBatchHeader } from '../record/batch.js';
import { buildRecordBatch } from '../record/builder.js';
import { decodeRecords } from '../record/records.js';
import type { Partition } from '../replication/partition.js';
import type { ReplicaManager } from '../replication/replica-manager.js';
import type { CoordinatorLog, CoordinatorLogRecord } from './offset-store.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
export const OFFSETS_PARTITION = 0;
/** How long an offset commit may wait for its append to be flushed before it fails with REQUEST_TIMED_OUT. */
const APPEND_TIMEOUT_MS = 5000;
const REPLAY_READ_BYTES = 1 << 20;
/** Well under Kafka's default max.message.bytes (1 MiB) for the records merged into one batch. */
const APPEND_BATCH_BYTES = 512 * 1024;

interface PendingAppend {
  readonly records: readonly CoordinatorLogRecord[];
  readonly bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

export class ReplicaCoordinatorLog implements CoordinatorLog {
  readonly #replicaManager: ReplicaManager;
  readonly #queue: PendingAppend[] = [];
  #draining = false;

  constructor(replicaManager: ReplicaManager) {
    this.#replicaManager = replicaManager;
  }

  append(records: readonly CoordinatorLogRecord[]): Promise<void> {
    const bytes = records.reduce((sum, r) => sum + r.key.length + (r.value?.length ?? 0), 0);
    return new Promise((resolve, reject) => {
      this.#queue.push({ records, bytes, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (this.#queue.length > 0) {
      // The first pending append always goes, however large; the rest join it while the batch has room.
      let take = 0;
      let bytes = 0;
      for (const pending of this.#queue) {
        if (take > 0 && bytes + pending.bytes > APPEND_BATCH_BYTES) break;
        bytes += pending.bytes;
        take++;
      }
      const round = this.#queue.splice(0, take);
      try {
        await this.#appendBatch(round.flatMap((p) => p.records));
        for (const p of round) p.resolve();
      } catch (error) {
        for (const p of round) p.reject(error);
      }
    }
    this.#draining = false;
  }

  async #appendBatch(records: readonly CoordinatorLogRecord[]): Promise<void> {
    const batch = buildRecordBatch({ keys: records.map((r) => r.key), values: records.map((r) => r.value) });
    const [result] = await this.#replicaManager.appendRecords([{ topic: OFFSETS_TOPIC, partition: OFFSETS_PARTITION, records: batch }], {
      acks: -1,
      timeoutMs: APPEND_TIMEOUT_MS,
      allowInternal: true,
    });
    if (result!.errorCode !== ErrorCode.NONE) throw new KafkaError(result!.errorCode, result!.errorMessage ?? undefined);
  }

  async replay(visit: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    let partition: Partition;
    try {
      partition = this.#replicaManager.onlinePartition(OFFSETS_TOPIC, OFFSETS_PARTITION);
    } catch (error) {
      // Another broker leads the partition and coordinates the groups (FindCoordinator sends clients there).
      if (error instanceof KafkaError && error.code === ErrorCode.NOT_LEADER_OR_FOLLOWER) return;
      throw error;
    }
    let offset = partition.logStartOffset;
    while (offset < partition.logEndOffset) {
      const read = partition.read(offset, REPLAY_READ_BYTES, true);
      try {
        for (const view of read.views) {
          for (let position = 0; position < view.length; ) {
            const header = readBatchHeader(view, position);
            const batch = view.subarray(position, position + header.sizeInBytes);
            for (const record of decodeRecords(batch)) {
              // A fetch may start inside a batch (compaction leaves gaps): skip what was already seen.
              if (record.offset >= offset && record.key !== null) visit(record.key, record.value);
            }
            offset = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
            position += header.sizeInBytes;
          }
        }
      } finally {
        read.release();
      }
      if (read.views.length === 0) break;
    }
  }
}

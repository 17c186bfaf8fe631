/**
 * `__consumer_offsets` as the coordinator's log: records go in as RecordBatch v2 batches (built by the
 * native engine) through the ReplicaManager with acks=all (Kafka's required acks -1), so a commit is
 * acknowledged only once the partition's ISR has it; replay reads a partition batch by batch from its log
 * start to its log end, as Kafka's loading does.
 *
 * Per partition, one append is in flight at a time: what arrives meanwhile waits and goes in as one batch
 * when it completes (group commit at the coordinator: under many committing consumers, one batch and one
 * flush per round instead of one per request). Each caller still learns its own outcome; a batch is capped
 * at APPEND_BATCH_BYTES so merging never makes one exceed `max.message.bytes`.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { readBatchHeader } from '../record/batch.js';
import { buildRecordBatch } from '../record/builder.js';
import { decodeRecords } from '../record/records.js';
import type { ReplicaManager } from '../replication/replica-manager.js';
import type { CoordinatorLog, CoordinatorLogRecord } from './offset-store.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
/** How long an offset commit may wait for its append to be replicated and flushed before it fails with REQUEST_TIMED_OUT. */
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

/** The appends waiting for one partition. */
interface AppendQueue {
  readonly pending: PendingAppend[];
  draining: boolean;
}

export class ReplicaCoordinatorLog implements CoordinatorLog {
  readonly #replicaManager: ReplicaManager;
  readonly #queues = new Map<number, AppendQueue>();

  constructor(replicaManager: ReplicaManager) {
    this.#replicaManager = replicaManager;
  }

  append(partition: number, records: readonly CoordinatorLogRecord[]): Promise<void> {
    const bytes = records.reduce((sum, r) => sum + r.key.length + (r.value?.length ?? 0), 0);
    let queue = this.#queues.get(partition);
    if (!queue) this.#queues.set(partition, (queue = { pending: [], draining: false }));
    const appended = new Promise<void>((resolve, reject) => queue.pending.push({ records, bytes, resolve, reject }));
    if (!queue.draining) void this.#drain(partition, queue);
    return appended;
  }

  async #drain(partition: number, queue: AppendQueue): Promise<void> {
    queue.draining = true;
    while (queue.pending.length > 0) {
      // The first pending append always goes, however large; the rest join it while the batch has room.
      let take = 0;
      let bytes = 0;
      for (const pending of queue.pending) {
        if (take > 0 && bytes + pending.bytes > APPEND_BATCH_BYTES) break;
        bytes += pending.bytes;
        take++;
      }
      const round = queue.pending.splice(0, take);
      try {
        await this.#appendBatch(
          partition,
          round.flatMap((p) => p.records),
        );
        for (const p of round) p.resolve();
      } catch (error) {
        for (const p of round) p.reject(error);
      }
    }
    queue.draining = false;
    this.#queues.delete(partition);
  }

  async #appendBatch(partition: number, records: readonly CoordinatorLogRecord[]): Promise<void> {
    const batch = buildRecordBatch({ keys: records.map((r) => r.key), values: records.map((r) => r.value) });
    const [result] = await this.#replicaManager.appendRecords([{ topic: OFFSETS_TOPIC, partition, records: batch }], {
      acks: -1,
      timeoutMs: APPEND_TIMEOUT_MS,
      allowInternal: true,
    });
    if (result!.errorCode !== ErrorCode.NONE) throw new KafkaError(result!.errorCode, result!.errorMessage ?? undefined);
  }

  /**
   * The coordinator replays a partition once this broker leads it, as the metadata listeners are told; the
   * local replica is read whatever role the replica manager, told in the same round, has given it yet.
   */
  async replay(partitionIndex: number, visit: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    const partition = this.#replicaManager.localReplica(OFFSETS_TOPIC, partitionIndex);
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

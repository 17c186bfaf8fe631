/**
 * `__consumer_offsets` as the coordinator's log: records go in as one RecordBatch v2 per call (built by the
 * native engine) through the ReplicaManager with acks=all, so a commit is acknowledged only once it is as
 * durable as any acks=all produce; replay reads the partition batch by batch from its log start.
 *
 * One partition on a single node: every group hashes to it, so there is nothing to spread. Kafka's 50
 * (`offsets.topic.num.partitions`) exist to spread coordinators over brokers, which needs a cluster first;
 * the key format is Kafka's, so a later split by Kafka's hash of the group id keeps the data as it is.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { readBatchHeader } from '../replication/batch-header.js';
import type { ReplicaManager } from '../replication/replica-manager.js';
import { native } from '../storage/native.js';
import type { CoordinatorLog, CoordinatorLogRecord } from './offset-store.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
export const OFFSETS_PARTITION = 0;
/** How long an offset commit may wait for its append to be flushed before it fails with REQUEST_TIMED_OUT. */
const APPEND_TIMEOUT_MS = 5000;
const REPLAY_READ_BYTES = 1 << 20;

export class ReplicaCoordinatorLog implements CoordinatorLog {
  readonly #replicaManager: ReplicaManager;

  constructor(replicaManager: ReplicaManager) {
    this.#replicaManager = replicaManager;
  }

  async append(records: readonly CoordinatorLogRecord[]): Promise<void> {
    const batch = native.buildRecordBatch({ keys: records.map((r) => r.key), values: records.map((r) => r.value) });
    const [result] = await this.#replicaManager.appendRecords([{ topic: OFFSETS_TOPIC, partition: OFFSETS_PARTITION, records: batch }], {
      acks: -1,
      timeoutMs: APPEND_TIMEOUT_MS,
      allowInternal: true,
    });
    if (result!.errorCode !== ErrorCode.NONE) throw new KafkaError(result!.errorCode, result!.errorMessage ?? undefined);
  }

  async replay(visit: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    const partition = this.#replicaManager.onlinePartition(OFFSETS_TOPIC, OFFSETS_PARTITION);
    let offset = partition.logStartOffset;
    while (offset < partition.logEndOffset) {
      const read = partition.read(offset, REPLAY_READ_BYTES, true);
      try {
        for (const view of read.views) {
          for (let position = 0; position < view.length; ) {
            const header = readBatchHeader(view, position);
            const batch = view.subarray(position, position + header.sizeInBytes);
            for (const record of native.decodeRecordBatch(batch)) {
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

/**
 * Idempotent-producer state of one partition (Kafka's ProducerStateManager): per producer id, its epoch and
 * the metadata of its last five batches, so a retried batch is recognised as a duplicate and answered with
 * its original offsets, and a gap or a stale epoch is refused.
 *
 * Rules (Kafka's `ProducerAppendInfo.checkSequence` / `checkProducerEpoch`):
 * - an epoch below the producer's current one → INVALID_PRODUCER_EPOCH;
 * - a higher epoch starts over at sequence 0 → otherwise OUT_OF_ORDER_SEQUENCE_NUMBER;
 * - the same epoch must continue at last sequence + 1 (wrapping at int32) → otherwise OUT_OF_ORDER_SEQUENCE_NUMBER,
 *   unless the batch equals one of the last five (a duplicate: success with the original offsets);
 * - a producer id with no state here is accepted at any sequence (KIP-360: its state may have expired or been
 *   removed with the records that held it).
 *
 * The state survives restarts through Kafka's producer snapshot file (`<offset>.snapshot`, written on clean
 * shutdown: version int16, crc uint32 (CRC-32C of what follows), then int32 count of entries of producerId
 * int64, epoch int16, lastSequence int32, lastOffset int64, offsetDelta int32, timestamp int64,
 * coordinatorEpoch int32, currentTxnFirstOffset int64) plus a replay of the batch headers after it.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { type BatchHeader, lastSequence } from '../record/batch.js';

/** The header fields producer state is kept from. */
export type ProducerBatch = Pick<BatchHeader, 'producerId' | 'producerEpoch' | 'baseSequence' | 'lastOffsetDelta'>;

/** Batches remembered per producer for duplicate detection; clients keep at most 5 requests in flight. */
export const NUM_BATCHES_TO_RETAIN = 5;

const SNAPSHOT_VERSION = 1;
const SNAPSHOT_HEADER_BYTES = 2 + 4 + 4;
const SNAPSHOT_ENTRY_BYTES = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

export interface BatchMetadata {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  /** The batch's max timestamp (or append time), ms. */
  readonly timestamp: bigint;
}

interface ProducerEntry {
  producerEpoch: number;
  /** Oldest first, at most NUM_BATCHES_TO_RETAIN. */
  batches: BatchMetadata[];
  /** Wall-clock ms of the last append, for producer.id.expiration.ms. */
  lastUpdateMs: number;
}

export type Crc32c = (bytes: Buffer) => number;

export class ProducerStateManager {
  readonly #producers = new Map<bigint, ProducerEntry>();

  get producerCount(): number {
    return this.#producers.size;
  }

  /** Each producer's epoch and last batch (DescribeProducers). */
  *activeProducers(): Generator<{ producerId: bigint; producerEpoch: number; lastBatch: BatchMetadata | undefined }> {
    for (const [producerId, entry] of this.#producers) yield { producerId, producerEpoch: entry.producerEpoch, lastBatch: entry.batches.at(-1) };
  }

  /**
   * Checks an idempotent batch before it is appended. Returns the original batch's metadata if it is a
   * duplicate of one of the producer's last five batches (nothing must be appended then); throws
   * KafkaError(INVALID_PRODUCER_EPOCH | OUT_OF_ORDER_SEQUENCE_NUMBER) if it must be refused.
   */
  check(header: ProducerBatch): BatchMetadata | undefined {
    const entry = this.#producers.get(header.producerId);
    if (!entry) return undefined;
    if (header.producerEpoch < entry.producerEpoch) {
      throw new KafkaError(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `producer ${header.producerId} epoch ${header.producerEpoch} is older than the current epoch ${entry.producerEpoch}`,
      );
    }
    if (header.producerEpoch > entry.producerEpoch) {
      if (header.baseSequence !== 0) {
        throw new KafkaError(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `producer ${header.producerId} new epoch ${header.producerEpoch} must start at sequence 0, not ${header.baseSequence}`,
        );
      }
      return undefined;
    }
    const last = lastSequence(header);
    const duplicate = entry.batches.find((b) => b.firstSequence === header.baseSequence && b.lastSequence === last);
    if (duplicate) return duplicate;
    const newest = entry.batches.at(-1);
    if (newest && !inSequence(newest.lastSequence, header.baseSequence)) {
      throw new KafkaError(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `producer ${header.producerId} epoch ${header.producerEpoch}: expected sequence ${nextSequence(newest.lastSequence)}, got ${header.baseSequence}`,
      );
    }
    return undefined;
  }

  /**
   * Forgets the batches at or after `offset` (the log was truncated there). Returns the producers left with
   * no batch remembered: their state below `offset` is older than the five batches kept, so the caller
   * replays the log for them (Kafka's truncateAndReload). Forgetting them instead would accept any sequence
   * from them, and a client that sees a later sequence acknowledged takes the lost batches as written.
   */
  truncateTo(offset: bigint): Set<bigint> {
    const forgotten = new Set<bigint>();
    for (const [producerId, entry] of this.#producers) {
      entry.batches = entry.batches.filter((batch) => batch.lastOffset < offset);
      if (entry.batches.length === 0) {
        this.#producers.delete(producerId);
        forgotten.add(producerId);
      }
    }
    return forgotten;
  }

  /** Records an appended idempotent batch (also used to replay the log after a restart). */
  update(header: ProducerBatch, firstOffset: bigint, lastOffset: bigint, timestamp: bigint, nowMs: number): void {
    let entry = this.#producers.get(header.producerId);
    if (!entry || header.producerEpoch > entry.producerEpoch) {
      entry = { producerEpoch: header.producerEpoch, batches: [], lastUpdateMs: nowMs };
      this.#producers.set(header.producerId, entry);
    }
    entry.batches.push({ firstSequence: header.baseSequence, lastSequence: lastSequence(header), firstOffset, lastOffset, timestamp });
    if (entry.batches.length > NUM_BATCHES_TO_RETAIN) entry.batches.shift();
    entry.lastUpdateMs = nowMs;
  }

  /** Drops producers idle for longer than `producer.id.expiration.ms`. */
  expire(nowMs: number, expirationMs: number): void {
    for (const [producerId, entry] of this.#producers) {
      if (nowMs - entry.lastUpdateMs >= expirationMs) this.#producers.delete(producerId);
    }
  }

  /** Kafka's producer snapshot layout (each producer's last batch). */
  snapshot(crc32c: Crc32c): Buffer {
    const entries = [...this.#producers].filter(([, entry]) => entry.batches.length > 0);
    const buffer = Buffer.alloc(SNAPSHOT_HEADER_BYTES + entries.length * SNAPSHOT_ENTRY_BYTES);
    buffer.writeInt16BE(SNAPSHOT_VERSION, 0);
    buffer.writeInt32BE(entries.length, 6);
    let position = SNAPSHOT_HEADER_BYTES;
    for (const [producerId, entry] of entries) {
      const last = entry.batches.at(-1)!;
      buffer.writeBigInt64BE(producerId, position);
      buffer.writeInt16BE(entry.producerEpoch, position + 8);
      buffer.writeInt32BE(last.lastSequence, position + 10);
      buffer.writeBigInt64BE(last.lastOffset, position + 14);
      buffer.writeInt32BE(Number(last.lastOffset - last.firstOffset), position + 22);
      buffer.writeBigInt64BE(BigInt(entry.lastUpdateMs), position + 26);
      buffer.writeInt32BE(-1, position + 34);
      buffer.writeBigInt64BE(-1n, position + 38);
      position += SNAPSHOT_ENTRY_BYTES;
    }
    buffer.writeUInt32BE(crc32c(buffer.subarray(6)), 2);
    return buffer;
  }

  /** Restores a snapshot; KafkaError(CORRUPT_MESSAGE) if it is damaged (the caller then rebuilds from the log). */
  static fromSnapshot(buffer: Buffer, crc32c: Crc32c): ProducerStateManager {
    if (buffer.length < SNAPSHOT_HEADER_BYTES || buffer.readInt16BE(0) !== SNAPSHOT_VERSION) {
      throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'producer snapshot: bad header');
    }
    if (buffer.readUInt32BE(2) !== crc32c(buffer.subarray(6))) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'producer snapshot: bad CRC');
    const count = buffer.readInt32BE(6);
    if (count < 0 || buffer.length !== SNAPSHOT_HEADER_BYTES + count * SNAPSHOT_ENTRY_BYTES) {
      throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'producer snapshot: bad length');
    }
    const state = new ProducerStateManager();
    for (let i = 0, position = SNAPSHOT_HEADER_BYTES; i < count; i++, position += SNAPSHOT_ENTRY_BYTES) {
      const lastSeq = buffer.readInt32BE(position + 10);
      const lastOffset = buffer.readBigInt64BE(position + 14);
      const offsetDelta = buffer.readInt32BE(position + 22);
      const timestamp = buffer.readBigInt64BE(position + 26);
      state.#producers.set(buffer.readBigInt64BE(position), {
        producerEpoch: buffer.readInt16BE(position + 8),
        batches: [
          {
            firstSequence: Math.max(0, lastSeq - offsetDelta),
            lastSequence: lastSeq,
            firstOffset: lastOffset - BigInt(offsetDelta),
            lastOffset,
            timestamp,
          },
        ],
        lastUpdateMs: Number(timestamp),
      });
    }
    return state;
  }
}

function nextSequence(sequence: number): number {
  return sequence === 0x7fffffff ? 0 : sequence + 1;
}

function inSequence(last: number, next: number): boolean {
  return next === nextSequence(last);
}

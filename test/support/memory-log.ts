/**
 * An in-memory stand-in for the storage engine's logs, for tests of the server and partition layers that do
 * not need disk: batches are validated by the engine's own validator (native.validateBatches), copied,
 * stamped with offsets and leader epoch, and read back whole.
 */
import type { LogAppendInfo, LogAppendOptions, LogReadResult, PartitionLog, PartitionLogManager, TimestampAndOffset } from '../../src/replication/partition-log.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';

interface StoredBatch {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly maxTimestamp: bigint;
  readonly bytes: Buffer;
}

function engineError(error: unknown): never {
  const match = /^GREGOR_([A-Z_]+)\|(.*)$/s.exec(error instanceof Error ? error.message : '');
  const code = match ? (ErrorCode as unknown as Record<string, ErrorCode>)[match[1]!] : undefined;
  throw code === undefined ? error : new KafkaError(code, match![2]);
}

export class MemoryLog implements PartitionLog {
  readonly #batches: StoredBatch[] = [];
  #logStartOffset = 0n;
  #logEndOffset = 0n;
  releasedReads = 0;
  openReads = 0;

  get logStartOffset(): bigint {
    return this.#logStartOffset;
  }

  get logEndOffset(): bigint {
    return this.#logEndOffset;
  }

  get size(): number {
    return this.#batches.reduce((sum, b) => sum + b.bytes.length, 0);
  }

  append(batch: Buffer, options: LogAppendOptions): LogAppendInfo {
    let info;
    try {
      info = native.validateBatches(batch, { maxBatchBytes: options.maxMessageBytes, validateRecords: true });
    } catch (error) {
      engineError(error);
    }
    const bytes = Buffer.from(batch);
    const baseOffset = this.#logEndOffset;
    const lastOffset = baseOffset + BigInt(info[0]!.lastOffsetDelta);
    bytes.writeBigInt64BE(baseOffset, 0);
    bytes.writeInt32BE(options.leaderEpoch, 12);
    let maxTimestamp = info[0]!.maxTimestamp;
    if (options.logAppendTime !== undefined) {
      bytes.writeInt16BE(bytes.readInt16BE(21) | 0x08, 21);
      bytes.writeBigInt64BE(options.logAppendTime, 35);
      bytes.writeUInt32BE(native.crc32C(bytes.subarray(21)), 17);
      maxTimestamp = options.logAppendTime;
    }
    this.#batches.push({ baseOffset, lastOffset, maxTimestamp, bytes });
    this.#logEndOffset = lastOffset + 1n;
    return { baseOffset, lastOffset, logAppendTimeMs: options.logAppendTime ?? -1n };
  }

  read(offset: bigint, maxBytes: number, maxOffset: bigint): LogReadResult {
    const views: Buffer[] = [];
    let bytes = 0;
    for (const batch of this.#batches) {
      if (batch.lastOffset < offset || batch.baseOffset >= maxOffset) continue;
      if (views.length > 0 && bytes + batch.bytes.length > maxBytes) break;
      views.push(batch.bytes.subarray(0));
      bytes += batch.bytes.length;
    }
    this.openReads++;
    let released = false;
    return {
      views,
      bytes,
      release: () => {
        if (released) return;
        released = true;
        this.openReads--;
        this.releasedReads++;
      },
    };
  }

  offsetForTimestamp(timestamp: bigint): TimestampAndOffset | undefined {
    const batch = this.#batches.find((b) => b.maxTimestamp >= timestamp && b.lastOffset >= this.#logStartOffset);
    return batch && { timestamp: batch.maxTimestamp, offset: batch.baseOffset > this.#logStartOffset ? batch.baseOffset : this.#logStartOffset };
  }

  maxTimestamp(): TimestampAndOffset | undefined {
    let best: StoredBatch | undefined;
    for (const batch of this.#batches) if (!best || batch.maxTimestamp > best.maxTimestamp) best = batch;
    return best && { timestamp: best.maxTimestamp, offset: best.lastOffset };
  }

  deleteRecordsBefore(offset: bigint): void {
    this.#logStartOffset = offset;
  }

  async flush(): Promise<void> {}
}

export class MemoryLogManager implements PartitionLogManager {
  readonly logs = new Map<string, MemoryLog>();

  logDirs() {
    return [{ path: 'memory', online: true, totalBytes: 0n, usableBytes: 0n }];
  }

  getOrCreateLog(topic: string, partition: number): PartitionLog {
    const key = `${topic}-${partition}`;
    let log = this.logs.get(key);
    if (!log) this.logs.set(key, (log = new MemoryLog()));
    return log;
  }

  /** No directory: nothing (producer snapshots included) is written to disk. */
  logDirOf(): string | undefined {
    return undefined;
  }

  async deleteLog(topic: string, partition: number): Promise<void> {
    this.logs.delete(`${topic}-${partition}`);
  }

  updateConfig(): void {}

  async close(): Promise<void> {}
}

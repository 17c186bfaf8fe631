/**
 * Each replica's batches of a partition, read from the broker's segment files after the run: a `.log`
 * holds RecordBatch v2 batches back to back (baseOffset int64, batchLength int32, ..., lastOffsetDelta
 * int32 at byte 23), possibly followed by zeroed space the engine reserved.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplicaBatch, ReplicaLog } from './history.js';

const LOG_OVERHEAD = 12;
const LAST_OFFSET_DELTA_AT = 23;

/** The batches of `topic`'s partitions found under a broker's log dir. */
export function replicaLogs(nodeId: number, logDir: string, topic: string, highWatermarks: ReadonlyMap<number, number>): ReplicaLog[] {
  const logs: ReplicaLog[] = [];
  for (const [partition, highWatermark] of highWatermarks) {
    const dir = join(logDir, `${topic}-${partition}`);
    if (!existsSync(dir)) continue;
    const segments = readdirSync(dir)
      .filter((name) => name.endsWith('.log'))
      .sort();
    const batches = segments.flatMap((name) => segmentBatches(join(dir, name)));
    logs.push({ nodeId, topic, partition, highWatermark, batches });
  }
  return logs;
}

/** The batches of one segment file, read header by header: the file may be mostly reserved, zeroed space. */
export function segmentBatches(path: string): ReplicaBatch[] {
  const batches: ReplicaBatch[] = [];
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(LOG_OVERHEAD);
    let position = 0;
    while (readSync(fd, header, 0, LOG_OVERHEAD, position) === LOG_OVERHEAD) {
      const length = header.readInt32BE(8);
      if (length < LAST_OFFSET_DELTA_AT + 4 - LOG_OVERHEAD) break;
      const batch = Buffer.alloc(LOG_OVERHEAD + length);
      if (readSync(fd, batch, 0, batch.length, position) < batch.length) break;
      const baseOffset = Number(batch.readBigInt64BE(0));
      batches.push({ baseOffset, lastOffset: baseOffset + batch.readInt32BE(LAST_OFFSET_DELTA_AT), bytes: batch.toString('hex') });
      position += batch.length;
    }
  } finally {
    closeSync(fd);
  }
  return batches;
}

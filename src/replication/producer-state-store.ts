/**
 * Keeps each partition's idempotent-producer state across restarts, in Kafka's files: on clean shutdown
 * `<log end offset>.snapshot` (20-digit, zero-padded) in the partition directory; on start the newest
 * snapshot not past the log end is loaded and the batch headers after it are replayed. Without a usable
 * snapshot (first start, unclean stop, damaged file) the state is rebuilt from the whole log, batch headers
 * only.
 */
import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from '../record/crc.js';
import type { PartitionLog, PartitionLogManager } from './partition-log.js';
import { ProducerStateManager } from './producer-state.js';
import { replayProducerBatches } from './producer-state-replay.js';

const SNAPSHOT_SUFFIX = '.snapshot';

interface PartitionIds {
  readonly topic: string;
  readonly partition: number;
}

export class ProducerStateStore {
  /** Loads the partition's producer state: snapshot plus replay, or a full replay. */
  async load(ids: PartitionIds, log: PartitionLog, logManager: PartitionLogManager): Promise<ProducerStateManager> {
    const dir = partitionDir(ids, logManager);
    let state = new ProducerStateManager();
    let from = log.logStartOffset;
    const snapshots = dir ? await listSnapshots(dir) : [];
    const usable = snapshots.filter((offset) => offset <= log.logEndOffset && offset >= log.logStartOffset).at(-1);
    if (dir && usable !== undefined) {
      try {
        state = ProducerStateManager.fromSnapshot(await readFile(join(dir, snapshotName(usable))), crc32c);
        from = usable;
      } catch {
        state = new ProducerStateManager();
      }
    }
    replayProducerBatches(state, log, from);
    return state;
  }

  /**
   * Writes `<log end>.snapshot` and removes older snapshots (clean shutdown). Not fsynced: a snapshot lost
   * or torn by a crash right after shutdown fails its CRC and the state is rebuilt from the log instead,
   * and skipping thousands of fsyncs keeps shutdown fast with many partitions.
   */
  async save(
    partition: { topic: string; partition: number; log: PartitionLog; producerState: ProducerStateManager },
    logManager: PartitionLogManager,
  ): Promise<void> {
    const dir = partitionDir(partition, logManager);
    if (!dir) return;
    const offset = partition.log.logEndOffset;
    const path = join(dir, snapshotName(offset));
    await writeFile(`${path}.tmp`, partition.producerState.snapshot(crc32c));
    await rename(`${path}.tmp`, path);
    for (const older of await listSnapshots(dir)) {
      if (older !== offset) await unlink(join(dir, snapshotName(older))).catch(() => undefined);
    }
  }
}

function partitionDir(ids: PartitionIds, logManager: PartitionLogManager): string | undefined {
  return logManager.logDirOf(ids.topic, ids.partition);
}

function snapshotName(offset: bigint): string {
  return `${offset.toString().padStart(20, '0')}${SNAPSHOT_SUFFIX}`;
}

async function listSnapshots(dir: string): Promise<bigint[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((name) => /^\d{20}\.snapshot$/.test(name))
    .map((name) => BigInt(name.slice(0, 20)))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

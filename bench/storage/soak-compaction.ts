/**
 * Compaction soak and throughput: fills a partition log with keyed records (every key overwritten many
 * times), then runs cleaning passes in the partition's worker while this thread keeps appending, and checks
 * what every pass left: below the cleaned offset exactly the latest record of each key, byte for byte,
 * at its original offset; above it, everything. Prints MB/s cleaned (bytes of the segments read per
 * second of the pass) and the append rate during the passes.
 *
 *   node dist/bench/storage/soak-compaction.js [--megabytes 256] [--keys 100000] [--value-bytes 200]
 *     [--compression 0-4] [--passes 3] [--dir <data dir>]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { NativeCleanerResult } from '../../native/index.js';
import { Log } from '../../src/storage/log.js';
import { native } from '../../src/storage/native.js';
import { LogMaintenance } from '../../src/workers/log-maintenance.js';
import { PartitionWorkers } from '../../src/workers/partition-workers.js';

const RECORDS_PER_BATCH = 100;
const APPEND = { leaderEpoch: 0, maxMessageBytes: 8 << 20 };

interface Latest {
  offset: bigint;
  sha256: string;
}

function digest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

class KeyedAppender {
  readonly latest = new Map<string, Latest>();
  #sequence = 0;

  constructor(
    private readonly log: Log,
    private readonly keys: number,
    private readonly valueBytes: number,
    private readonly compression: number,
  ) {}

  /** Appends one batch of records with random keys; returns its size. */
  appendBatch(): number {
    const keys: Buffer[] = [];
    const values: Buffer[] = [];
    for (let index = 0; index < RECORDS_PER_BATCH; index++) {
      keys.push(Buffer.from(`key-${Math.floor(Math.random() * this.keys)}`));
      const value = Buffer.alloc(this.valueBytes, this.#sequence % 251);
      value.writeUInt32BE(this.#sequence++);
      values.push(value);
    }
    const batch = native.buildRecordBatch({ keys, values }, { compression: this.compression });
    const { baseOffset } = this.log.append(batch, APPEND);
    keys.forEach((key, index) => {
      this.latest.set(key.toString(), { offset: baseOffset + BigInt(index), sha256: digest(values[index]!) });
    });
    return batch.length;
  }
}

/** Checks the log against what was appended; returns the records read. */
function check(log: Log, latest: ReadonlyMap<string, Latest>, cleanedUpTo: bigint): number {
  const seenBelow = new Set<string>();
  let records = 0;
  let offset = log.logStartOffset;
  for (let read = log.read(offset, 8 << 20, log.logEndOffset); read.bytes > 0; read = log.read(offset, 8 << 20, log.logEndOffset)) {
    for (const bytes of read.views) {
      for (let at = 0; at < bytes.length; at += bytes.readInt32BE(at + 8) + 12) {
        for (const record of native.decodeRecordBatch(bytes.subarray(at, at + bytes.readInt32BE(at + 8) + 12))) {
          records++;
          const key = record.key!.toString();
          const expected = latest.get(key);
          if (expected === undefined) throw new Error(`record of an unknown key ${key} at ${record.offset}`);
          if (record.offset === expected.offset && digest(record.value!) !== expected.sha256) {
            throw new Error(`the latest record of ${key} (offset ${record.offset}) changed`);
          }
          // Below the cleaned offset only the latest record of each key as of the pass remains (appends
          // since may have superseded it): never two of one key.
          if (record.offset < cleanedUpTo) {
            if (seenBelow.has(key)) throw new Error(`two records of ${key} below the cleaned offset ${cleanedUpTo}`);
            seenBelow.add(key);
          }
        }
      }
    }
    offset = read.nextOffset;
    read.release();
  }
  for (const [key, expected] of latest) {
    if (expected.offset < log.logStartOffset) throw new Error(`the latest record of ${key} is below the log start`);
  }
  return records;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      megabytes: { type: 'string', default: '256' },
      keys: { type: 'string', default: '100000' },
      'value-bytes': { type: 'string', default: '200' },
      compression: { type: 'string', default: '0' },
      passes: { type: 'string', default: '3' },
      dir: { type: 'string' },
    },
  });
  const root = args.dir ?? mkdtempSync(join(tmpdir(), 'gregor-soak-compaction-'));
  const dir = join(root, 'compacted-0');
  const log = Log.open(dir, { segmentBytes: 16 << 20 }, { cleanShutdown: false });
  const workers = new PartitionWorkers({ pools: 1 });
  const maintenance = new LogMaintenance({
    workers,
    logs: () => [{ topicPartition: { topic: 'compacted', partition: 0 }, dir, cleanupPolicy: ['compact'], cleaner: { minCleanableDirtyRatio: 0 } }],
  });
  try {
    const appender = new KeyedAppender(log, Number(args.keys), Number(args['value-bytes']), Number(args.compression));
    const target = Number(args.megabytes) * (1 << 20);
    for (let written = 0; written < target; ) written += appender.appendBatch();
    console.log(
      `filled ${(log.size / (1 << 20)).toFixed(0)} MB in ${log.segments().length} segments, ${log.logEndOffset} records, ${appender.latest.size} keys`,
    );

    for (let pass = 1; pass <= Number(args.passes); pass++) {
      const started = performance.now();
      let appendedBytes = 0;
      let cleaned: NativeCleanerResult | undefined;
      const cleaning = maintenance.cleanNow().then((outcomes) => {
        const outcome = outcomes.get(dir);
        if (outcome?.status !== 'done') throw new Error(`pass ${pass}: ${JSON.stringify(outcome)}`);
        cleaned = outcome.value;
      });
      // Appends go on in this thread while the worker cleans.
      while (cleaned === undefined) {
        appendedBytes += appender.appendBatch();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await cleaning;
      const seconds = (performance.now() - started) / 1000;
      const result = cleaned;
      const records = check(log, appender.latest, result.cleanedUpTo);
      if (result.outcome !== 'cleaned') {
        console.log(`pass ${pass}: ${result.outcome} (dirty ratio ${result.dirtyRatio.toFixed(2)}); check passed over ${records} records`);
        continue;
      }
      console.log(
        `pass ${pass}: ${result.outcome}, read ${(result.bytesRead / (1 << 20)).toFixed(1)} MB (${result.recordsRead} records) ` +
          `in ${(result.elapsedMs / 1000).toFixed(2)} s = ${(result.bytesRead / (1 << 20) / (result.elapsedMs / 1000)).toFixed(0)} MB/s cleaned, ` +
          `kept ${result.recordsKept} records (${(result.bytesWritten / (1 << 20)).toFixed(1)} MB); ` +
          `meanwhile appended ${(appendedBytes / (1 << 20) / seconds).toFixed(0)} MB/s; check passed over ${records} records`,
      );
    }
  } finally {
    await maintenance.close();
    await workers.close();
    log.close();
    if (args.dir === undefined) rmSync(root, { recursive: true, force: true });
  }
}

await main();

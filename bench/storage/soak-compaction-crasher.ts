/**
 * Child process for crash tests of compaction (test/storage/compaction-crash.test.ts): appends small
 * batches of keyed records (some tombstones), rolls a segment every few batches and runs a cleaning pass
 * every few more, so that a SIGKILL at a random moment often strikes inside a pass, between the renames
 * of a segment swap. After every append that returned it prints `<sequence> <baseOffset>`; the records
 * of append `sequence` are fully determined by (run, sequence), so the parent knows what each key's
 * latest record must be.
 *
 * Usage: soak-compaction-crasher <partition dir> <run id>
 */
import { pathToFileURL } from 'node:url';
import { Log } from '../../src/storage/log.js';
import { native } from '../../src/storage/native.js';
import { report } from './report.js';

export const KEYS = 40;
export const RECORDS_PER_APPEND = 5;

/** Key and value (null: tombstone) of record `index` of append `sequence` of run `run`. */
export function recordOf(run: number, sequence: number, index: number): { key: string; value: string | null } {
  const key = `key-${(sequence * 7 + index * 3) % KEYS}`;
  return { key, value: (sequence + index) % 11 === 0 ? null : `run ${run} append ${sequence} record ${index}` };
}

function main(dir: string, run: number): void {
  const log = Log.open(dir, { segmentBytes: 1 << 20 }, { cleanShutdown: false });
  const engineLog = native.attachOpenLog(dir)!;
  for (let sequence = 0; ; sequence++) {
    const records = Array.from({ length: RECORDS_PER_APPEND }, (_, index) => recordOf(run, sequence, index));
    const batch = native.buildRecordBatch(
      {
        keys: records.map((record) => Buffer.from(record.key)),
        values: records.map((record) => (record.value === null ? null : Buffer.from(record.value))),
      },
      { compression: sequence % 5 },
    );
    const { baseOffset } = log.append(batch, { leaderEpoch: 0, maxMessageBytes: 1 << 20 });
    report(`${sequence} ${baseOffset}\n`);
    if (sequence % 3 === 2) log.roll();
    if (sequence % 6 === 5) native.cleanLog(engineLog, { minCleanableDirtyRatio: 0, deleteRetentionMs: 3_600_000 }, Date.now());
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir, run] = process.argv.slice(2);
  if (dir === undefined || run === undefined) {
    process.stderr.write('usage: soak-compaction-crasher <partition dir> <run id>\n');
    process.exit(2);
  }
  main(dir, Number(run));
}

/** Reads a whole storage `Log` back record by record, for tests that check what its batches hold. */
import { batchSizeAt } from '../../src/record/batch.js';
import { type DecodedRecord, decodeRecords } from '../../src/record/records.js';
import type { Log } from '../../src/storage/log.js';

/**
 * Every record from the log start as `row` copies it: `row` must copy what it keeps, because the views the
 * records point into are released read by read.
 */
export function readAllRecords<Row>(log: Log, row: (record: DecodedRecord) => Row): Row[] {
  const rows: Row[] = [];
  let offset = log.logStartOffset;
  for (let read = log.read(offset, 1 << 16, log.logEndOffset); read.bytes > 0; read = log.read(offset, 1 << 16, log.logEndOffset)) {
    for (const bytes of read.views) {
      for (let at = 0; at < bytes.length; ) {
        const end = at + batchSizeAt(bytes, at);
        for (const record of decodeRecords(bytes.subarray(at, end))) rows.push(row(record));
        at = end;
      }
    }
    offset = read.nextOffset;
    read.release();
  }
  return rows;
}

/** Reads a whole storage `Log` back record by record, for tests that check what its batches hold. */
import type { DecodedRecord } from '../../native/index.js';
import type { Log } from '../../src/storage/log.js';
import { native } from '../../src/storage/native.js';

/** Offset of a batch's `batchLength` field; the batch is that many bytes after the field's end. */
const BATCH_LENGTH_AT = 8;
const BATCH_LENGTH_END = 12;

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
        const end = at + bytes.readInt32BE(at + BATCH_LENGTH_AT) + BATCH_LENGTH_END;
        for (const record of native.decodeRecordBatch(bytes.subarray(at, end))) rows.push(row(record));
        at = end;
      }
    }
    read.release();
    offset = read.nextOffset;
  }
  return rows;
}

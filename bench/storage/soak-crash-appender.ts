/**
 * Child process of the crash soak (soak-crash.ts): appends random batches to one partition log through
 * the TypeScript `Log` as fast as it can and, after every append that returned, writes one line to stdout
 * before the next append: `<baseOffset> <lastOffset> <bytes> <sha256 of the stored batch>`. The parent
 * SIGKILLs it at a random moment; every line it got is an append that must survive.
 *
 * Usage: soak-crash-appender <partition dir> <segment.bytes> <mmap|pwrite>
 */
import { createHash, randomFillSync, randomInt } from 'node:crypto';
import { Log } from '../../src/storage/log.js';
import { native } from '../../src/storage/native.js';
import { report } from './report.js';

const [dir, segmentBytes, writeMode] = process.argv.slice(2);
if (dir === undefined || segmentBytes === undefined || (writeMode !== 'mmap' && writeMode !== 'pwrite')) {
  process.stderr.write('usage: soak-crash-appender <partition dir> <segment.bytes> <mmap|pwrite>\n');
  process.exit(2);
}

function randomBatch(): Buffer {
  const records = randomInt(1, 12);
  const values = Array.from({ length: records }, () => randomFillSync(Buffer.allocUnsafe(randomInt(0, 2_000))));
  const keys = values.map((_, index) => Buffer.from(`key-${index}`));
  return native.buildRecordBatch({ keys, values }, { compression: randomInt(0, 5) });
}

const log = Log.open(dir, { segmentBytes: Number(segmentBytes), writeMode }, { cleanShutdown: false });
for (;;) {
  const batch = randomBatch();
  const { baseOffset, lastOffset } = log.append(batch, { leaderEpoch: 0, maxMessageBytes: 1 << 20 });
  // The append stamped the batch in place: these are the stored bytes.
  report(`${baseOffset} ${lastOffset} ${batch.length} ${createHash('sha256').update(batch).digest('hex')}\n`);
}

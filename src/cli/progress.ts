/**
 * Live progress for long operations (producing a big file, consuming many records) on stderr, only when it
 * is a terminal: a cli-progress bar with records/s and MB/s; when stderr is not a terminal nothing is drawn,
 * so output stays parseable.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  /** Records and bytes done so far (totals, not increments). */
  update(records: number, bytes: number): void;
  /** Removes the bar and, on a terminal, prints a one-line summary. */
  stop(verb: string): void;
}

const MB = 1024 * 1024;

export function startProgress(options: { totalBytes?: number; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const started = performance.now();
  const rates = (records: number, bytes: number) => {
    const seconds = Math.max((performance.now() - started) / 1000, 1e-3);
    return { seconds, recordsPerSecond: Math.round(records / seconds), mbPerSecond: (bytes / MB / seconds).toFixed(1) };
  };
  if (!stream.isTTY) return { update() {}, stop() {} };
  const known = options.totalBytes !== undefined && options.totalBytes > 0;
  const bar = new SingleBar({
    stream,
    format: known
      ? '{bar} {percentage}% | {records} records | {recordsPerSecond} rec/s | {mbPerSecond} MB/s'
      : '{records} records | {recordsPerSecond} rec/s | {mbPerSecond} MB/s',
    hideCursor: true,
    clearOnComplete: true,
    fps: 5,
  });
  bar.start(known ? options.totalBytes! : 0, 0, { records: 0, recordsPerSecond: 0, mbPerSecond: '0.0' });
  let last = { records: 0, bytes: 0 };
  return {
    update(records, bytes) {
      last = { records, bytes };
      const { recordsPerSecond, mbPerSecond } = rates(records, bytes);
      bar.update(known ? bytes : 0, { records, recordsPerSecond, mbPerSecond });
    },
    stop(verb) {
      bar.stop();
      const { seconds, recordsPerSecond, mbPerSecond } = rates(last.records, last.bytes);
      stream.write(
        `${verb} ${last.records} records (${(last.bytes / MB).toFixed(1)} MB) in ${seconds.toFixed(2)} s: ${recordsPerSecond} records/s, ${mbPerSecond} MB/s\n`,
      );
    },
  };
}

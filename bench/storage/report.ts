/**
 * How a crash-test child tells its parent what it did: synchronously, so that a line is wholly written
 * before the next step the parent may SIGKILL it in, waiting out a full pipe (the parent reads as fast
 * as it can).
 */
import { writeSync } from 'node:fs';

/** Writes all of `line` to stdout before returning. */
export function report(line: string): void {
  const bytes = Buffer.from(line);
  for (let written = 0; written < bytes.length; ) {
    try {
      written += writeSync(1, bytes, written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

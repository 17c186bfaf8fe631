/** Embedded brokers for tests: in a temp dir, listening on an ephemeral loopback port, removed on close. */
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { Gregor, type GregorOptions } from '../../src/index.js';
import { builtModule } from '../support/built.js';
import { tempDataDir } from '../support/broker.js';

export async function startGregor(options: Partial<GregorOptions> = {}): Promise<Gregor> {
  return Gregor.start({
    dataDir: tempDataDir(),
    logger: pino({ level: process.env.GREGOR_TEST_LOG_LEVEL ?? 'silent' }),
    partitionTaskModule: builtModule('src/workers/partition-task.ts'),
    ...options,
    config: { 'group.initial.rebalance.delay.ms': 0, ...options.config },
  });
}

/** Closes the broker and removes its data dir. */
export async function stopGregor(gregor: Gregor): Promise<void> {
  const dataDir = gregor.broker.config.string('log.dir');
  await gregor.close();
  rmSync(dataDir, { recursive: true, force: true });
}

/** Reads `count` records from an async iterable, then stops iterating. */
export async function take<T>(source: AsyncIterable<T>, count: number, map: (item: T) => unknown = (x) => x): Promise<unknown[]> {
  const out: unknown[] = [];
  if (count === 0) return out;
  for await (const item of source) {
    out.push(map(item));
    if (out.length >= count) break;
  }
  return out;
}

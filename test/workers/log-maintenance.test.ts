import { readAllRecords } from '../support/log-records.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Log } from '../../src/storage/log.js';
import { native } from '../../src/storage/native.js';
import { LogMaintenance, type MaintainedLog } from '../../src/workers/log-maintenance.js';
import { PartitionWorkers } from '../../src/workers/partition-workers.js';
import { builtModule } from '../support/built.js';
import { pollUntil } from '../support/poll.js';

const APPEND = { leaderEpoch: 0, maxMessageBytes: 1 << 20 };

let workers: PartitionWorkers;
let root: string;
const logs: Log[] = [];
let maintenance: LogMaintenance | undefined;

beforeAll(() => {
  workers = new PartitionWorkers({ pools: 2, taskModule: builtModule('src/workers/partition-task.ts') });
  workers.start();
}, 120_000);

afterAll(async () => {
  await workers.close();
});

afterEach(async () => {
  await maintenance?.close();
  maintenance = undefined;
  for (const log of logs.splice(0)) log.close();
  rmSync(root, { recursive: true, force: true });
});

function setUp(): void {
  root = mkdtempSync(join(tmpdir(), 'gregor-maintenance-'));
}

function appendRounds(log: Log, rounds: number, keys: number, timestamp: bigint): void {
  for (let round = 0; round < rounds; round++) {
    const names = Array.from({ length: keys }, (_, key) => Buffer.from(`key-${key}`));
    const values = names.map(() => Buffer.from(`round ${round} `.repeat(20)));
    log.append(native.buildRecordBatch({ keys: names, values, timestamps: BigInt64Array.from(names, () => timestamp) }), APPEND);
    log.roll();
  }
  log.append(native.buildRecordBatch({ keys: [Buffer.from('tail')], values: [Buffer.from('t')] }), APPEND);
}

/** Opens `count` partitions of `topic`, each with overwritten keys in several closed segments. */
function partitions(topic: string, count: number, cleanupPolicy: string[], timestamp = BigInt(Date.now())): MaintainedLog[] {
  return Array.from({ length: count }, (_, partition) => {
    const dir = join(root, `${topic}-${partition}`);
    const log = Log.open(dir, { writeMode: 'pwrite', retentionMs: 60_000 }, { cleanShutdown: false });
    logs.push(log);
    appendRounds(log, 4, 10, timestamp);
    return { topicPartition: { topic, partition }, dir, cleanupPolicy, cleaner: { minCleanableDirtyRatio: 0.5 } };
  });
}

const keysOf = (log: Log): string[] => readAllRecords(log, (record) => record.key!.toString());

describe('LogMaintenance in the partition workers', () => {
  it('compacts every compact log in its own lane, one task per lane', async () => {
    setUp();
    const compacted = partitions('orders', 6, ['compact']);
    const deleteOnly = partitions('clicks', 2, ['delete']);
    maintenance = new LogMaintenance({ workers, logs: () => [...compacted, ...deleteOnly] });
    const sizes = logs.map((log) => log.size);

    const outcomes = await maintenance.cleanNow();
    expect([...outcomes.keys()].sort()).toEqual(compacted.map((log) => log.dir).sort());
    for (const [index, target] of compacted.entries()) {
      const outcome = outcomes.get(target.dir)!;
      expect(outcome).toMatchObject({ status: 'done', value: { outcome: 'cleaned', recordsRead: 40, recordsKept: 10 } });
      expect(keysOf(logs[index]!)).toEqual([...Array.from({ length: 10 }, (_, key) => `key-${key}`), 'tail']);
      expect(logs[index]!.size).toBeLessThan(sizes[index]! / 3);
    }
    expect(logs.slice(6).map((log) => log.size)).toEqual(sizes.slice(6));
  });

  it('runs cleaning and retention on their intervals until closed', async () => {
    setUp();
    const old = BigInt(Date.now() - 3_600_000);
    const compacted = partitions('state', 1, ['compact', 'delete']);
    const expiring = partitions('events', 1, ['delete'], old);
    const events: string[] = [];
    maintenance = new LogMaintenance({
      workers,
      logs: () => [...compacted, ...expiring],
      cleanerBackoffMs: 20,
      retentionCheckIntervalMs: 30,
      onEvent: (event) => events.push(event.kind),
    });
    const [state, clicks] = [logs[0]!, logs[1]!];
    const stateSize = state.size;
    maintenance.start();

    await pollUntil(() => state.size < stateSize / 3 && events.includes('clean'), 'the compact,delete log compacted');
    await pollUntil(() => clicks.segments().length === 1 && events.includes('retention'), 'expired segments deleted');
    expect(clicks.logStartOffset).toBe(clicks.segments()[0]!.baseOffset);
    expect(state.segments().length).toBeGreaterThan(1);
    await maintenance.close();
    const seen = events.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events.length).toBe(seen);
  });

  it('skips a log its owner has closed, without recreating its directory', async () => {
    setUp();
    const [target] = partitions('gone', 1, ['compact']);
    logs.pop()!.close();
    rmSync(target!.dir, { recursive: true });
    maintenance = new LogMaintenance({ workers, logs: () => [target!] });
    const outcomes = await maintenance.cleanNow();
    expect(outcomes.get(target!.dir)).toEqual({ dir: target!.dir, status: 'closed' });
    expect(existsSync(target!.dir)).toBe(false);
  });

  it('recovers many logs in the workers and hands this thread their open logs', async () => {
    setUp();
    const targets = partitions('boot', 5, ['delete']);
    const ends = logs.map((log) => log.logEndOffset);
    for (const log of logs.splice(0)) log.close();
    maintenance = new LogMaintenance({ workers, logs: () => [] });

    const recovered = await maintenance.recover(
      targets.map((target) => ({ topicPartition: target.topicPartition, dir: target.dir, config: { writeMode: 'pwrite' }, options: { cleanShutdown: false } })),
    );
    expect(recovered.map((entry) => entry.dir).sort()).toEqual(targets.map((target) => target.dir).sort());
    for (const entry of recovered) {
      if (!('log' in entry)) throw new Error(entry.error);
      logs.push(entry.log);
      expect(entry.report?.segmentsChecked).toBeGreaterThan(0);
      expect(entry.log.logEndOffset).toBe(ends[targets.findIndex((target) => target.dir === entry.dir)]);
      expect(keysOf(entry.log)).toHaveLength(41);
    }
  });
});

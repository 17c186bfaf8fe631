import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { PartitionWorkers, topicPartitionHash, type TopicPartition } from '../../src/workers/partition-workers.js';
import { pollUntil } from '../support/poll.js';

interface Trace {
  partition: number;
  sequence: number;
  threadId: number;
  lane: number;
  startIndex: number;
  finishedBefore: number;
}

const traceTask = new URL('./fixtures/trace-task.mjs', import.meta.url);
const osThreadCount = (): number => readdirSync('/proc/self/task').length;

describe('PartitionWorkers', () => {
  let workers: PartitionWorkers | undefined;
  afterEach(async () => {
    await workers?.close();
    workers = undefined;
  });

  it('hashes a topic-partition stably and spreads partitions over lanes', () => {
    const tp = { topic: 'orders', partition: 7 };
    expect(topicPartitionHash(tp)).toBe(topicPartitionHash({ ...tp }));
    expect(topicPartitionHash(tp)).not.toBe(topicPartitionHash({ topic: 'orders', partition: 8 }));
    const lanes = new PartitionWorkers({ pools: 3, taskModule: traceTask });
    const used = new Set(Array.from({ length: 30 }, (_, partition) => lanes.laneOf({ topic: 'orders', partition })));
    expect(used.size).toBe(3);
  });

  it('runs every task of a partition in the same thread, one at a time, in submission order', async () => {
    workers = new PartitionWorkers({ pools: 2, taskModule: traceTask });
    const partitions: TopicPartition[] = Array.from({ length: 6 }, (_, partition) => ({ topic: 't', partition }));
    const pending: Promise<Trace>[] = [];
    for (let sequence = 0; sequence < 20; sequence++) {
      for (const tp of partitions) {
        pending.push(workers.run(tp, { partition: tp.partition, sequence, delayMs: (sequence * 7 + tp.partition) % 3 }));
      }
    }
    const traces = await Promise.all(pending);

    for (const tp of partitions) {
      const own = traces.filter((trace) => trace.partition === tp.partition);
      expect(new Set(own.map((trace) => trace.threadId)).size).toBe(1);
      expect(own.every((trace) => trace.lane === workers!.laneOf(tp))).toBe(true);
      expect(own.map((trace) => trace.sequence)).toEqual([...Array(20).keys()]);
      const starts = own.map((trace) => trace.startIndex);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
    }
    // No task started before the previous one in its thread had finished, even though tasks yield.
    expect(traces.every((trace) => trace.finishedBefore === trace.startIndex)).toBe(true);
    expect(new Set(traces.map((trace) => trace.threadId)).size).toBe(2);
  });

  it('lets queued tasks finish on close and leaves no thread behind', async () => {
    await stat('.'); // starts libuv's thread pool before the baseline is taken
    const baseline = osThreadCount();
    workers = new PartitionWorkers({ pools: 3, taskModule: traceTask });
    workers.start();
    const tasks = Array.from({ length: 9 }, (_, partition) =>
      workers!.run<object, Trace>({ topic: 'shutdown', partition }, { partition, sequence: 0, delayMs: 20 }),
    );
    await pollUntil(() => workers!.threadIds().length === 3, 'three worker threads online');
    expect(osThreadCount()).toBeGreaterThanOrEqual(baseline + 3);

    await workers.close();
    expect((await Promise.all(tasks)).map((trace) => trace.partition)).toEqual([...Array(9).keys()]);
    expect(workers.threadIds()).toEqual([]);
    await pollUntil(() => osThreadCount() <= baseline, `OS thread count back to ${baseline}`);
    await expect(workers.run({ topic: 'shutdown', partition: 0 }, {})).rejects.toThrow(/closed/);
  });
});

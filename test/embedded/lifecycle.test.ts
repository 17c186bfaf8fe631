// What close() leaves behind (no handles, timers, workers or segment mappings), what the views handed out
// become, and that data outlives a restart.
import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../support/broker.js';
import { startGregor, take } from './support.js';

/** Lines of /proc/self/maps naming a file under `dir`: the engine's segment mappings. */
function mappingsUnder(dir: string): number {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((line) => line.includes(dir)).length;
}

/** Active resources by kind; FSReqPromise and TTYWrap come and go with the test runner's own I/O. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (kind !== 'FSReqPromise' && kind !== 'TTYWrap') counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Kinds of which more are active than before. */
function grown(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after].filter(([kind, n]) => n > (before.get(kind) ?? 0)).map(([kind, n]) => `${kind} ${before.get(kind) ?? 0} -> ${n}`);
}

describe.runIf(process.platform === 'linux')('close', () => {
  it('leaves no open handles, timers, workers or mappings, and released views read as empty', async () => {
    const before = resources();
    const dataDir = tempDataDir();
    try {
      const gregor = await startGregor({ dataDir });
      await gregor.createTopic('life', { partitions: 2 });
      const producer = gregor.producer({ lingerMs: 5 });
      await producer.send(
        'life',
        Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `value-${i}` })),
      );
      const grouped = await gregor.consumer({ topics: ['life'], groupId: 'life-group', from: 'earliest' });
      const [held] = (await take(grouped.batches(), 1)) as { value: Buffer }[][];
      expect(held![0]!.value.toString()).toMatch(/^value-/);
      expect(mappingsUnder(dataDir)).toBeGreaterThan(0);
      await gregor.close();
      expect(held![0]!.value.length).toBe(0);
      expect(mappingsUnder(dataDir)).toBe(0);
      expect(grown(before, resources())).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps records, topics and committed offsets across close and start', async () => {
    const dataDir = tempDataDir();
    try {
      const first = await startGregor({ dataDir, listen: false });
      expect(first.bootstrapServers).toBeUndefined();
      await first.createTopic('persist', { partitions: 1 });
      await first.producer().send(
        'persist',
        Array.from({ length: 10 }, (_, i) => ({ value: `p${i}` })),
      );
      const reader = await first.consumer({ topics: ['persist'], groupId: 'persist-group', from: 'earliest' });
      expect(await take(reader, 4, (r) => r.value!.toString())).toEqual(['p0', 'p1', 'p2', 'p3']);
      await first.close();

      await using second = await startGregor({ dataDir, listen: false });
      expect(second.describeTopic('persist')?.partitions).toBe(1);
      const resumed = await second.consumer({ topics: ['persist'], groupId: 'persist-group', from: 'earliest' });
      expect(await take(resumed, 6, (r) => r.value!.toString())).toEqual(['p4', 'p5', 'p6', 'p7', 'p8', 'p9']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

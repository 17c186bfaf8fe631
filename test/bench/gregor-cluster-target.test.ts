/**
 * The gregor-cluster benchmark target starts three brokers and etcd that see each other, gives a new RF 3
 * topic a leader on every broker for the load generator's routing, stops one broker and starts it again on
 * its data (the catch-up bench), and leaves no process or data behind. Skipped without etcd or a build.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopic, partitionLeaders } from '../../bench/drivers/admin.js';
import { freePort } from '../../bench/lib/ports.js';
import { GregorClusterTarget } from '../../bench/targets/gregor-cluster.js';

const target = new GregorClusterTarget();
const reason = await target.unavailable();
const dataRoot = mkdtempSync(join(os.tmpdir(), 'gregor-cluster-target-'));

afterAll(() => rmSync(dataRoot, { recursive: true, force: true }));

/** Whether the process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe.skipIf(reason !== null)(`gregor-cluster target ${reason ?? ''}`, () => {
  it('starts three brokers that route an RF 3 topic, restarts one, and stops cleanly', async () => {
    const broker = await target.start({ dataRoot, port: await freePort() });
    const pids = new Set(broker.pids);
    try {
      expect(broker.brokers).toBe(3);
      expect(broker.pids).toHaveLength(4);
      await createTopic(broker.bootstrap, { name: 'routed', partitions: 6, replicas: 3, configs: { 'min.insync.replicas': '2' } });
      const leaders = await partitionLeaders(broker.bootstrap, 'routed');
      expect(leaders).toHaveLength(6);
      expect(new Set(leaders).size).toBe(3);
      await broker.nodes!.stop(3);
      await broker.nodes!.start(3);
      for (const pid of broker.pids) pids.add(pid);
      expect(pids.size).toBe(5);
    } finally {
      await broker.stop();
    }
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(readdirSync(dataRoot)).toEqual([]);
  }, 180_000);
});

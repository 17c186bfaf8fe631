// `gregor cluster up` and its launcher: etcd and three brokers on loopback, every broker registered and
// listing the others, `gregor cluster info` showing the controller and partition leaders, and Ctrl-C
// (SIGINT) stopping every process and removing the temp data; without etcd, an error naming the package.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '../../src/cli/cluster/local-cluster.js';
import { etcdMissing } from '../support/etcd.js';
import { MAIN, requireBuild, runCli, stopAll, tempDir } from './cli-process.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => requireBuild(), 180_000);
afterAll(() => stopAll());

describe.skipIf(etcdMissing !== undefined)('the local cluster launcher', () => {
  let cluster: LocalCluster | undefined;
  afterAll(async () => {
    await cluster?.close();
  });

  it('starts etcd and three registered brokers with their own node ids, ports and data dirs, and stops them all on close', async () => {
    cluster = await LocalCluster.start({ brokers: 3, cli: MAIN, fastEtcd: true });
    expect(cluster.brokers.map((b) => b.nodeId)).toEqual([1, 2, 3]);
    expect(new Set(cluster.brokers.map((b) => b.port)).size).toBe(3);
    expect(new Set(cluster.brokers.map((b) => b.dataDir)).size).toBe(3);
    const info = JSON.parse((await runCli(['cluster', 'info', '--bootstrap-server', cluster.brokers[2]!.bootstrap, '--format', 'json'])).stdout);
    expect(info.brokers.map((b: { nodeId: number }) => b.nodeId)).toEqual([1, 2, 3]);
    expect([1, 2, 3]).toContain(info.controllerId);

    const pids = cluster.brokers.map((b) => b.pid!);
    const dataDir = cluster.dataDir;
    await cluster.close();
    cluster = undefined;
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  }, 90_000);
});

describe.skipIf(etcdMissing !== undefined)('gregor cluster up', () => {
  it('prints the bootstrap servers, serves topics whose leaders cluster info shows, and stops everything on Ctrl-C', async () => {
    const child = spawn(process.execPath, [MAIN, 'cluster', 'up', '--brokers', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('Ctrl-C stops')) resolve();
        });
        exited.then((code) => reject(new Error(`cluster up exited with ${code}: ${err}`)));
      });
      const bootstrap = /Kafka clients connect to (\S+)/.exec(out)![1]!;
      expect(bootstrap.split(',')).toHaveLength(3);
      const pids = [...out.matchAll(/pid (\d+)/g)].map(([, pid]) => Number(pid));
      expect(pids).toHaveLength(3);
      const dataDir = /data and broker logs in (\S+)/.exec(out)![1]!;

      expect((await runCli(['topic', 'create', 'spread', '-p', '6', '-r', '1', '--brokers', bootstrap])).code).toBe(0);
      const info = JSON.parse((await runCli(['cluster', 'info', '--bootstrap-server', bootstrap, '--format', 'json'])).stdout);
      const leaders = info.partitions.filter((p: { topic: string }) => p.topic === 'spread').map((p: { leader: number }) => p.leader);
      expect(leaders).toHaveLength(6);
      expect(new Set(leaders)).toEqual(new Set([1, 2, 3]));
      const text = (await runCli(['cluster', 'info', '--bootstrap-server', bootstrap])).stdout;
      expect(text).toMatch(/^TOPIC\s+PARTITION\s+LEADER/m);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toContain('stopped');
      expect(pids.filter(alive)).toEqual([]);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);
});

describe('gregor cluster up without etcd', () => {
  it('fails with an error naming the Debian package', async () => {
    const result = await runCli(['cluster', 'up', '--brokers', '1'], { env: { PATH: tempDir('gregor-empty-path-') } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/etcd is not on PATH.*etcd-server/);
  });
});

/**
 * A single-member etcd for tests and benchmarks: the `etcd` binary from PATH (Debian's etcd-server) on free
 * loopback client and peer ports with a temp data dir; it can be stopped and started again on the same dir
 * and ports (to test reconnects), and is removed with its data by `destroy`. `etcdMissing` says why etcd
 * cannot be run, or is undefined when etcd is there.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ephemeralPort } from './ports.js';
import { waitFor } from './process.js';

export const etcdMissing: string | undefined =
  spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : 'etcd is not on PATH (Debian package etcd-server)';

export class EtcdProcess {
  readonly endpoint: string;
  readonly #dataDir: string;
  readonly #clientPort: number;
  readonly #peerPort: number;
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(dataDir: string, clientPort: number, peerPort: number) {
    this.#dataDir = dataDir;
    this.#clientPort = clientPort;
    this.#peerPort = peerPort;
    this.endpoint = `127.0.0.1:${clientPort}`;
  }

  static async start(): Promise<EtcdProcess> {
    const etcd = new EtcdProcess(mkdtempSync(join(tmpdir(), 'gregor-etcd-')), await ephemeralPort(), await ephemeralPort());
    await etcd.restart();
    return etcd;
  }

  /** Starts etcd (again) on the same data dir and ports; resolves once it answers its health check. */
  async restart(): Promise<void> {
    if (this.#child) throw new Error('etcd is already running');
    const client = `http://127.0.0.1:${this.#clientPort}`;
    const peer = `http://127.0.0.1:${this.#peerPort}`;
    const child = spawn(
      'etcd',
      [
        '--name=test',
        `--data-dir=${join(this.#dataDir, 'data')}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=test=${peer}`,
        // Short raft ticks make etcd's smallest lease TTL one second, so lease tests stay short.
        '--heartbeat-interval=50',
        '--election-timeout=500',
        '--logger=zap',
        '--log-level=error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.#child = child;
    child.stderr!.on('data', (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`etcd exited with ${code} before it was healthy: ${this.#output}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([exited, waitFor('etcd to answer its health check', 20_000, () => healthy(client))]);
  }

  /** Stops etcd (SIGTERM, or the signal given) and resolves once it has exited; its data stays. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /** Stops etcd and removes its data. */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}

async function healthy(client: string): Promise<boolean> {
  try {
    const response = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1_000) });
    return response.ok && ((await response.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

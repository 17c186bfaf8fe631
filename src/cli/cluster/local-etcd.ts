/**
 * A single-member etcd as a child process (the `etcd` binary from PATH, Debian's etcd-server) on loopback
 * ports with its data in a given dir: started, stopped and started again on the same dir and ports.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Why etcd cannot be started here (it is not on PATH), or undefined when it can. */
export function etcdMissing(): string | undefined {
  return spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0
    ? undefined
    : 'etcd is not on PATH: install it (Debian and Ubuntu: apt-get install etcd-server) or put the etcd binary on PATH';
}

export interface LocalEtcdOptions {
  /** etcd keeps its data in `<dataDir>/data`. */
  readonly dataDir: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /**
   * Raft heartbeats of 50 ms and elections of 500 ms instead of etcd's 100 ms and 1 s: its smallest lease
   * TTL becomes one second, so sessions can time out within tests' bounds.
   */
  readonly fastTicks?: boolean;
  /** How long `start` waits for the health check (default 20 s). */
  readonly startTimeoutMs?: number;
  /** In its own process group, so a Ctrl-C at the terminal does not reach it (`gregor cluster up`). */
  readonly ownProcessGroup?: boolean;
}

export class LocalEtcd {
  readonly endpoint: string;
  readonly #options: LocalEtcdOptions;
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(options: LocalEtcdOptions) {
    this.#options = options;
    this.endpoint = `127.0.0.1:${options.clientPort}`;
  }

  /** Starts etcd and resolves once it answers its health check; throws when etcd is not on PATH. */
  static async start(options: LocalEtcdOptions): Promise<LocalEtcd> {
    const missing = etcdMissing();
    if (missing) throw new Error(missing);
    const etcd = new LocalEtcd(options);
    await etcd.restart();
    return etcd;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts etcd (again) on the same data dir and ports; resolves once it answers its health check. */
  async restart(): Promise<void> {
    if (this.#child) throw new Error('etcd is already running');
    const { dataDir, clientPort, peerPort, fastTicks = false, startTimeoutMs = 20_000 } = this.#options;
    const client = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const child = spawn(
      'etcd',
      [
        '--name=gregor',
        `--data-dir=${join(dataDir, 'data')}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=gregor=${peer}`,
        ...(fastTicks ? ['--heartbeat-interval=50', '--election-timeout=500'] : []),
        '--logger=zap',
        '--log-level=error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: this.#options.ownProcessGroup ?? false },
    );
    this.#child = child;
    child.stderr!.on('data', (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-4000);
    });
    let exit: string | undefined;
    child.once('exit', (code, signal) => {
      exit = `etcd exited with ${code ?? signal}: ${this.#output}`;
      if (this.#child === child) this.#child = undefined;
    });
    const deadline = Date.now() + startTimeoutMs;
    while (!(await healthy(client))) {
      if (exit) throw new Error(`${exit} (before it was healthy)`);
      if (Date.now() > deadline) {
        await this.stop('SIGKILL');
        throw new Error(`etcd did not answer its health check on ${client} within ${startTimeoutMs} ms: ${this.#output}`);
      }
      await sleep(50);
    }
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
}

async function healthy(client: string): Promise<boolean> {
  try {
    const response = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1_000) });
    return response.ok && ((await response.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

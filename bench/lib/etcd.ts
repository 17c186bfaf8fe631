/**
 * A single-member etcd for tests and benchmarks: the launcher's etcd (src/cli/cluster/local-etcd.ts) on free loopback
 * client and peer ports with short raft ticks and a temp data dir; it can be stopped and started again on
 * the same dir and ports (to test reconnects), and is removed with its data by `destroy`. `etcdMissing`
 * says why etcd tests must be skipped, or is undefined when etcd is there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ephemeralPort } from './ports.js';
import { LocalEtcd, etcdMissing as missing } from '../../src/cli/cluster/local-etcd.js';

export const etcdMissing: string | undefined = missing();

export class EtcdProcess {
  readonly endpoint: string;
  readonly #etcd: LocalEtcd;
  readonly #dataDir: string;

  private constructor(etcd: LocalEtcd, dataDir: string) {
    this.#etcd = etcd;
    this.#dataDir = dataDir;
    this.endpoint = etcd.endpoint;
  }

  static async start(): Promise<EtcdProcess> {
    const dataDir = mkdtempSync(join(tmpdir(), 'gregor-etcd-'));
    const etcd = await LocalEtcd.start({ dataDir, clientPort: await ephemeralPort(), peerPort: await ephemeralPort(), fastTicks: true });
    return new EtcdProcess(etcd, dataDir);
  }

  /** Starts etcd again on the same data dir and ports; resolves once it answers its health check. */
  restart(): Promise<void> {
    return this.#etcd.restart();
  }

  /** Stops etcd (SIGTERM, or the signal given) and resolves once it has exited; its data stays. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.#etcd.stop(signal);
  }

  /** Stops etcd and removes its data. */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}

/**
 * gregor embedded as a benchmark target: `Gregor.start` in a Node process of its own on the broker
 * cores (bench/drivers/embedded-child.ts), with the gregor target's broker settings, its Kafka listener
 * on loopback for topic administration, and the embedded load generator in the same process, driven
 * over IPC. Only that load generator measures it: the network clients would measure gregor over TCP,
 * which is the gregor target.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedLoad } from '../drivers/embedded.js';
import { REPO_ROOT } from '../lib/paths.js';
import { startProcess } from '../lib/process.js';
import { brokerReady } from './broker-process.js';
import type { RunningBroker, StartOptions, Target } from './target.js';
import { DISK_BUDGET_BROKER_SETTINGS } from './disk-budget.js';

const CHILD = join(REPO_ROOT, 'dist', 'bench', 'drivers', 'embedded-child.js');

/** As the gregor target: acks=all answered once appended, as Kafka does. */
const BROKER_SETTINGS = { 'gregor.flush.before.acks.all.enable': false, ...DISK_BUDGET_BROKER_SETTINGS };

export class EmbeddedTarget implements Target {
  readonly name = 'embedded';
  readonly loadGenerator = 'embedded';

  describe(): Record<string, string> {
    return {
      broker: `gregor (node ${process.version}), Gregor.start in-process with the embedded producer and consumer; broker and client share the broker cores, and its CPU and memory figures are both together`,
      durability: 'gregor.flush.before.acks.all.enable=false: acks=all answered once appended, as Kafka does; no fsync per write',
    };
  }

  async unavailable(): Promise<string | null> {
    return existsSync(CHILD) ? null : `the embedded target's process is not compiled (${CHILD.slice(REPO_ROOT.length + 1)}); run npm run build`;
  }

  async start(options: StartOptions): Promise<RunningBroker> {
    mkdirSync(options.dataRoot, { recursive: true });
    const dir = mkdtempSync(join(options.dataRoot, `${this.name}-`));
    const child = startProcess(
      process.execPath,
      [CHILD, join(dir, 'logs'), String(options.port), JSON.stringify(BROKER_SETTINGS)],
      { cpus: options.cpus },
      undefined,
      { ipc: true },
    );
    const broker = await brokerReady(child, {
      target: this.name,
      label: 'gregor embedded',
      port: options.port,
      dir,
      readyTimeoutMs: 60_000,
      stopGraceMs: 15_000,
    });
    return { ...broker, embedded: new EmbeddedLoad(child, options.cpus) };
  }
}

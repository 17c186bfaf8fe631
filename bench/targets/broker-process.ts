/**
 * The part of starting a broker target that every target shares once its process is spawned: keep the
 * process's last output for the error that explains a failed start, wait until it answers ApiVersions on
 * loopback, and stop it and remove its data directory either on a failed start or when the run ends.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { answersApiVersions } from '../lib/probe.js';
import { stopProcess, waitFor } from '../lib/process.js';
import type { RunningBroker } from './target.js';

/** How much of the broker's recent stdout and stderr a failed start reports. */
const KEPT_OUTPUT_CHARS = 4000;

export interface BrokerProcess {
  readonly target: string;
  /** The broker as error messages name it ("Kafka", "gregor"). */
  readonly label: string;
  readonly port: number;
  /** The broker's own data directory, removed when it stops; none when the caller keeps the data to start it again. */
  readonly dir?: string;
  readonly readyTimeoutMs: number;
  readonly stopGraceMs: number;
}

/** Waits for a spawned broker to answer on `port`; the returned handle stops it and removes its data. */
export async function brokerReady(child: ChildProcess, broker: BrokerProcess): Promise<RunningBroker> {
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-KEPT_OUTPUT_CHARS));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const stop = async () => {
    await stopProcess(child, broker.stopGraceMs);
    if (broker.dir) rmSync(broker.dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${broker.label} to answer ApiVersions`, broker.readyTimeoutMs, async () => {
      if (child.exitCode !== null) throw new Error(`${broker.label} exited with ${child.exitCode}: ${output}`);
      return answersApiVersions('127.0.0.1', broker.port);
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { target: broker.target, bootstrap: `127.0.0.1:${broker.port}`, pids: [child.pid!], stop };
}

/**
 * Brokers for integration tests, on ephemeral loopback ports with their data in a temp dir: in-process
 * (`startBroker`, whose partition workers run the built task module: worker threads do not go through
 * vitest's transform) or as a child process running the built dist (`spawnBroker`, for SIGTERM/SIGKILL restarts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Broker, type BrokerOptions } from '../../src/broker/broker.js';
import type { BrokerSettings } from '../../src/config/broker-config.js';
import { builtModule } from './built.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'gregor-test-'));
}

export interface TestBroker {
  readonly broker: Broker;
  readonly bootstrap: string;
  readonly dataDir: string;
  /** Closes the broker and removes its data. */
  close(): Promise<void>;
}

/** A broker in this process, over the storage engine in a temp dir (or the `logManager` given). */
export async function startBroker(settings: BrokerSettings = {}, options: Partial<BrokerOptions> = {}, dataDir = tempDataDir()): Promise<TestBroker> {
  const broker = await Broker.start({
    config: { 'log.dir': dataDir, listeners: 'PLAINTEXT://127.0.0.1:0', ...settings },
    logger: pino({ level: process.env.GREGOR_TEST_LOG_LEVEL ?? 'silent' }),
    partitionTaskModule: options.logManager ? undefined : builtModule('src/workers/partition-task.ts'),
    ...options,
  });
  return {
    broker,
    bootstrap: broker.bootstrapServers!,
    dataDir,
    async close() {
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly bootstrap: string;
  /** Sends the signal and resolves with the exit code (or signal name) once the process is gone. */
  stop(signal: NodeJS.Signals): Promise<number | string>;
}

/**
 * Builds dist/ when a source file is newer than it, so the child runs the code under test (CI builds it
 * before testing; locally this may take a while: call it from a beforeAll with a generous timeout).
 */
export function ensureBuilt(): void {
  builtModule('src/broker/broker.ts');
}

/**
 * Starts `test/support/broker-process.mjs` (the built broker) and waits for it to listen; with
 * `openFileLimit`, under that soft and hard limit of open files.
 */
export async function spawnBroker(dataDir: string, settings: BrokerSettings = {}, port = 0, openFileLimit?: number): Promise<BrokerProcess> {
  ensureBuilt();
  const config = { 'log.dir': dataDir, listeners: `PLAINTEXT://127.0.0.1:${port}`, ...settings };
  const command = [process.execPath, join(ROOT, 'test', 'support', 'broker-process.mjs'), JSON.stringify(config)];
  const [file, args] =
    openFileLimit === undefined
      ? [command[0]!, command.slice(1)]
      : ['bash', ['-c', `ulimit -Sn ${openFileLimit}; ulimit -Hn ${openFileLimit}; exec "$@"`, 'bash', ...command]];
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const boundPort = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /LISTENING (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`broker process exited with ${code} before listening: ${output}`)));
  });
  return {
    child,
    port: boundPort,
    bootstrap: `127.0.0.1:${boundPort}`,
    stop(signal) {
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * Brokers for integration tests, on ephemeral loopback ports with their data in a temp dir: in-process
 * (`startBroker`) or as a child process running the built dist (`spawnBroker`, for SIGTERM/SIGKILL restarts).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Broker, type BrokerOptions } from '../../src/server/broker.js';
import type { BrokerSettings } from '../../src/config/broker-config.js';

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

let built = false;

/**
 * Builds dist/ when a source file is newer than it, so the child runs the code under test (CI builds it
 * before testing; locally this may take a while: call it from a beforeAll with a generous timeout).
 */
export function ensureBuilt(): void {
  if (built) return;
  const entry = join(ROOT, 'dist', 'src', 'server', 'broker.js');
  const builtAt = existsSync(entry) ? statSync(entry).mtimeMs : 0;
  if (builtAt > 0 && newestSource(join(ROOT, 'src')) <= builtAt) {
    built = true;
    return;
  }
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'ignore' });
  } catch {
    // tsc emits despite type errors elsewhere in the tree; the entry's presence is what matters.
  }
  if (!existsSync(entry)) throw new Error('dist/src/server/broker.js was not built');
  built = true;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestSource(path) : stat.mtimeMs);
  }
  return newest;
}

/** Starts `test/support/broker-process.mjs` (the built broker) and waits for it to listen. */
export async function spawnBroker(dataDir: string, settings: BrokerSettings = {}, port = 0): Promise<BrokerProcess> {
  ensureBuilt();
  const config = { 'log.dir': dataDir, listeners: `PLAINTEXT://127.0.0.1:${port}`, ...settings };
  const child = spawn(process.execPath, [join(ROOT, 'test', 'support', 'broker-process.mjs'), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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

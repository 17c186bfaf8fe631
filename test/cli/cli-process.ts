/**
 * Runs the built `gregor` executable as a child process: one-shot commands with stdin and a deadline, and
 * `gregor serve` brokers on ephemeral ports whose banner tells where they listen. Every child is killed
 * and every data directory removed by `stopAll`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBuilt } from '../support/broker.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const MAIN = resolve(ROOT, 'dist/src/cli/main.js');

/** Builds dist/ when sources are newer (the shared test helper), then checks the executable is there. */
export function requireBuild(): void {
  ensureBuilt();
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before these tests`);
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `gregor args…`, or with `shell` a command line as an operator would paste it (from the repository root). */
export async function runCli(
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; shell?: string } = {},
): Promise<CliResult> {
  const env = { ...process.env, NO_COLOR: '1', ...options.env };
  const child =
    options.shell === undefined
      ? spawn(process.execPath, [MAIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', options.shell], { env, cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.end(options.input ?? '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((done) => child.once('close', (c) => done(c)));
  clearTimeout(timer);
  const result = { code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
  if (code === null) throw new Error(`gregor ${options.shell ?? args.join(' ')} did not finish in ${timeoutMs} ms; stderr: ${result.stderr}`);
  return result;
}

export interface ServedBroker {
  readonly child: ChildProcess;
  readonly brokers: string;
  readonly adminUrl: string | undefined;
  readonly dataDir: string;
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/**
 * Starts `gregor serve` with `args`, after defaults (ephemeral Kafka and admin ports, a temp data dir) unless
 * `flags: false` leaves the settings to the arguments, environment and config file.
 */
export async function serveBroker(
  args: readonly string[] = [],
  { env = {}, flags = true, timeoutMs = 15_000 }: { env?: NodeJS.ProcessEnv; flags?: boolean; timeoutMs?: number } = {},
): Promise<ServedBroker> {
  const dataDir = tempDir('gregor-cli-data-');
  // No initial rebalance delay: each consume joins a new or empty group, and Kafka's 3 s would dominate.
  const defaults = flags
    ? ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--admin', '127.0.0.1:0', '--override', 'group.initial.rebalance.delay.ms=0']
    : [];
  const child = spawn(process.execPath, [MAIN, 'serve', ...defaults, ...args], {
    env: { ...process.env, ...env },
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const banner = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`gregor serve printed no banner in ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\ntry:\n') && out.endsWith('\n')) {
        clearTimeout(timer);
        done(out);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`gregor serve exited with ${code} before its banner; stderr: ${err}`));
    });
  });
  const brokers = /Kafka clients connect to (\S+)/.exec(banner)?.[1];
  if (!brokers) throw new Error(`no address in banner: ${banner}`);
  const adminUrl = /metrics at (http:\/\/\S+)\/metrics/.exec(banner)?.[1];
  return {
    child,
    brokers,
    adminUrl,
    dataDir,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      const t0 = performance.now();
      if (child.exitCode !== null) return { code: child.exitCode, ms: 0 };
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill(signal);
      const code = await exited;
      children.delete(child);
      return { code, ms: performance.now() - t0 };
    },
  };
}

export async function stopAll(): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      await exited;
    }),
  );
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

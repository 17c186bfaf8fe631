/**
 * `gregor bench`: runs the benchmark harness of bench/ (its built entry point, the one `npm run bench` runs)
 * in a child process with the arguments given, and exits with its status.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError } from '../errors.js';

/** dist/src/cli/commands/bench.js → dist/bench/run.js */
const HARNESS = fileURLToPath(new URL('../../../bench/run.js', import.meta.url));

export async function bench(args: string[]): Promise<void> {
  if (!existsSync(HARNESS)) {
    throw new CliError(`the benchmark harness is not built (${HARNESS} is missing)`, 'build it with `npm run build`, from a source checkout');
  }
  const child = spawn(process.execPath, [HARNESS, ...args], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const [code, signal] = (await new Promise((resolve) => child.once('exit', (...result) => resolve(result)))) as [number | null, NodeJS.Signals | null];
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  process.exitCode = code ?? (signal ? 128 : 1);
}

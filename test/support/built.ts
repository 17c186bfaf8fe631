/**
 * Compiled modules for code that runs outside vitest's transform (worker threads, child processes):
 * `builtModule('src/workers/partition-task.ts')` runs tsc first when any source under src/ or bench/ is
 * newer than the compiled file, so such code is never a stale build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Test files run in parallel processes: one tsc at a time, the others wait for it (mkdir is atomic). */
function whileLocked(work: () => void): void {
  const lock = join(ROOT, 'dist', '.build-lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than any build was left by a killed run.
      if (existsSync(lock) && statSync(lock).mtimeMs < Date.now() - 120_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${lock} held for two minutes`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The file URL of the compiled form of `source` (a .ts path relative to the repository root). */
export function builtModule(source: string): URL {
  const compiled = join(ROOT, 'dist', source.replace(/\.ts$/, '.js'));
  whileLocked(() => {
    const builtAt = existsSync(compiled) ? statSync(compiled).mtimeMs : 0;
    const newest = Math.max(newestSource(join(ROOT, 'src')), newestSource(join(ROOT, 'bench')));
    if (builtAt > 0 && newest <= builtAt) return;
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], {
        stdio: 'ignore',
      });
    } catch {
      // tsc emits despite type errors elsewhere in the tree; what matters is that this file was emitted.
    }
  });
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(join(ROOT, source)).mtimeMs) {
    throw new Error(`${source} did not compile to ${compiled}`);
  }
  return pathToFileURL(compiled);
}

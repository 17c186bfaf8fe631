/**
 * Where things live, found from this file whether it runs as TypeScript (bench/lib) or compiled
 * (dist/bench/lib): the repository root is the nearest directory above with gregor's package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'gregor') return dir;
  }
  throw new Error('cannot find the gregor repository root above the benchmark harness');
}

export const REPO_ROOT = findRoot();
/** Downloads (Kafka jars) kept between runs; gitignored. */
export const CACHE_DIR = join(REPO_ROOT, 'bench', '.cache');
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
export const LOADGEN_BINARY = join(REPO_ROOT, 'target', 'release', 'gregor-loadgen');

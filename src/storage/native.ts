/** Loads the Rust storage engine (native/gregor.node), built by `npm install`, from source or from dist. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as NativeEngine from '../../native/index.js';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'native', 'gregor.node'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('gregor native engine not found: run `npm install` (it builds native/gregor.node)');
    dir = parent;
  }
  return dir;
}

const require = createRequire(import.meta.url);

export const native: typeof NativeEngine = require(join(findPackageRoot(), 'native', 'gregor.node'));

/**
 * The import direction DESIGN.md describes, checked on the sources: the raw native binding is imported only
 * by src/storage and src/record, the protocol codec imports nothing else of src/, and the domain layers
 * (group, replication, embedded) never reach up into the network front end (src/server).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** Every TypeScript file under src/, with the repository-relative paths of the modules it imports. */
function sourceImports(): { file: string; imports: string[] }[] {
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
  return files.map((name) => {
    const path = join(src, name);
    const text = readFileSync(path, 'utf8');
    const imports = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map(([, specifier]) =>
      relative(root, resolve(dirname(path), specifier!)).replace(/\.js$/, ''),
    );
    return { file: relative(root, path), imports };
  });
}

const modules = sourceImports();

/** The files of `layers` that import a module under one of `targets`. */
function importersOf(targets: readonly string[], layers: readonly string[]): string[] {
  return modules
    .filter(({ file }) => layers.some((layer) => file.startsWith(layer)))
    .filter(({ imports }) => imports.some((imported) => targets.some((target) => imported === target || imported.startsWith(`${target}/`))))
    .map(({ file }) => file);
}

describe('layering', () => {
  it('reads the sources', () => {
    expect(modules.length).toBeGreaterThan(100);
  });

  it('imports the native binding only from src/storage and src/record', () => {
    const importers = modules.filter(({ imports }) => imports.includes('src/storage/native')).map(({ file }) => file);
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((file) => !file.startsWith('src/storage/') && !file.startsWith('src/record/'))).toEqual([]);
  });

  it('keeps group, replication and embedded below the network front end', () => {
    expect(importersOf(['src/server'], ['src/group/', 'src/replication/', 'src/embedded/'])).toEqual([]);
  });

  it('keeps the protocol codec pure', () => {
    const outside = modules
      .filter(({ file }) => file.startsWith('src/protocol/'))
      .flatMap(({ file, imports }) =>
        imports.filter((imported) => imported.startsWith('src/') && !imported.startsWith('src/protocol/')).map((imported) => `${file} → ${imported}`),
      );
    expect(outside).toEqual([]);
  });
});

/**
 * DESIGN.md stays true to the tree: its file map lists every folder of the repository (or a `folder/**`
 * above it), and every path and file name the document gives exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const design = readFileSync(join(root, 'DESIGN.md'), 'utf8');
const FILE_NAME = /[\w./-]+\.(?:ts|mjs|rs|md|toml|json|properties|go|mod|xml)\b/g;

interface MapEntry {
  /** The folder, relative to the repository root, with its trailing slash. */
  readonly folder: string;
  /** It stands for everything below it too (`folder/**`). */
  readonly recursive: boolean;
  readonly description: string;
}

/** The entries of the file map: a line that starts with a path opens one, indented lines continue it. */
function fileMap(): MapEntry[] {
  const section = design.slice(design.indexOf('## File map'));
  const block = section.slice(section.indexOf('```') + 3, section.indexOf('```', section.indexOf('```') + 3));
  const entries: { folder: string; recursive: boolean; description: string }[] = [];
  for (const line of block.split('\n')) {
    if (line.trim() === '') continue;
    const opening = /^(\S+)\s+(.*)$/.exec(line);
    if (opening) {
      const [, path = '', description = ''] = opening;
      const recursive = path.endsWith('/**');
      entries.push({ folder: recursive ? path.slice(0, -2) : path, recursive, description });
    } else {
      const last = entries.at(-1);
      if (last) last.description += ` ${line.trim()}`;
    }
  }
  return entries;
}

/** Every folder holding a tracked file, with its trailing slash. */
function trackedFolders(): Set<string> {
  const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  const folders = new Set<string>();
  for (const file of files) {
    const parts = file.split('/').slice(0, -1);
    for (let depth = 1; depth <= parts.length; depth++) folders.add(`${parts.slice(0, depth).join('/')}/`);
  }
  return folders;
}

describe('DESIGN.md', () => {
  const entries = fileMap();

  it('has a file map whose entries are folders', () => {
    expect(entries.length).toBeGreaterThan(50);
    expect(entries.filter((e) => !e.folder.endsWith('/')).map((e) => e.folder)).toEqual([]);
  });

  it('maps every folder of the repository', () => {
    const listed = (folder: string) => entries.some((e) => e.folder === folder || (e.recursive && folder.startsWith(e.folder)));
    expect([...trackedFolders()].filter((folder) => !listed(folder))).toEqual([]);
  });

  it('maps no folder that does not exist', () => {
    expect(entries.filter((e) => !existsSync(join(root, e.folder))).map((e) => e.folder)).toEqual([]);
  });

  it('names no file in the map that is not in its folder', () => {
    const missing = entries.flatMap((e) =>
      [...e.description.matchAll(FILE_NAME)]
        .map(([name]) => (name.includes('/') ? name : `${e.folder}${name}`))
        .filter((path) => !existsSync(join(root, path))),
    );
    expect(missing).toEqual([]);
  });

  it('names no path outside the map that does not exist', () => {
    const quoted = [...design.matchAll(/`([^`\s]+)`/g)].map(([, text = '']) => text);
    const paths = quoted.filter((text) => text.includes('/') && new RegExp(`^${FILE_NAME.source}$`).test(text));
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((path) => !existsSync(join(root, path)))).toEqual([]);
  });
});

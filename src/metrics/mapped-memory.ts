/**
 * Address space mapped from segment files, read from /proc/self/maps at scrape time: the storage engine maps
 * `.log`, `.index` and `.timeindex` files, and the kernel's list is the truth about what is still mapped
 * (a deleted segment stays mapped while a fetch holds a view of it). Elsewhere than Linux it reports nothing.
 */
import { readFile } from 'node:fs/promises';

export type MappedFileKind = 'log' | 'index' | 'timeindex';

const KIND_BY_SUFFIX: ReadonlyArray<readonly [string, MappedFileKind]> = [
  ['.log', 'log'],
  ['.index', 'index'],
  ['.timeindex', 'timeindex'],
];

/** Bytes mapped per kind of segment file; a mapping of a deleted file counts too. */
export function mappedSegmentBytes(maps: string): Map<MappedFileKind, number> {
  const totals = new Map<MappedFileKind, number>();
  for (const line of maps.split('\n')) {
    // address perms offset dev inode pathname; the path starts at the first '/'.
    const slash = line.indexOf('/');
    if (slash < 0) continue;
    const path = line.endsWith(' (deleted)') ? line.slice(slash, -' (deleted)'.length) : line.slice(slash);
    const kind = KIND_BY_SUFFIX.find(([suffix]) => path.endsWith(suffix))?.[1];
    if (kind === undefined) continue;
    const dash = line.indexOf('-');
    const space = line.indexOf(' ');
    const size = parseInt(line.slice(dash + 1, space), 16) - parseInt(line.slice(0, dash), 16);
    totals.set(kind, (totals.get(kind) ?? 0) + size);
  }
  return totals;
}

export async function readMappedSegmentBytes(): Promise<Map<MappedFileKind, number>> {
  try {
    return mappedSegmentBytes(await readFile('/proc/self/maps', 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
}

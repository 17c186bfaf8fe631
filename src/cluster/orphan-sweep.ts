/**
 * The sweep of the metadata keys a change split over several transactions left unread when a crash
 * interrupted it (SharedMetadata.orphans): found, deleted, and logged. The controller runs it periodically; a
 * single node, its store's only writer, once at start.
 */
import type { Logger } from 'pino';
import type { Compare } from './store/metadata-store.js';
import type { SharedMetadata } from './store/shared-metadata.js';

/**
 * Deletes the orphan keys last written at or before revision `writtenBy`, each only if unchanged since read
 * and only while `guard` holds. Returns the revision they were read at: what the next sweep may take.
 */
export async function sweepOrphans(shared: SharedMetadata, writtenBy: number, guard: readonly Compare[], logger: Logger | undefined): Promise<number> {
  const { orphans, revision } = await shared.orphans(writtenBy);
  if (orphans.length === 0) return revision;
  const deleted = await shared.deleteOrphans(orphans, guard);
  logger?.warn(
    { found: orphans.length, deleted, revision, keys: orphans.slice(0, 10).map((kv) => kv.key) },
    'orphan metadata keys deleted: a change was interrupted',
  );
  return revision;
}

import { type Dirent, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Whether a partition directory of `topic` is left under `root`: `<topic>-<partition>`, or Kafka's
 * `<topic>-<partition>.<id>-delete` once deleted and not yet removed. Exact names only: a topic whose name
 * extends this one's (`…-gregor-flush-on-ack` beside `…-gregor`) is another topic. Partition directories
 * (of bench topics and internal ones) hold only files and are not searched.
 */
export function hasTopicDirs(root: string, topic: string, depth = 4): boolean {
  const partitionDir = new RegExp(`^${topic.replace(/[.]/g, '\\.')}-\\d+(\\.[0-9a-f]+-delete)?$`);
  const search = (dir: string, left: number): boolean => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    return entries.some(
      (e) =>
        e.isDirectory() &&
        (partitionDir.test(e.name) || (left > 0 && !e.name.startsWith('bench-') && !e.name.startsWith('__') && search(join(dir, e.name), left - 1))),
    );
  };
  return search(root, depth);
}

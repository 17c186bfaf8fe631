/** Replaces a small file so that a crash leaves either the old or the new content: temp file, fsync, rename, fsync dir. */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** `mode` applies to a new file (secrets are written 0o600). */
export async function writeFileAtomic(path: string, content: string | Buffer, mode = 0o666): Promise<void> {
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w', mode);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

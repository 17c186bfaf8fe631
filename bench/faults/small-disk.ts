/**
 * A small tmpfs mounted over a directory, so the harness can fill it (a broker's disk full) and free it
 * again; mounting needs root, so `mountRefusal` tells first whether this machine allows it.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FILLER = '.disk-full-filler';
const CHUNK = Buffer.alloc(1 << 20);

/** Why a tmpfs cannot be mounted here (not root, no mount), or undefined when it can. */
export function mountRefusal(): string | undefined {
  const probe = mkdtempSync(join(tmpdir(), 'gregor-mount-probe-'));
  try {
    const disk = SmallDisk.mount(probe, 1 << 20);
    disk.unmount();
    return undefined;
  } catch (error) {
    return (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Appends to `file` until its filesystem has no byte left (a write's size is whatever still fits). */
export function fillWith(file: string): void {
  const fd = openSync(file, 'a');
  try {
    for (let chunk = CHUNK; chunk.length >= 512; ) {
      try {
        writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        chunk = chunk.subarray(0, chunk.length >> 1);
      }
    }
  } finally {
    closeSync(fd);
  }
}

export class SmallDisk {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Mounts a tmpfs of `bytes` over the existing directory `dir` (hiding what it held). */
  static mount(dir: string, bytes: number): SmallDisk {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
    return new SmallDisk(dir);
  }

  /** Takes every free byte with a filler file (written, so tmpfs really holds the pages). */
  fill(): void {
    fillWith(join(this.dir, FILLER));
  }

  /** Removes the filler: the space is free again. */
  free(): void {
    rmSync(join(this.dir, FILLER), { force: true });
  }

  /** Unmounts even while files are open (a broker killed outright may still be exiting). */
  unmount(): void {
    execFileSync('umount', ['--lazy', this.dir], { stdio: 'pipe' });
  }
}

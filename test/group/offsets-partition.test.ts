// The group → __consumer_offsets partition mapping must be Kafka's, byte for byte: the vectors below are what
// Java's String.hashCode gives (checked again against a JVM when java is on the PATH).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { javaStringHashCode, offsetsPartitionFor } from '../../src/group/offsets-partition.js';

/** [group id, Java's hashCode, its partition of 50]. */
const VECTORS: readonly [string, number, number][] = [
  ['', 0, 0],
  ['hello', 99162322, 22],
  // hashCode is Integer.MIN_VALUE: Kafka's Utils.abs makes it 0, Math.abs would keep it negative.
  ['polygenelubricants', -2147483648, 0],
  ['console-consumer-12345', 158455506, 6],
  ['my-group', -1906497762, 36],
  ['grüße-✓', 426800989, 39],
  // A character outside the BMP counts as its two UTF-16 code units, as in Java.
  ['\u{1F600}emoji-group', -2086697739, 9],
  ['Aa', 2112, 12],
  ['BB', 2112, 12],
];

const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;

describe('the __consumer_offsets partition of a group', () => {
  it.each(VECTORS)('%j hashes as Java does and lands where Kafka puts it', (groupId, hash, partition) => {
    expect(javaStringHashCode(groupId)).toBe(hash);
    expect(offsetsPartitionFor(groupId, 50)).toBe(partition);
  });

  it('puts every group on the one partition of a one-partition topic', () => {
    for (const [groupId] of VECTORS) expect(offsetsPartitionFor(groupId, 1)).toBe(0);
  });

  it.skipIf(!hasJava)(
    'agrees with a JVM on the vectors and on generated ids',
    () => {
      const ids = [...VECTORS.map(([id]) => id), ...Array.from({ length: 50 }, (_, i) => `group-${i * 7919}-${'x'.repeat(i % 13)}`)];
      const dir = mkdtempSync(join(tmpdir(), 'gregor-hash-'));
      try {
        const source = join(dir, 'Hash.java');
        // The ids travel as UTF-16 code unit lists so the shell and file encodings cannot change them.
        const units = ids.map((id) => `new String(new char[]{${[...Array(id.length).keys()].map((i) => id.charCodeAt(i)).join(',')}})`);
        writeFileSync(
          source,
          `public class Hash { public static void main(String[] a) { for (String s : new String[]{${units.join(',')}}) ` +
            'System.out.println(s.hashCode() + " " + ((s.hashCode() & 0x7fffffff) % 50)); } }',
        );
        const lines = execFileSync('java', [source], { encoding: 'utf8', timeout: 60_000 }).trim().split('\n');
        expect(lines).toEqual(ids.map((id) => `${javaStringHashCode(id)} ${offsetsPartitionFor(id, 50)}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    70_000,
  );
});

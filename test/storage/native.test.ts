import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { native } from '../../src/storage/native.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** What the native call threw (the test fails when it returns). */
function thrownBy(action: () => unknown): Error & { code?: unknown } {
  try {
    action();
  } catch (error) {
    return error as Error & { code?: unknown };
  }
  throw new Error('expected the native call to throw');
}

describe('native engine', () => {
  it('computes CRC-32C (Castagnoli), not CRC-32', () => {
    expect(native.crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('throws engine errors with the Kafka error name as the JS code and the detail as the message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-native-'));
    dirs.push(dir);
    const log = native.NativeLog.open(join(dir, 'orders-0'), {}, { cleanShutdown: false });
    const bad = native.buildRecordBatch({ values: [Buffer.from('value')] });
    bad[bad.length - 1]! ^= 0xff;
    const error = thrownBy(() => log.append(bad, 0, 1 << 20, -1, true));
    expect(error.code).toBe('GREGOR_CORRUPT_MESSAGE');
    expect(error.message).not.toMatch(/GREGOR_|CORRUPT_MESSAGE/);
    expect(log.logEndOffset).toBe(0n);
    expect(thrownBy(() => log.read(5n, 1024, 10n, Buffer.alloc(24))).code).toBe('GREGOR_OFFSET_OUT_OF_RANGE');
    expect(thrownBy(() => log.truncateTo(2n ** 64n)).code).toBe('InvalidArg');
    log.close();
  });
});

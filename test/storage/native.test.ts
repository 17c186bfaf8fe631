import { describe, expect, it } from 'vitest';
import { native } from '../../src/storage/native.js';

describe('native engine', () => {
  it('computes CRC-32C (Castagnoli), not CRC-32', () => {
    expect(native.crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});

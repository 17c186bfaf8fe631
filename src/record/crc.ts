/** CRC-32C (Castagnoli), the checksum of record batches and of gregor's own snapshot files, computed natively. */
import { native } from '../storage/native.js';

export function crc32c(bytes: Buffer): number {
  return native.crc32C(bytes);
}

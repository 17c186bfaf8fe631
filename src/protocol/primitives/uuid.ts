/** Kafka UUIDs (16 bytes on the wire) as 8-4-4-4-12 lower-case hex strings. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Char code → nibble for '0'-'9' and 'a'-'f'; -1 for anything else. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE[i.toString(16).charCodeAt(0)] = i;

const DASH = 0x2d;

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function uuidFromBytes(buf: Buffer, at: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[buf[at + i]!];
  }
  return s;
}

export function writeUuid(uuid: string, buf: Buffer, at: number): void {
  if (uuid.length !== 36) throw new TypeError(`not a UUID in 8-4-4-4-12 lower-case hex: '${uuid}'`);
  let c = 0;
  for (let i = 0; i < 16; i++) {
    if (c === 8 || c === 13 || c === 18 || c === 23) {
      if (uuid.charCodeAt(c) !== DASH) throw new TypeError(`not a UUID in 8-4-4-4-12 lower-case hex: '${uuid}'`);
      c++;
    }
    const high = NIBBLE[uuid.charCodeAt(c)] ?? -1;
    const low = NIBBLE[uuid.charCodeAt(c + 1)] ?? -1;
    if (high < 0 || low < 0) throw new TypeError(`not a UUID in 8-4-4-4-12 lower-case hex: '${uuid}'`);
    buf[at + i] = (high << 4) | low;
    c += 2;
  }
}

/** Kafka UUIDs (16 bytes on the wire) as 8-4-4-4-12 lower-case hex strings. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function uuidFromBytes(buf: Buffer, at: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[buf[at + i]!];
  }
  return s;
}

export function writeUuid(uuid: string, buf: Buffer, at: number): void {
  if (!UUID_PATTERN.test(uuid)) throw new TypeError(`not a UUID in 8-4-4-4-12 lower-case hex: '${uuid}'`);
  const hex = uuid.replaceAll('-', '');
  buf.write(hex, at, 16, 'hex');
}

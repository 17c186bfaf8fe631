/** Kafka's compression codecs: the ids in a batch's attributes (bits 0-2) and the names clients and topics use. */

export enum Compression {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

/** A codec as clients name it. */
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

const CODEC_MASK = 0x07;

const BY_NAME: ReadonlyMap<string, Compression> = new Map([
  ['none', Compression.None],
  ['uncompressed', Compression.None],
  ['gzip', Compression.Gzip],
  ['snappy', Compression.Snappy],
  ['lz4', Compression.Lz4],
  ['zstd', Compression.Zstd],
]);

/** The codec of a batch from its attributes. */
export function compressionOf(attributes: number): Compression {
  return attributes & CODEC_MASK;
}

/** The codec a client name (`none`) or a `compression.type` value (`uncompressed`) means; undefined for `producer` and unknown names. */
export function compressionNamed(name: string): Compression | undefined {
  return BY_NAME.get(name);
}

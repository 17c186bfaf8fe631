/**
 * Where to start reading or seek to, as the commands take it (`start`, `end`, an offset, `-N` for the last N
 * records, `@<timestamp-ms>`), resolved to one offset per partition with ListOffsets.
 */
import type { Admin } from '@platformatic/kafka';
import { CliError, EXIT_USAGE } from './errors.js';

export type Position =
  | { readonly kind: 'start' }
  | { readonly kind: 'end' }
  | { readonly kind: 'offset'; readonly offset: bigint }
  | { readonly kind: 'last'; readonly count: bigint }
  | { readonly kind: 'timestamp'; readonly timestamp: bigint };

export const EARLIEST = -2n;
export const LATEST = -1n;

/** ListOffsets for some partitions of a topic: the offset each answers for `timestamp` (or EARLIEST/LATEST). */
export async function listOffsets(admin: Admin, topic: string, partitions: readonly number[], timestamp: bigint): Promise<Map<number, bigint>> {
  const [result] = await admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }] });
  return new Map((result?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
}

export function parsePosition(text: string): Position {
  if (text === 'start' || text === 'beginning') return { kind: 'start' };
  if (text === 'end') return { kind: 'end' };
  if (/^\d+$/.test(text)) return { kind: 'offset', offset: BigInt(text) };
  if (/^-\d+$/.test(text)) return { kind: 'last', count: -BigInt(text) };
  if (/^@\d+$/.test(text)) return { kind: 'timestamp', timestamp: BigInt(text.slice(1)) };
  throw new CliError(`cannot read position ${JSON.stringify(text)}`, 'use start, end, an offset, -N (the last N records) or @<timestamp in ms>', EXIT_USAGE);
}

/** The offset each listed partition of `topic` starts at for `position` (clamped into the log). */
export async function resolvePosition(admin: Admin, topic: string, partitions: readonly number[], position: Position): Promise<Map<number, bigint>> {
  const list = (timestamp: bigint): Promise<Map<number, bigint>> => listOffsets(admin, topic, partitions, timestamp);
  switch (position.kind) {
    case 'start':
      return list(EARLIEST);
    case 'end':
      return list(LATEST);
    case 'timestamp': {
      const [found, end] = await Promise.all([list(position.timestamp), list(LATEST)]);
      // No record at or after the timestamp: ListOffsets answers -1, which means "the end".
      return new Map(partitions.map((p) => [p, found.get(p)! < 0n ? end.get(p)! : found.get(p)!]));
    }
    case 'offset':
    case 'last': {
      const [start, end] = await Promise.all([list(EARLIEST), list(LATEST)]);
      return new Map(
        partitions.map((p) => {
          const wanted = position.kind === 'offset' ? position.offset : end.get(p)! - position.count;
          return [p, clamp(wanted, start.get(p)!, end.get(p)!)];
        }),
      );
    }
  }
}

function clamp(value: bigint, min: bigint, max: bigint): bigint {
  return value < min ? min : value > max ? max : value;
}

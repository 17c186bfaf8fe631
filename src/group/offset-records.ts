/**
 * The record keys and values of `__consumer_offsets`, in Kafka's own schemas so the topic's data is what
 * Kafka tools expect (apache/kafka group-coordinator OffsetCommitKey/Value, GroupMetadataKey/Value):
 *
 *   key   = int16 version ‖ body            version 0/1: offset commit, 2: group metadata
 *   OffsetCommitKey      group string, topic string, partition int32
 *   OffsetCommitValue v3 offset int64, leaderEpoch int32, metadata string, commitTimestamp int64
 *   GroupMetadataKey     group string
 *   GroupMetadataValue v3 protocolType string, generation int32, protocol string?, leader string?,
 *                         currentStateTimestamp int64, members [memberId string, groupInstanceId string?,
 *                         clientId string, clientHost string, rebalanceTimeout int32, sessionTimeout int32,
 *                         subscription bytes, assignment bytes]
 *
 * Strings are int16-length UTF-8 (-1 = null), bytes int32-length, arrays int32-count, all big-endian. A null
 * value is a tombstone: compaction then drops the key. Older value versions (offset v0–v2, group v0–v2) are
 * decoded too, since Kafka brokers wrote them.
 */
import type { GroupSnapshot } from './group-snapshot.js';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
export const OFFSET_COMMIT_VALUE_VERSION = 3;
export const GROUP_METADATA_VALUE_VERSION = 3;

/** What one committed partition offset carries. */
export interface OffsetAndMetadata {
  readonly offset: bigint;
  /** -1 when the client did not say (OffsetCommit < v6). */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: bigint;
  /** Only OffsetCommit v1 could set one; -1 otherwise. */
  readonly expireTimestamp: bigint;
}

export type CoordinatorKey =
  | { readonly type: 'offset'; readonly group: string; readonly topic: string; readonly partition: number }
  | { readonly type: 'group'; readonly group: string };

/** A decoded record of the topic; `value` null is a tombstone. */
export type CoordinatorRecord =
  | { readonly type: 'offset'; readonly key: CoordinatorKey & { type: 'offset' }; readonly value: OffsetAndMetadata | null }
  | { readonly type: 'group'; readonly key: CoordinatorKey & { type: 'group' }; readonly value: GroupSnapshot | null };

class Writer {
  #buf: Buffer;
  #pos = 0;
  constructor(size: number) {
    this.#buf = Buffer.allocUnsafe(size);
  }
  int16(v: number): this {
    this.#buf.writeInt16BE(v, this.#pos);
    this.#pos += 2;
    return this;
  }
  int32(v: number): this {
    this.#buf.writeInt32BE(v, this.#pos);
    this.#pos += 4;
    return this;
  }
  int64(v: bigint): this {
    this.#buf.writeBigInt64BE(v, this.#pos);
    this.#pos += 8;
    return this;
  }
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const len = this.#buf.write(v, this.#pos + 2, 'utf8');
    this.#buf.writeInt16BE(len, this.#pos);
    this.#pos += 2 + len;
    return this;
  }
  bytes(v: Buffer): this {
    this.int32(v.length);
    v.copy(this.#buf, this.#pos);
    this.#pos += v.length;
    return this;
  }
  done(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }
}

const strSize = (s: string | null): number => 2 + (s === null ? 0 : Buffer.byteLength(s, 'utf8'));

class Reader {
  #pos = 0;
  constructor(readonly buf: Buffer) {}
  int16(): number {
    const v = this.buf.readInt16BE(this.#pos);
    this.#pos += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.#pos);
    this.#pos += 4;
    return v;
  }
  int64(): bigint {
    const v = this.buf.readBigInt64BE(this.#pos);
    this.#pos += 8;
    return v;
  }
  string(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const v = this.buf.toString('utf8', this.#pos, this.#pos + len);
    this.#pos += len;
    return v;
  }
  requiredString(): string {
    const v = this.string();
    if (v === null) throw new Error(`null string at ${this.#pos} of a __consumer_offsets record`);
    return v;
  }
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) return Buffer.alloc(0);
    const v = this.buf.subarray(this.#pos, this.#pos + len);
    this.#pos += len;
    return Buffer.from(v);
  }
}

export function offsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return new Writer(2 + strSize(group) + strSize(topic) + 4).int16(OFFSET_COMMIT_KEY_VERSION).string(group).string(topic).int32(partition).done();
}

export function groupMetadataKey(group: string): Buffer {
  return new Writer(2 + strSize(group)).int16(GROUP_METADATA_KEY_VERSION).string(group).done();
}

export function offsetCommitValue(value: OffsetAndMetadata): Buffer {
  return new Writer(2 + 8 + 4 + strSize(value.metadata) + 8)
    .int16(OFFSET_COMMIT_VALUE_VERSION)
    .int64(value.offset)
    .int32(value.leaderEpoch)
    .string(value.metadata)
    .int64(value.commitTimestamp)
    .done();
}

export function groupMetadataValue(group: GroupSnapshot): Buffer {
  let size = 2 + strSize(group.protocolType) + 4 + strSize(group.protocolName) + strSize(group.leaderId) + 8 + 4;
  for (const m of group.members) {
    size += strSize(m.memberId) + strSize(m.groupInstanceId) + strSize(m.clientId) + strSize(m.clientHost) + 8;
    size += 8 + m.subscription.length + m.assignment.length;
  }
  const w = new Writer(size)
    .int16(GROUP_METADATA_VALUE_VERSION)
    .string(group.protocolType)
    .int32(group.generationId)
    .string(group.protocolName)
    .string(group.leaderId)
    .int64(BigInt(group.currentStateTimestamp))
    .int32(group.members.length);
  for (const m of group.members) {
    w.string(m.memberId)
      .string(m.groupInstanceId)
      .string(m.clientId)
      .string(m.clientHost)
      .int32(m.rebalanceTimeoutMs)
      .int32(m.sessionTimeoutMs)
      .bytes(m.subscription)
      .bytes(m.assignment);
  }
  return w.done();
}

export function decodeKey(key: Buffer): CoordinatorKey {
  const r = new Reader(key);
  const version = r.int16();
  if (version === 0 || version === 1) {
    return { type: 'offset', group: r.requiredString(), topic: r.requiredString(), partition: r.int32() };
  }
  if (version === 2) return { type: 'group', group: r.requiredString() };
  throw new Error(`unknown __consumer_offsets key version ${version}`);
}

export function decodeOffsetCommitValue(value: Buffer): OffsetAndMetadata {
  const r = new Reader(value);
  const version = r.int16();
  if (version < 0 || version > 3) throw new Error(`unknown offset commit value version ${version}`);
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = r.string() ?? '';
  const commitTimestamp = r.int64();
  const expireTimestamp = version === 1 ? r.int64() : -1n;
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function decodeGroupMetadataValue(value: Buffer): GroupSnapshot {
  const r = new Reader(value);
  const version = r.int16();
  if (version < 0 || version > 3) throw new Error(`unknown group metadata value version ${version}`);
  const protocolType = r.requiredString();
  const generationId = r.int32();
  const protocolName = r.string();
  const leaderId = r.string();
  const currentStateTimestamp = version >= 2 ? Number(r.int64()) : -1;
  const count = r.int32();
  const members: GroupSnapshot['members'][number][] = [];
  for (let i = 0; i < count; i++) {
    const memberId = r.requiredString();
    const groupInstanceId = version >= 3 ? r.string() : null;
    const clientId = r.requiredString();
    const clientHost = r.requiredString();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs,
      sessionTimeoutMs,
      subscription: r.bytes(),
      assignment: r.bytes(),
    });
  }
  return { protocolType, generationId, protocolName, leaderId, currentStateTimestamp, members };
}

/** Decodes one record of the topic (key and optional value) into its typed form. */
export function decodeRecord(key: Buffer, value: Buffer | null): CoordinatorRecord {
  const k = decodeKey(key);
  if (k.type === 'offset') return { type: 'offset', key: k, value: value === null ? null : decodeOffsetCommitValue(value) };
  return { type: 'group', key: k, value: value === null ? null : decodeGroupMetadataValue(value) };
}

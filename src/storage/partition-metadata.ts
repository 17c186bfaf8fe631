/**
 * `partition.metadata` in a partition directory (Kafka's file): which topic id the log belongs to, so a
 * log left behind by a deleted topic is never served under a re-created topic of the same name.
 *
 * ```
 * version: 0
 * topic_id: <topic id, base64url without padding, as Kafka's Uuid.toString() prints it>
 * ```
 * gregor's topic ids are UUID strings (8-4-4-4-12 hex); this module converts both ways.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PARTITION_METADATA = 'partition.metadata';

/** 8-4-4-4-12 hex → Kafka's base64url form. */
export function uuidToKafkaId(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
}

/** Kafka's base64url form → 8-4-4-4-12 hex. */
export function kafkaIdToUuid(id: string): string {
  const hex = Buffer.from(id, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The topic id (UUID form) recorded in `dir`, or undefined when the file is missing or unreadable. */
export function readPartitionMetadata(dir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, PARTITION_METADATA), 'utf8');
  } catch {
    return undefined;
  }
  const match = /^version: 0\ntopic_id: ([A-Za-z0-9_-]{22})\s*$/.exec(text);
  return match ? kafkaIdToUuid(match[1]!) : undefined;
}

/** Records `topicId` (UUID form) in `dir`, atomically (temporary file, rename). Not fsynced: after a
 * machine crash a missing or empty file reads as unknown and is written again by the next
 * `getOrCreateLog` with the topic id, so creating 1,000 partitions costs no 1,000 fsyncs. */
export function writePartitionMetadata(dir: string, topicId: string): void {
  const path = join(dir, PARTITION_METADATA);
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `version: 0\ntopic_id: ${uuidToKafkaId(topicId)}\n`);
  renameSync(temporary, path);
}

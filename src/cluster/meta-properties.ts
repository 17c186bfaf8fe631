/**
 * `meta.properties` in a log dir (Kafka's file and keys): the node id and cluster id this directory belongs
 * to, and the directory's own id. Written once when a directory is first used, checked on every start so a
 * directory of another node or cluster is never mixed in.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import { writeFileAtomic } from './atomic-file.js';

export const META_PROPERTIES = 'meta.properties';

export interface MetaProperties {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly directoryId: string;
}

/** A Kafka-style id: 16 random bytes, base64url without padding (22 characters), as `kafka-storage random-uuid` prints. */
export function randomKafkaId(): string {
  return randomBytes(16).toString('base64url');
}

export async function readMetaProperties(dir: string): Promise<MetaProperties | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, META_PROPERTIES), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0) props.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  }
  const clusterId = props.get('cluster.id');
  const nodeId = Number(props.get('node.id') ?? props.get('broker.id'));
  if (!clusterId || !Number.isInteger(nodeId)) {
    throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `${join(dir, META_PROPERTIES)} lacks cluster.id or node.id`);
  }
  return { clusterId, nodeId, directoryId: props.get('directory.id') ?? randomKafkaId() };
}

export async function writeMetaProperties(dir: string, meta: MetaProperties): Promise<void> {
  const text = [
    '#',
    `#${new Date().toString()}`,
    `cluster.id=${meta.clusterId}`,
    `directory.id=${meta.directoryId}`,
    `node.id=${meta.nodeId}`,
    'version=1',
    '',
  ].join('\n');
  await writeFileAtomic(join(dir, META_PROPERTIES), text);
}

/**
 * Builds the broker's authorizer from Kafka's `authorizer.class.name`, `super.users` and
 * `allow.everyone.if.no.acl.found`, or none; its ACLs in the cluster metadata store, where an `acls.json` of
 * the metadata dir (the format before) is moved once.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenPrefix } from '../../cluster/store/watched-prefix.js';
import type { BrokerConfig } from '../../config/broker-config.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { FileAclStore, MetadataAclStore } from './acl-store.js';
import { StandardAuthorizer } from './standard-authorizer.js';

/** Kafka's class names of its ACL authorizers (KRaft's and ZooKeeper's), and gregor's own short name: all get the one ACL authorizer. */
const ACL_AUTHORIZER_NAMES = new Set(['org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'kafka.security.authorizer.AclAuthorizer', 'standard']);

export const ACL_FILE = 'acls.json';

/** What an `acls.json` becomes once its bindings are in the metadata store. */
export const MIGRATED_ACL_FILE = `${ACL_FILE}.migrated`;

/**
 * The authorizer `config` asks for, its ACLs under the metadata store's `acls/` (`openAcls` opens that prefix);
 * undefined when `authorizer.class.name` is empty (everything is allowed, as in Kafka).
 */
export async function openAuthorizer(config: BrokerConfig, metadataDir: string, openAcls: OpenPrefix): Promise<StandardAuthorizer | undefined> {
  const className = config.string('authorizer.class.name').trim();
  if (className === '') return undefined;
  if (!ACL_AUTHORIZER_NAMES.has(className)) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `authorizer.class.name: unknown authorizer ${className} (known: ${[...ACL_AUTHORIZER_NAMES].join(', ')})`);
  }
  const superUsers = config.has('super.users')
    ? config
        .string('super.users')
        .split(';')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : [];
  const store = await MetadataAclStore.open(openAcls);
  await migrateAclFile(metadataDir, store);
  return StandardAuthorizer.open({ superUsers, allowEveryoneIfNoAclFound: config.bool('allow.everyone.if.no.acl.found') }, store);
}

/** Moves the bindings of an `acls.json` into the store, then renames the file so that it is moved only once. */
async function migrateAclFile(metadataDir: string, store: MetadataAclStore): Promise<void> {
  const path = join(metadataDir, ACL_FILE);
  const bindings = await new FileAclStore(path).load();
  if (bindings.length > 0) await store.apply(bindings, []);
  await rename(path, join(metadataDir, MIGRATED_ACL_FILE)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

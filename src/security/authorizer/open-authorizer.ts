/** Builds the broker's authorizer from Kafka's `authorizer.class.name`, `super.users` and `allow.everyone.if.no.acl.found`, or none. */
import { join } from 'node:path';
import type { BrokerConfig } from '../../config/broker-config.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { FileAclStore } from './acl-store.js';
import { StandardAuthorizer } from './standard-authorizer.js';

/** Kafka's class names of its ACL authorizers (KRaft's and ZooKeeper's), and gregor's own short name: all get the one ACL authorizer. */
const ACL_AUTHORIZER_NAMES = new Set(['org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'kafka.security.authorizer.AclAuthorizer', 'standard']);

export const ACL_FILE = 'acls.json';

/** The authorizer `config` asks for, its ACLs in `metadataDir`; undefined when `authorizer.class.name` is empty (everything is allowed, as in Kafka). */
export async function openAuthorizer(config: BrokerConfig, metadataDir: string): Promise<StandardAuthorizer | undefined> {
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
  return StandardAuthorizer.open(
    { superUsers, allowEveryoneIfNoAclFound: config.bool('allow.everyone.if.no.acl.found') },
    new FileAclStore(join(metadataDir, ACL_FILE)),
  );
}

/** The broker keys of authorization, with Kafka's names and defaults. */
import { type ConfigDef, ConfigType } from './config-def.js';

export const AUTHORIZER_CONFIG_DEFS: readonly ConfigDef[] = [
  {
    name: 'authorizer.class.name',
    type: ConfigType.STRING,
    default: '',
    doc: 'The authorizer: org.apache.kafka.metadata.authorizer.StandardAuthorizer, kafka.security.authorizer.AclAuthorizer or standard (all the same ACL authorizer); empty authorizes everything.',
  },
  { name: 'super.users', type: ConfigType.STRING, default: null, doc: 'Principals allowed everything, separated by semicolons: User:admin;User:broker.' },
  {
    name: 'allow.everyone.if.no.acl.found',
    type: ConfigType.BOOLEAN,
    default: 'false',
    doc: 'Allow an action on a resource no ACL names at all (otherwise only the ACLs allow).',
  },
];

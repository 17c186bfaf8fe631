/**
 * What one authorization check costs with 10,000 ACLs: 6,000 LITERAL topic ACLs, 3,000 PREFIXED ones (prefixes
 * of 3 to 32 characters), 1,000 group ACLs, over 500 principals, plus a wildcard-topic DENY of another user.
 * Checks a literal hit, a prefixed hit, a denied action and a miss (a resource no ACL names), each a plain timed
 * loop (one check is well under a microsecond, too short for a per-iteration harness), best of 5 rounds.
 *
 *   npm run build:ts && node dist/bench/authorizer/run.js [--acls 10000] [--checks 1000000]
 */
import { parseArgs } from 'node:util';
import { AclOperation, AclPermissionType, type AclBinding, PatternType, ResourceType } from '../../src/security/authorizer/acl.js';
import { StandardAuthorizer } from '../../src/security/authorizer/standard-authorizer.js';

const { values: args } = parseArgs({ options: { acls: { type: 'string', default: '10000' }, checks: { type: 'string', default: '1000000' } } });
const aclCount = Number(args.acls);
const checks = Number(args.checks);

function binding(resourceType: ResourceType, resourceName: string, patternType: PatternType, principal: string, operation: AclOperation): AclBinding {
  return { resourceType, resourceName, patternType, principal, host: '*', operation, permissionType: AclPermissionType.ALLOW };
}

const acls: AclBinding[] = [];
for (let i = 0; i < aclCount; i++) {
  const principal = `User:user-${i % 500}`;
  if (i % 10 < 6) acls.push(binding(ResourceType.TOPIC, `topic-${i}`, PatternType.LITERAL, principal, AclOperation.WRITE));
  else if (i % 10 < 9) acls.push(binding(ResourceType.TOPIC, `team-${i}-`.padEnd(3 + (i % 30), 'x'), PatternType.PREFIXED, principal, AclOperation.READ));
  else acls.push(binding(ResourceType.GROUP, `group-${i}`, PatternType.LITERAL, principal, AclOperation.READ));
}
acls.push({ ...binding(ResourceType.TOPIC, '*', PatternType.LITERAL, 'User:mallory', AclOperation.ALL), permissionType: AclPermissionType.DENY });

const authorizer = await StandardAuthorizer.open(
  { superUsers: [], allowEveryoneIfNoAclFound: false },
  { load: async () => acls, apply: async () => undefined },
);

const prefixedIndex = 6;
const prefix = `team-${prefixedIndex}-`.padEnd(3 + prefixedIndex, 'x');
const cases: [string, () => boolean, boolean][] = [
  ['literal ALLOW hit', () => authorizer.authorize('User:user-0', '10.0.0.1', AclOperation.WRITE, ResourceType.TOPIC, 'topic-0'), true],
  [
    'prefixed ALLOW hit',
    () => authorizer.authorize(`User:user-${prefixedIndex % 500}`, '10.0.0.1', AclOperation.READ, ResourceType.TOPIC, `${prefix}events`),
    true,
  ],
  ['wildcard DENY', () => authorizer.authorize('User:mallory', '10.0.0.1', AclOperation.READ, ResourceType.TOPIC, 'topic-0'), false],
  [
    'no ACL names the topic',
    () => authorizer.authorize('User:user-0', '10.0.0.1', AclOperation.WRITE, ResourceType.TOPIC, 'unnamed-topic-with-a-longer-name'),
    false,
  ],
];

console.log(`${acls.length} ACLs, ${checks} checks per round`);
for (const [name, check, expected] of cases) {
  if (check() !== expected) throw new Error(`${name}: expected ${expected}`);
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < checks; i++) check();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / checks);
  }
  console.log(`${name.padEnd(26)} ${best.toFixed(0).padStart(5)} ns/check`);
}

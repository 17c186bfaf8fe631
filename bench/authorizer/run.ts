/**
 * What authorization costs with 10,000 ACLs: 6,000 LITERAL topic ACLs, 3,000 PREFIXED ones (prefixes of 3 to 32
 * characters), 1,000 group ACLs, over 500 principals, plus a wildcard-topic DENY of another user. First one
 * check (a literal hit, a prefixed hit, a denied action, a miss on a resource no ACL names); then per request:
 * the checks Produce, Fetch, OffsetCommit and a 100-topic Metadata make, through the request context's
 * `authorize` as the handlers call it (principal formatting and host included), with no authorizer, with the
 * authorizer and no ACL, and with the 10,000 ACLs. Each a plain timed loop (one check is well under a
 * microsecond, too short for a per-iteration harness), best of 5 rounds of CPU time.
 *
 *   npm run build:ts && node dist/bench/authorizer/run.js [--acls 10000] [--checks 1000000]
 */
import { parseArgs } from 'node:util';
import { AclOperation, AclPermissionType, type AclBinding, PatternType, ResourceType } from '../../src/security/authorizer/acl.js';
import { StandardAuthorizer } from '../../src/security/authorizer/standard-authorizer.js';
import type { RequestContext } from '../../src/server/handler.js';
import { withAuthorization } from '../../src/server/request-authorization.js';
import type { BrokerServices } from '../../src/services/broker-services.js';

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

const openAuthorizer = (loaded: AclBinding[]) =>
  StandardAuthorizer.open({ superUsers: [], allowEveryoneIfNoAclFound: false }, { load: async () => loaded, apply: async () => undefined });
const authorizer = await openAuthorizer(acls);

/**
 * The best of 5 rounds of `iterations` calls, in nanoseconds of this process's CPU time per call: CPU time, not
 * wall time, so other processes on a shared machine do not count (cache and core sharing still do).
 */
function timed(iterations: number, call: () => unknown): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const started = process.cpuUsage();
    for (let i = 0; i < iterations; i++) call();
    const used = process.cpuUsage(started);
    best = Math.min(best, ((used.user + used.system) * 1000) / iterations);
  }
  return best;
}

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
  console.log(`${name.padEnd(26)} ${timed(checks, check).toFixed(0).padStart(5)} ns/check`);
}

/** A request context as the dispatcher makes it: the authorization methods on its prototype, user-0's session from an IPv4 client. */
function requestContext(contextAuthorizer: StandardAuthorizer | undefined): RequestContext {
  const services = withAuthorization({ authorizer: contextAuthorizer } as unknown as BrokerServices);
  return Object.assign(Object.create(services), { session: { principal: { type: 'User', name: 'user-0' } }, clientHost: '::ffff:10.0.0.1' });
}

const metadataTopics = Array.from({ length: 100 }, (_, i) => `topic-${i * 10}`);
/** The checks each request's handler makes. */
const requests: [string, number, (context: RequestContext) => void][] = [
  ['Produce, 1 topic', 1, (c) => c.authorize(AclOperation.WRITE, ResourceType.TOPIC, 'topic-0')],
  ['Fetch, 1 topic', 1, (c) => c.authorize(AclOperation.READ, ResourceType.TOPIC, `${prefix}events`)],
  [
    'OffsetCommit, 1 topic',
    2,
    (c) => {
      c.authorize(AclOperation.READ, ResourceType.GROUP, 'group-9');
      c.authorize(AclOperation.READ, ResourceType.TOPIC, 'topic-0');
    },
  ],
  [
    'Metadata, 100 topics',
    100,
    (c) => {
      for (const name of metadataTopics) c.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, name);
    },
  ],
];
const contexts: [string, RequestContext][] = [
  ['no authorizer', requestContext(undefined)],
  ['no ACL', requestContext(await openAuthorizer([]))],
  [`${acls.length} ACLs`, requestContext(authorizer)],
];
console.log(`\nper request, ns (${contexts.map(([name]) => name).join(' | ')})`);
for (const [name, checksPerRequest, request] of requests) {
  const costs = contexts.map(([, context]) => timed(Math.ceil(checks / checksPerRequest), () => request(context)));
  console.log(`${name.padEnd(26)} ${costs.map((ns) => ns.toFixed(0).padStart(7)).join(' ')}`);
}

// `gregor acl create|list|delete` (the built CLI in child processes) against a broker with the standard
// authorizer: the CLI talks to its PLAINTEXT listener as User:ANONYMOUS, which holds ALTER and DESCRIBE on the
// cluster; the ACLs it creates and deletes decide what a PLAIN user on the SASL_PLAINTEXT listener may do.
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../support/broker.js';
import { kafkaAs, plainJaas } from '../support/plain-users.js';
import { type CliResult, requireBuild, runCli } from './cli-process.js';

// Codes of Kafka's ResourceType, PatternType, AclOperation and AclPermissionType.
const CLUSTER = 4;
const LITERAL = 3;
const ALTER = 7;
const DESCRIBE = 8;
const ALLOW = 3;

let broker: TestBroker;
let sasl: string;
const cli = (args: string[]) => runCli(['--brokers', broker.bootstrap, ...args]);

const kafka = (user: string): Kafka => kafkaAs(sasl, user, 'acl-cli');

function ok(result: CliResult): string {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** NONE, or TOPIC_AUTHORIZATION_FAILED from the Produce or (kafkajs wraps it) from the Metadata before it. */
async function aliceProduces(topic: string): Promise<string> {
  const producer = kafka('alice').producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ value: 'by alice' }] });
    return 'NONE';
  } catch (error) {
    const { type, message } = error as { type?: string; message: string };
    return type ?? (message.includes('Topic authorization failed') ? 'TOPIC_AUTHORIZATION_FAILED' : message);
  } finally {
    await producer.disconnect();
  }
}

beforeAll(async () => {
  requireBuild();
  broker = await startBroker({
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas(['admin', 'alice']),
    'authorizer.class.name': 'standard',
    'super.users': 'User:admin',
  });
  sasl = `127.0.0.1:${broker.broker.listeners[1]!.port}`;
  const admin = kafka('admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'orders' }, { topic: 'orders-eu' }, { topic: 'payments' }] });
  await admin.createAcls({
    acl: [ALTER, DESCRIBE].map((operation) => ({
      resourceType: CLUSTER,
      resourceName: 'kafka-cluster',
      resourcePatternType: LITERAL,
      principal: 'User:ANONYMOUS',
      host: '*',
      operation,
      permissionType: ALLOW,
    })),
  });
  await admin.disconnect();
}, 300_000);

afterAll(async () => {
  await broker?.close();
});

describe('gregor acl', () => {
  it('creates ACLs that take effect, lists them and deletes them', async () => {
    expect(await aliceProduces('orders')).toBe('TOPIC_AUTHORIZATION_FAILED');
    ok(await cli(['acl', 'create', '--allow-principal', 'User:alice', '--operation', 'Write', '--operation', 'describe', '--topic', 'orders']));
    expect(await aliceProduces('orders')).toBe('NONE');
    ok(await cli(['acl', 'create', '--allow-principal', 'User:alice', '--operation', 'WRITE', '--topic', 'pay', '--resource-pattern-type', 'prefixed']));
    expect(await aliceProduces('payments')).toBe('NONE');
    ok(await cli(['acl', 'create', '--deny-principal', 'User:alice', '--host', '127.0.0.1', '--operation', 'Write', '--topic', 'payments']));
    expect(await aliceProduces('payments')).toBe('TOPIC_AUTHORIZATION_FAILED');

    const topicAcls = JSON.parse(ok(await cli(['acl', 'list', '--topic', 'payments', '--resource-pattern-type', 'match', '--format', 'json'])));
    expect(topicAcls).toEqual(
      expect.arrayContaining([
        { resourceType: 'TOPIC', resourceName: 'pay', patternType: 'PREFIXED', principal: 'User:alice', host: '*', operation: 'WRITE', permission: 'ALLOW' },
        {
          resourceType: 'TOPIC',
          resourceName: 'payments',
          patternType: 'LITERAL',
          principal: 'User:alice',
          host: '127.0.0.1',
          operation: 'WRITE',
          permission: 'DENY',
        },
      ]),
    );
    expect(topicAcls).toHaveLength(2);
    const all = JSON.parse(ok(await cli(['acl', 'list', '--principal', 'User:alice', '--format', 'json'])));
    expect(all).toHaveLength(4);
    const table = ok(await cli(['acl', 'list', '--cluster']));
    expect(table).toMatch(/RESOURCE-TYPE\s+RESOURCE-NAME\s+PATTERN-TYPE\s+PRINCIPAL\s+HOST\s+OPERATION\s+PERMISSION/);
    expect(table).toMatch(/CLUSTER\s+kafka-cluster\s+LITERAL\s+User:ANONYMOUS\s+\*\s+ALTER\s+ALLOW/);

    const deleted = JSON.parse(ok(await cli(['acl', 'delete', '--topic', 'payments', '--deny-principal', 'User:alice', '--format', 'json'])));
    expect(deleted).toEqual([
      {
        resourceType: 'TOPIC',
        resourceName: 'payments',
        patternType: 'LITERAL',
        principal: 'User:alice',
        host: '127.0.0.1',
        operation: 'WRITE',
        permission: 'DENY',
      },
    ]);
    expect(await aliceProduces('payments')).toBe('NONE');
    ok(await cli(['acl', 'delete', '--topic', 'orders', '--operation', 'Write']));
    expect(await aliceProduces('orders')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(JSON.parse(ok(await cli(['acl', 'list', '--topic', 'orders', '--format', 'json'])))).toEqual([
      { resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'DESCRIBE', permission: 'ALLOW' },
    ]);
  }, 120_000);

  it("reports the broker's refusals and usage errors", async () => {
    const emptyName = await cli(['acl', 'create', '--allow-principal', 'User:alice', '--operation', 'Read', '--group', '']);
    expect({ code: emptyName.code, stderr: emptyName.stderr }).toMatchObject({ code: 1, stderr: expect.stringContaining('INVALID_REQUEST') });
    const noPrincipal = await cli(['acl', 'create', '--operation', 'Read', '--topic', 'orders']);
    expect({ code: noPrincipal.code, stderr: noPrincipal.stderr }).toMatchObject({ code: 2, stderr: expect.stringContaining('--allow-principal') });
    const untyped = await cli(['acl', 'create', '--allow-principal', 'alice', '--operation', 'Read', '--topic', 'orders']);
    expect({ code: untyped.code, stderr: untyped.stderr }).toMatchObject({ code: 2, stderr: expect.stringContaining('User:alice') });
    const operation = await cli(['acl', 'create', '--allow-principal', 'User:alice', '--operation', 'Fly', '--topic', 'orders']);
    expect({ code: operation.code, stderr: operation.stderr }).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown operation Fly') });
    const match = await cli([
      'acl',
      'create',
      '--allow-principal',
      'User:alice',
      '--operation',
      'Read',
      '--topic',
      'orders',
      '--resource-pattern-type',
      'match',
    ]);
    expect(match.code).toBe(2);
    const unscoped = await cli(['acl', 'delete', '--principal', 'User:alice']);
    expect(unscoped.code).toBe(2);
  }, 60_000);
});

// `gregor user create|list|delete` (the built CLI in child processes) against a broker whose SASL_PLAINTEXT
// listener takes SCRAM: the users it creates log in with kafkajs, its refusals carry Kafka's error names.
import { canLogIn } from '../support/scram-client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../support/broker.js';
import { type CliResult, requireBuild, runCli } from './cli-process.js';

let broker: TestBroker;
let sasl: string;
const cli = (args: string[], input?: string) => runCli(['--brokers', broker.bootstrap, ...args], { input });

beforeAll(async () => {
  requireBuild();
  broker = await startBroker({ listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512' });
  sasl = `127.0.0.1:${broker.broker.listeners[1]!.port}`;
}, 300_000);

afterAll(async () => {
  await broker?.close();
});

function ok(result: CliResult): string {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

describe('gregor user', () => {
  it('creates users that log in, lists them, changes a password and deletes', async () => {
    ok(await cli(['user', 'create', 'alice', '--password-stdin'], 'alice-secret\n'));
    ok(await cli(['user', 'create', 'bob', '--password', 'bob-secret', '-m', 'SCRAM-SHA-512', '--iterations', '8192']));
    expect(JSON.parse(ok(await cli(['user', 'list', '--format', 'json'])))).toEqual([
      { user: 'alice', mechanism: 'SCRAM-SHA-256', iterations: 4096 },
      { user: 'alice', mechanism: 'SCRAM-SHA-512', iterations: 4096 },
      { user: 'bob', mechanism: 'SCRAM-SHA-512', iterations: 8192 },
    ]);
    expect(await canLogIn(sasl, 'scram-sha-256', 'alice', 'alice-secret')).toBe(true);
    expect(await canLogIn(sasl, 'scram-sha-512', 'bob', 'bob-secret')).toBe(true);
    expect(await canLogIn(sasl, 'scram-sha-256', 'bob', 'bob-secret')).toBe(false);

    ok(await cli(['user', 'create', 'alice', '--password', 'changed']));
    expect(await canLogIn(sasl, 'scram-sha-512', 'alice', 'alice-secret')).toBe(false);
    expect(await canLogIn(sasl, 'scram-sha-512', 'alice', 'changed')).toBe(true);

    ok(await cli(['user', 'delete', 'alice', '-m', 'SCRAM-SHA-256']));
    expect(ok(await cli(['user', 'list', 'alice']))).not.toContain('SCRAM-SHA-256');
    ok(await cli(['user', 'delete', 'alice']));
    expect(await canLogIn(sasl, 'scram-sha-512', 'alice', 'changed')).toBe(false);
    expect(JSON.parse(ok(await cli(['user', 'list', '--format', 'json']))).map((r: { user: string }) => r.user)).toEqual(['bob']);
  }, 120_000);

  it("reports the broker's refusals and usage errors", async () => {
    const weak = await cli(['user', 'create', 'carol', '--password', 'x', '--iterations', '1000']);
    expect({ code: weak.code, stderr: weak.stderr }).toMatchObject({ code: 1, stderr: expect.stringContaining('UNACCEPTABLE_CREDENTIAL: Too few iterations') });
    const unknown = await cli(['user', 'delete', 'nobody']);
    expect({ code: unknown.code, stderr: unknown.stderr }).toMatchObject({ code: 1, stderr: expect.stringContaining('RESOURCE_NOT_FOUND') });
    const both = await cli(['user', 'create', 'carol', '--password', 'x', '--password-stdin'], 'y\n');
    expect(both.code).toBe(2);
    const mechanism = await cli(['user', 'create', 'carol', '--password', 'x', '-m', 'SCRAM-SHA-1']);
    expect({ code: mechanism.code, stderr: mechanism.stderr }).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown SCRAM mechanism SCRAM-SHA-1'),
    });
  }, 60_000);
});

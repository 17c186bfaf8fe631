// DescribeUserScramCredentials (50) and AlterUserScramCredentials (51) with Kafka's per-user errors, and
// their effect on logins: a password changed through API 51 applies to the next login, the old one refused.
import { canLogIn } from '../support/scram-client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { randomSalt, saltedPassword, scramMechanismNamed } from '../../src/security/scram/scram-mechanism.js';
import { startBroker, type TestBroker } from '../support/broker.js';

const SHA256 = scramMechanismNamed('SCRAM-SHA-256')!;
const SHA512 = scramMechanismNamed('SCRAM-SHA-512')!;

let broker: TestBroker;
let admin: RawClient;
let sasl: string;

const SETTINGS = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
  'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
  'failed.authentication.delay.ms': 50,
};

beforeAll(async () => {
  broker = await startBroker(SETTINGS);
  admin = await RawClient.connect(broker.bootstrap);
  sasl = `127.0.0.1:${broker.broker.listeners[1]!.port}`;
}, 60_000);

afterAll(async () => {
  admin?.close();
  await broker?.close();
});

async function upsertion(name: string, mechanism = SHA256, password = `${name}-secret`, iterations = 8192) {
  const salt = randomSalt(mechanism);
  return { name, mechanism: mechanism.type, iterations, salt, saltedPassword: await saltedPassword(mechanism, password, salt, iterations) };
}

function alter(
  deletions: { name: string; mechanism: number }[],
  upsertions: Awaited<ReturnType<typeof upsertion>>[],
): Promise<{ results: { user: string; errorCode: number; errorMessage: string | null }[] }> {
  return admin.request(ApiKey.AlterUserScramCredentials, 0, { deletions, upsertions });
}

function describeUsers(users: string[] | null): Promise<{
  errorCode: number;
  results: { user: string; errorCode: number; errorMessage: string | null; credentialInfos: { mechanism: number; iterations: number }[] }[];
}> {
  return admin.request(ApiKey.DescribeUserScramCredentials, 0, { users: users?.map((name) => ({ name })) ?? null });
}

describe('SCRAM credential APIs', () => {
  it("upserts, describes and refuses as Kafka's controller does", async () => {
    expect(await describeUsers(null)).toMatchObject({ errorCode: ErrorCode.NONE, results: [] });
    const altered = await alter(
      [
        { name: 'nobody', mechanism: SHA256.type },
        { name: 'twice', mechanism: SHA256.type },
      ],
      [
        await upsertion('alice'),
        await upsertion('bob', SHA512, 'bob-secret', 4096),
        await upsertion('alice2', SHA512),
        await upsertion(''),
        { ...(await upsertion('carol')), mechanism: 3 },
        await upsertion('dave', SHA256, 'x', 4095),
        await upsertion('erin', SHA256, 'x', 16385),
        await upsertion('twice'),
      ],
    );
    expect(altered.results).toEqual([
      { user: 'alice', errorCode: ErrorCode.NONE, errorMessage: null },
      { user: 'bob', errorCode: ErrorCode.NONE, errorMessage: null },
      { user: 'alice2', errorCode: ErrorCode.NONE, errorMessage: null },
      { user: 'nobody', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' },
      // As Kafka's: the refused deletion decides, the upsertion behind it is not looked at.
      { user: 'twice', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' },
      { user: '', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Username must not be empty' },
      { user: 'carol', errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: 'Unknown SCRAM mechanism' },
      { user: 'dave', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' },
      { user: 'erin', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too many iterations' },
    ]);
    const duplicate = { errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'A user credential cannot be altered twice in the same request' };
    expect(
      (await alter([{ name: 'bob', mechanism: SHA512.type }], [await upsertion('alice2', SHA256), await upsertion('alice2', SHA512), await upsertion('bob')]))
        .results,
    ).toEqual([
      { user: 'alice2', ...duplicate },
      { user: 'bob', ...duplicate },
    ]);
    expect((await alter([], [await upsertion('alice', SHA512, 'alice-secret', 4096)])).results[0]!.errorCode).toBe(ErrorCode.NONE);

    expect((await describeUsers([])).results).toEqual([
      {
        user: 'alice',
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        credentialInfos: [
          { mechanism: 1, iterations: 8192 },
          { mechanism: 2, iterations: 4096 },
        ],
      },
      { user: 'alice2', errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 8192 }] },
      { user: 'bob', errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 4096 }] },
    ]);
    expect((await describeUsers(['bob', 'nobody', 'alice', 'alice'])).results).toEqual([
      { user: 'bob', errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 4096 }] },
      {
        user: 'nobody',
        errorCode: ErrorCode.RESOURCE_NOT_FOUND,
        errorMessage: 'Attempt to describe a user credential that does not exist: nobody',
        credentialInfos: [],
      },
      {
        user: 'alice',
        errorCode: ErrorCode.DUPLICATE_RESOURCE,
        errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request: alice',
        credentialInfos: [],
      },
    ]);
  }, 30_000);

  it('applies a changed password to the next login and refuses the old one; a deleted credential logs in no more', async () => {
    expect((await alter([], [await upsertion('frank', SHA256, 'old-password')])).results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await canLogIn(sasl, 'scram-sha-256', 'frank', 'old-password')).toBe(true);
    expect((await alter([], [await upsertion('frank', SHA256, 'new-password')])).results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await canLogIn(sasl, 'scram-sha-256', 'frank', 'old-password')).toBe(false);
    expect(await canLogIn(sasl, 'scram-sha-256', 'frank', 'new-password')).toBe(true);
    expect(await canLogIn(sasl, 'scram-sha-512', 'frank', 'new-password')).toBe(false);
    expect((await alter([{ name: 'frank', mechanism: SHA256.type }], [])).results).toEqual([{ user: 'frank', errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(await canLogIn(sasl, 'scram-sha-256', 'frank', 'new-password')).toBe(false);
    expect((await describeUsers(['frank'])).results[0]!.errorCode).toBe(ErrorCode.RESOURCE_NOT_FOUND);
  }, 30_000);

  it('keeps the credentials in the metadata store, for the next start', async () => {
    admin.close();
    await broker.broker.close();
    broker = await startBroker(SETTINGS, {}, broker.dataDir);
    admin = await RawClient.connect(broker.bootstrap);
    expect((await describeUsers(null)).results.map((r) => r.user)).toEqual(['alice', 'alice2', 'bob']);
  }, 60_000);
});

// SASL/SCRAM's server side without a network: RFC 7677's SCRAM-SHA-256 example token for token, SHA-512
// round trips, Kafka's refusals (unknown user and wrong password alike, another authorization id, too few
// iterations, a changed nonce, delegation tokens), and the file credential store.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SaslAuthenticationError, SaslCredentialsError } from '../../src/security/sasl/mechanism.js';
import type { ScramCredentialStore } from '../../src/security/scram/credential-store.js';
import { FileScramCredentialStore } from '../../src/security/scram/file-credential-store.js';
import { type ScramCredential, type ScramMechanism, scramMechanismNamed } from '../../src/security/scram/scram-mechanism.js';
import { scramServer } from '../../src/security/scram/scram-server.js';
import { ScramTestClient, upsertion } from '../support/scram-client.js';

const SHA256 = scramMechanismNamed('SCRAM-SHA-256')!;
const SHA512 = scramMechanismNamed('SCRAM-SHA-512')!;

async function storeWith(mechanism: ScramMechanism, users: Record<string, string>, iterations = 4096, salt?: Buffer): Promise<ScramCredentialStore> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-scram-'));
  dirs.push(dir);
  const store = await FileScramCredentialStore.open(join(dir, 'scram-credentials.json'));
  await store.apply(await Promise.all(Object.entries(users).map(([user, password]) => upsertion(mechanism, user, password, iterations, salt))));
  return store;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function login(mechanism: ScramMechanism, store: ScramCredentialStore, client: ScramTestClient): Promise<{ user?: string; serverVerified: boolean }> {
  const server = scramServer(mechanism, store);
  const first = await server.evaluate(client.firstMessage());
  expect(first.user).toBeUndefined();
  const final = await server.evaluate(await client.finalMessage(first.challenge));
  return { user: final.user, serverVerified: client.verifiesServer(final.challenge) };
}

describe('SCRAM mechanism', () => {
  it("answers RFC 7677's SCRAM-SHA-256 example exactly", async () => {
    const store = await storeWith(SHA256, { user: 'pencil' }, 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
    const server = scramServer(SHA256, store, () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    const first = await server.evaluate(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    expect(first.challenge.toString()).toBe('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    const final = await server.evaluate(
      Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='),
    );
    expect(final).toEqual({ challenge: Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='), user: 'user' });
  });

  it('logs a SCRAM-SHA-512 user in and proves itself to the client; escaped names are unescaped', async () => {
    const store = await storeWith(SHA512, { alice: 'alice-secret', 'a,b=c': 'odd' }, 8192);
    expect(await login(SHA512, store, new ScramTestClient(SHA512, 'alice', 'alice-secret'))).toEqual({ user: 'alice', serverVerified: true });
    expect(await login(SHA512, store, new ScramTestClient(SHA512, 'a,b=c', 'odd'))).toEqual({ user: 'a,b=c', serverVerified: true });
    expect(await login(SHA512, store, new ScramTestClient(SHA512, 'alice', 'alice-secret', 'n0nce', 'alice'))).toEqual({ user: 'alice', serverVerified: true });
  });

  it('refuses a wrong password, an unknown user and a user without this mechanism with the generic failure', async () => {
    const store = await storeWith(SHA256, { alice: 'alice-secret' });
    await expect(login(SHA256, store, new ScramTestClient(SHA256, 'alice', 'wrong'))).rejects.toThrow(SaslCredentialsError);
    await expect(scramServer(SHA256, store).evaluate(new ScramTestClient(SHA256, 'mallory', 'x').firstMessage())).rejects.toThrow(SaslCredentialsError);
    await expect(scramServer(SHA512, store).evaluate(new ScramTestClient(SHA512, 'alice', 'alice-secret').firstMessage())).rejects.toThrow(
      SaslCredentialsError,
    );
  });

  it('refuses another authorization id (telling why), a changed nonce, too few iterations, delegation tokens and malformed messages', async () => {
    const store = await storeWith(SHA256, { alice: 'alice-secret', bob: 'b' });
    await expect(scramServer(SHA256, store).evaluate(new ScramTestClient(SHA256, 'alice', 'alice-secret', 'n', 'bob').firstMessage())).rejects.toThrow(
      new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username'),
    );
    const server = scramServer(SHA256, store);
    const client = new ScramTestClient(SHA256, 'alice', 'alice-secret');
    const first = await server.evaluate(client.firstMessage());
    await expect(server.evaluate(await client.finalMessage(first.challenge, 'fyko+d2lbbFgONRv9qkxdawL'))).rejects.toThrow(/Invalid client nonce/);
    const weak = await storeWith(SHA256, { alice: 'alice-secret' }, 1024);
    await expect(scramServer(SHA256, weak).evaluate(client.firstMessage())).rejects.toThrow(/Iterations 1024 is less than the minimum 4096/);
    await expect(scramServer(SHA256, store).evaluate(Buffer.from('n,,n=alice,r=abc,tokenauth=true'))).rejects.toThrow(SaslCredentialsError);
    await expect(scramServer(SHA256, store).evaluate(Buffer.from('y,,n=alice,r=abc'))).rejects.toThrow(SaslCredentialsError);
    await expect(scramServer(SHA256, store).evaluate(Buffer.from('n,,n=al=ice,r=abc'))).rejects.toThrow(SaslCredentialsError);
  });

  it("accepts librdkafka's (before 2.6.1) client nonce sent twice in the final message, as Kafka 3.8.1-3.9 did", async () => {
    const store = await storeWith(SHA256, { alice: 'alice-secret' });
    const server = scramServer(SHA256, store);
    const client = new ScramTestClient(SHA256, 'alice', 'alice-secret');
    const first = await server.evaluate(client.firstMessage());
    const combined = first.challenge.toString().split(',')[0]!.slice(2);
    const final = await server.evaluate(await client.finalMessage(first.challenge, `${client.nonce}${combined}`));
    expect(final.user).toBe('alice');
    expect(client.verifiesServer(final.challenge)).toBe(true);
  });

  it('ignores extensions other than tokenauth', async () => {
    const store = await storeWith(SHA256, { alice: 'alice-secret' });
    const first = await scramServer(SHA256, store).evaluate(Buffer.from('n,,n=alice,r=abc,ext=1'));
    expect(first.challenge.toString()).toMatch(/^r=abc[A-Za-z0-9_-]+,s=[A-Za-z0-9+/=]+,i=4096$/);
  });
});

describe('FileScramCredentialStore', () => {
  it('persists salted credentials only, readable by the owner only, and applies changes at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-scram-'));
    dirs.push(dir);
    const path = join(dir, 'credentials.json');
    const store = await FileScramCredentialStore.open(path);
    expect(store.users().size).toBe(0);
    const { credential } = (await upsertion(SHA256, 'zed', 'very-secret-password')) as { credential: ScramCredential };
    await store.apply([
      { type: 'upsert', user: 'zed', mechanism: 'SCRAM-SHA-256', credential },
      { type: 'upsert', user: 'amy', mechanism: 'SCRAM-SHA-512', credential },
      { type: 'upsert', user: 'amy', mechanism: 'SCRAM-SHA-256', credential },
    ]);
    expect(store.credential('zed', 'SCRAM-SHA-256')).toEqual(credential);
    expect([...store.users().keys()]).toEqual(['amy', 'zed']);
    expect(readFileSync(path, 'utf8')).not.toContain('very-secret-password');
    expect(statSync(path).mode & 0o777).toBe(0o600);

    await store.apply([
      { type: 'delete', user: 'zed', mechanism: 'SCRAM-SHA-256' },
      { type: 'delete', user: 'amy', mechanism: 'SCRAM-SHA-512' },
    ]);
    expect(store.credential('zed', 'SCRAM-SHA-256')).toBeUndefined();
    const reopened = await FileScramCredentialStore.open(path);
    expect([...reopened.users()].map(([user, c]) => [user, [...c.keys()]])).toEqual([['amy', ['SCRAM-SHA-256']]]);
    expect(reopened.credential('amy', 'SCRAM-SHA-256')).toEqual(credential);
  });

  it('keeps the old credentials when the file cannot be written', async () => {
    const store = await FileScramCredentialStore.open(join(tmpdir(), 'gregor-no-such-dir', 'x', 'credentials.json'));
    await expect(store.apply([await upsertion(SHA256, 'u', 'p')])).rejects.toThrow(/ENOENT/);
    expect(store.credential('u', 'SCRAM-SHA-256')).toBeUndefined();
  });
});

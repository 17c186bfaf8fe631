// The broker's side as a client of other brokers: its SASL clients complete the broker's own PLAIN and SCRAM
// exchanges (and refuse a SCRAM server that cannot prove the credential), and the inter-broker listener's
// settings give the connection's TLS and login, or stop with INVALID_CONFIG when they cannot.
import { describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { interBrokerClientSecurity } from '../../src/security/inter-broker-client.js';
import type { SaslServer } from '../../src/security/sasl/mechanism.js';
import { plainServer } from '../../src/security/sasl/plain.js';
import { type SaslClient, saslClients } from '../../src/security/sasl/sasl-client.js';
import type { ScramCredentialStore } from '../../src/security/scram/credential-store.js';
import { scramMechanismNamed } from '../../src/security/scram/scram-mechanism.js';
import { scramServer } from '../../src/security/scram/scram-server.js';
import { upsertion } from '../support/scram-client.js';

const LOGIN = { username: 'broker', password: 'broker "secret"' };

/** Runs the exchange as the broker's connection does; the user the server authenticated. */
async function exchange(client: SaslClient, server: SaslServer): Promise<string | undefined> {
  let user: string | undefined;
  let challenge: Buffer | undefined;
  for (let token = await client.respond(undefined); token !== undefined; token = await client.respond(challenge)) {
    const answer = await server.evaluate(token);
    challenge = answer.challenge;
    user = answer.user;
  }
  return user;
}

async function scramStore(mechanismName: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'): Promise<ScramCredentialStore> {
  const change = await upsertion(scramMechanismNamed(mechanismName)!, LOGIN.username, LOGIN.password);
  if (change.type !== 'upsert') throw new Error('expected an upsertion');
  return {
    credential: (user, mechanism) => (user === change.user && mechanism === change.mechanism ? change.credential : undefined),
    users: () => new Map(),
    apply: async () => undefined,
  };
}

function invalidConfig(settings: Record<string, string>): unknown {
  try {
    interBrokerClientSecurity(BrokerConfig.create(settings));
    return undefined;
  } catch (error) {
    return error;
  }
}

const SASL_LISTENER = {
  listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
  'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SASL_PLAINTEXT',
  'inter.broker.listener.name': 'INTERNAL',
};

describe('inter-broker SASL clients', () => {
  it('log in with PLAIN and both SCRAM mechanisms against the broker mechanisms', async () => {
    expect(await exchange(saslClients('PLAIN', LOGIN)(), plainServer(new Map([[LOGIN.username, LOGIN.password]])))).toBe('broker');
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      const store = await scramStore(mechanism);
      expect(await exchange(saslClients(mechanism, LOGIN)(), scramServer(scramMechanismNamed(mechanism)!, store))).toBe('broker');
    }
  });

  it('refuses a SCRAM server whose final signature does not prove the credential', async () => {
    const store = await scramStore('SCRAM-SHA-256');
    const honest = scramServer(scramMechanismNamed('SCRAM-SHA-256')!, store);
    const forging: SaslServer = {
      async evaluate(token) {
        const answer = await honest.evaluate(token);
        return answer.user === undefined ? answer : { ...answer, challenge: Buffer.from(`v=${Buffer.alloc(32).toString('base64')}`) };
      },
    };
    await expect(exchange(saslClients('SCRAM-SHA-256', LOGIN)(), forging)).rejects.toThrow(/did not prove/);
  });

  it('are made only for mechanisms a broker can log in with', () => {
    expect(() => saslClients('GSSAPI', LOGIN)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }));
  });
});

describe('interBrokerClientSecurity', () => {
  it('is plain TCP on a PLAINTEXT inter-broker listener and logs in on a SASL one with its JAAS user', () => {
    expect(interBrokerClientSecurity(BrokerConfig.create({ listeners: 'PLAINTEXT://127.0.0.1:0' }))).toEqual({ listener: 'PLAINTEXT', tls: undefined });
    const security = interBrokerClientSecurity(
      BrokerConfig.create({
        ...SASL_LISTENER,
        'sasl.mechanism.inter.broker.protocol': 'PLAIN',
        'listener.name.internal.plain.sasl.jaas.config':
          'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" user_broker="broker-secret";',
      }),
    );
    expect(security.listener).toBe('INTERNAL');
    expect(security.tls).toBeUndefined();
    expect(security.sasl?.().mechanism).toBe('PLAIN');
  });

  it('stops with INVALID_CONFIG without a usable login: GSSAPI (the default mechanism), no JAAS entry, no username', () => {
    const plainJaas = 'listener.name.internal.plain.sasl.jaas.config';
    for (const settings of [
      SASL_LISTENER,
      { ...SASL_LISTENER, 'sasl.mechanism.inter.broker.protocol': 'PLAIN' },
      {
        ...SASL_LISTENER,
        'sasl.mechanism.inter.broker.protocol': 'PLAIN',
        [plainJaas]: 'org.apache.kafka.common.security.plain.PlainLoginModule required user_a="b";',
      },
    ]) {
      expect(invalidConfig(settings)).toMatchObject({ code: ErrorCode.INVALID_CONFIG });
    }
  });
});

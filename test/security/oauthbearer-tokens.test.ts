// OAUTHBEARER's pieces without a broker: the RFC 7628 client first message, Kafka's unsecured JWT rules
// (OAuthBearerUnsecuredJws and its validator) and the exchange's error challenge then failure.
import { describe, expect, it } from 'vitest';
import { parseClientInitialResponse } from '../../src/security/oauth/client-initial-response.js';
import { oauthBearerServer } from '../../src/security/oauth/oauthbearer-server.js';
import { InvalidTokenError } from '../../src/security/oauth/token-validator.js';
import { type UnsecuredJwtOptions, unsecuredJwtOptions, unsecuredJwtValidator, validateUnsecuredJwt } from '../../src/security/oauth/unsecured-jwt.js';
import { parseJaasConfig } from '../../src/security/sasl/jaas.js';
import { SaslAuthenticationError, SaslCredentialsError } from '../../src/security/sasl/mechanism.js';
import { oauthBearerMessage, unsecuredJwt } from '../support/jwt.js';

const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;
const DEFAULTS: UnsecuredJwtOptions = { principalClaimName: 'sub', scopeClaimName: 'scope', requiredScope: [], allowableClockSkewMs: 0 };

function refusal(token: string, options: UnsecuredJwtOptions = DEFAULTS): InvalidTokenError {
  try {
    validateUnsecuredJwt(token, options, NOW_MS);
  } catch (error) {
    if (error instanceof InvalidTokenError) return error;
    throw error;
  }
  throw new Error('the token was accepted');
}

describe('the OAUTHBEARER client first message', () => {
  it('reads the token, the authorization id (with =2C and =3D escapes) and the extensions', () => {
    expect(parseClientInitialResponse(oauthBearerMessage('a.b.'))).toEqual({ authorizationId: '', token: 'a.b.', extensions: new Map() });
    const message = Buffer.from('n,a=al=2Cice=3D,\u0001traceId=123\u0001auth=Bearer x.y.z\u0001\u0001');
    expect(parseClientInitialResponse(message)).toEqual({ authorizationId: 'al,ice=', token: 'x.y.z', extensions: new Map([['traceId', '123']]) });
  });

  it('refuses malformed messages and other schemes as a credentials failure', () => {
    for (const bad of [
      '',
      'n,,auth=Bearer x',
      'y,,\u0001auth=Bearer x\u0001\u0001',
      'n,,\u0001auth=Bearer x\u0001',
      'n,,\u0001\u0001',
      'n,,\u0001auth=Bearer a b\u0001\u0001',
    ]) {
      expect(() => parseClientInitialResponse(Buffer.from(bad)), JSON.stringify(bad)).toThrow(SaslCredentialsError);
    }
    expect(() => parseClientInitialResponse(Buffer.from('n,,\u0001auth=Basic abc\u0001\u0001'))).toThrow(/Invalid scheme/);
  });
});

describe('unsecured JWTs', () => {
  it('accepts alg none with a subject and a future exp, giving the principal and the expiry', () => {
    expect(validateUnsecuredJwt(unsecuredJwt({ sub: 'alice', iat: NOW_S, exp: NOW_S + 60.5 }), DEFAULTS, NOW_MS)).toEqual({
      principal: 'alice',
      expiresAtMs: NOW_MS + 60_500,
    });
  });

  it('refuses what Kafka refuses, as invalid_token', () => {
    const cases: [string, RegExp][] = [
      [unsecuredJwt({ sub: 'alice', exp: NOW_S }), /on or after the Expiration Time/],
      [unsecuredJwt({ sub: 'alice', exp: NOW_S - 1 }), /on or after the Expiration Time/],
      [unsecuredJwt({ sub: 'alice' }), /No expiration time/],
      [unsecuredJwt({ sub: 'alice', exp: '9999999999' }), /'exp' claim was not of type Number/],
      [unsecuredJwt({ exp: NOW_S + 60 }), /No principal name in JWT claim: sub/],
      [unsecuredJwt({ sub: ' ', exp: NOW_S + 60 }), /No principal name/],
      [unsecuredJwt({ sub: 7, exp: NOW_S + 60 }), /'sub' claim was not of type String/],
      [unsecuredJwt({ sub: 'alice', iat: NOW_S + 10, exp: NOW_S + 60 }), /Issued At value .* was after the indicated time/],
      [unsecuredJwt({ sub: 'alice', exp: NOW_S + 60 }, { alg: 'HS256' }), /must have 'none' for an algorithm/],
      [`${unsecuredJwt({ sub: 'alice', exp: NOW_S + 60 })}c2ln`, /must not contain a digital signature/],
      [unsecuredJwt({ sub: 'alice', exp: NOW_S + 60 }).slice(0, -1), /must have 3 dot-separated/],
      ['..', /contains '\.\.'/],
      ['e30.bm90IGpzb24.', /malformed JSON/],
      ['e30.b*d.', /malformed Base64 URL/],
    ];
    for (const [token, message] of cases) {
      const error = refusal(token);
      expect(error.message, token).toMatch(message);
      expect(error.challenge()).toBe('{"status":"invalid_token"}');
    }
  });

  it('tolerates the allowable clock skew on exp and iat', () => {
    const skewed = { ...DEFAULTS, allowableClockSkewMs: 5000 };
    expect(validateUnsecuredJwt(unsecuredJwt({ sub: 'alice', iat: NOW_S + 4, exp: NOW_S + 60 }), skewed, NOW_MS).principal).toBe('alice');
    expect(validateUnsecuredJwt(unsecuredJwt({ sub: 'alice', exp: NOW_S - 4 }), skewed, NOW_MS).principal).toBe('alice');
    expect(refusal(unsecuredJwt({ sub: 'alice', iat: NOW_S + 6, exp: NOW_S + 60 }), skewed).message).toMatch(/Issued At/);
    expect(refusal(unsecuredJwt({ sub: 'alice', exp: NOW_S - 5 }), skewed).message).toMatch(/Expiration Time/);
  });

  it('needs exp after iat', () => {
    expect(refusal(unsecuredJwt({ sub: 'alice', iat: NOW_S - 10, exp: NOW_S - 10 }), { ...DEFAULTS, allowableClockSkewMs: 60_000 }).message).toMatch(
      /was not after the Issued At time/,
    );
  });

  it('reads the claim names and required scope from the login module options; a missing scope is insufficient_scope', () => {
    const options = unsecuredJwtOptions(
      parseJaasConfig(
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorPrincipalClaimName="azp" unsecuredValidatorScopeClaimName="roles" unsecuredValidatorRequiredScope="read write" unsecuredValidatorAllowableClockSkewMs="1000";',
      ),
    );
    expect(options).toEqual({ principalClaimName: 'azp', scopeClaimName: 'roles', requiredScope: ['read', 'write'], allowableClockSkewMs: 1000 });
    expect(validateUnsecuredJwt(unsecuredJwt({ azp: 'svc', roles: ['write', 'read'], exp: NOW_S + 9 }), options, NOW_MS).principal).toBe('svc');
    const missing = refusal(unsecuredJwt({ azp: 'svc', roles: 'read', exp: NOW_S + 9 }), options);
    expect(missing.challenge()).toBe('{"status":"insufficient_scope", "scope":"[read, write]"}');
    expect(unsecuredJwtOptions([])).toEqual(DEFAULTS);
  });
});

describe('the OAUTHBEARER exchange', () => {
  const validator = unsecuredJwtValidator(DEFAULTS, () => NOW_MS);

  it('authenticates the token principal until the token expires', async () => {
    const server = oauthBearerServer(validator);
    expect(await server.evaluate(oauthBearerMessage(unsecuredJwt({ sub: 'alice', exp: NOW_S + 30 }), 'alice'))).toEqual({
      challenge: Buffer.alloc(0),
      user: 'alice',
      credentialExpiresAtMs: NOW_MS + 30_000,
    });
  });

  it("answers an invalid token with the JSON challenge, then fails on the client's \\x01 with that JSON", async () => {
    const server = oauthBearerServer(validator);
    const answer = await server.evaluate(oauthBearerMessage(unsecuredJwt({ sub: 'alice', exp: NOW_S - 30 })));
    expect(answer.challenge.toString()).toBe('{"status":"invalid_token"}');
    expect(answer.user).toBeUndefined();
    await expect(server.evaluate(Buffer.from([1]))).rejects.toThrow(new SaslAuthenticationError('{"status":"invalid_token"}'));
  });

  it('refuses an authorization id other than the token principal', async () => {
    const server = oauthBearerServer(validator);
    await expect(server.evaluate(oauthBearerMessage(unsecuredJwt({ sub: 'alice', exp: NOW_S + 30 }), 'bob'))).rejects.toThrow(
      "Authentication failed: Client requested an authorization id (bob) that is different from the token's principal name (alice)",
    );
  });
});

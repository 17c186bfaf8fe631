/**
 * Kafka's development-only OAUTHBEARER validator (OAuthBearerUnsecuredValidatorCallbackHandler): accepts an
 * unsigned JWT (`alg: none`, empty signature) whose principal claim is a non-blank string, whose `exp` has
 * not passed and whose `iat`, if any, is neither in the future nor after `exp`, and which carries every
 * required scope; all within the allowable clock skew. Its options are the OAuthBearerLoginModule's
 * `unsecuredValidator*` ones.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { JaasLoginModule } from '../sasl/jaas.js';
import { InvalidTokenError, type TokenValidator, type ValidatedToken } from './token-validator.js';

export interface UnsecuredJwtOptions {
  readonly principalClaimName: string;
  readonly scopeClaimName: string;
  readonly requiredScope: readonly string[];
  readonly allowableClockSkewMs: number;
}

/** The `unsecuredValidator*` options of the listener's OAuthBearerLoginModule, with Kafka's defaults. */
export function unsecuredJwtOptions(modules: readonly JaasLoginModule[]): UnsecuredJwtOptions {
  const option = (name: string): string | undefined =>
    modules
      .find((m) => m.options.has(name))
      ?.options.get(name)
      ?.trim();
  const skew = option('unsecuredValidatorAllowableClockSkewMs') ?? '0';
  if (!/^\d+$/.test(skew)) throw new KafkaError(ErrorCode.INVALID_CONFIG, `unsecuredValidatorAllowableClockSkewMs must be a non-negative integer: ${skew}`);
  return {
    principalClaimName: option('unsecuredValidatorPrincipalClaimName') || 'sub',
    scopeClaimName: option('unsecuredValidatorScopeClaimName') || 'scope',
    requiredScope: (option('unsecuredValidatorRequiredScope') ?? '').split(' ').filter((s) => s !== ''),
    allowableClockSkewMs: Number(skew),
  };
}

export function unsecuredJwtValidator(options: UnsecuredJwtOptions, now: () => number = Date.now): TokenValidator {
  return { validate: async (token) => validateUnsecuredJwt(token, options, now()) };
}

export function validateUnsecuredJwt(token: string, options: UnsecuredJwtOptions, nowMs: number): ValidatedToken {
  if (token.includes('..')) throw new InvalidTokenError("Malformed compact serialization contains '..'");
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidTokenError('Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded values');
  const [header, claims] = [decodeJson(parts[0]!), decodeJson(parts[1]!)];
  if (header.alg !== 'none') throw new InvalidTokenError("Unsecured JWS must have 'none' for an algorithm");
  if (parts[2] !== '') throw new InvalidTokenError('Unsecured JWS must not contain a digital signature');
  const scope = scopeOf(claims[options.scopeClaimName], options.scopeClaimName);
  const exp = numericClaim(claims, 'exp');
  if (exp === undefined) throw new InvalidTokenError('No expiration time in JWT');
  const principal = claims[options.principalClaimName];
  if (principal !== undefined && typeof principal !== 'string') throw new InvalidTokenError(`The '${options.principalClaimName}' claim was not of type String`);
  if (principal === undefined || principal.trim() === '') throw new InvalidTokenError(`No principal name in JWT claim: ${options.principalClaimName}`);
  const iat = numericClaim(claims, 'iat');
  const expiresAtMs = Math.round(exp * 1000);
  const issuedAtMs = iat === undefined ? undefined : Math.round(iat * 1000);
  const skew = options.allowableClockSkewMs;
  if (issuedAtMs !== undefined && nowMs + skew < issuedAtMs)
    throw new InvalidTokenError(`The Issued At value (${iat} seconds) was after the indicated time (${nowMs} ms) plus allowable clock skew (${skew} ms)`);
  if (nowMs - skew >= expiresAtMs)
    throw new InvalidTokenError(
      `The indicated time (${nowMs} ms) minus allowable clock skew (${skew} ms) was on or after the Expiration Time value (${exp} seconds)`,
    );
  if (issuedAtMs !== undefined && expiresAtMs <= issuedAtMs)
    throw new InvalidTokenError(`The Expiration Time time (${exp} seconds) was not after the Issued At time (${iat} seconds)`);
  const missing = options.requiredScope.find((required) => !scope.has(required));
  if (missing !== undefined)
    // Kafka reports the whole required scope in Java's list notation.
    throw new InvalidTokenError(`The provided scope was missing a required scope (${missing})`, 'insufficient_scope', `[${options.requiredScope.join(', ')}]`);
  return { principal, expiresAtMs };
}

type Claims = Record<string, unknown>;

function decodeJson(part: string): Claims {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(part)) throw new InvalidTokenError('malformed Base64 URL encoded value');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError('malformed JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTokenError('malformed JSON');
  return value as Claims;
}

function numericClaim(claims: Claims, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new InvalidTokenError(`The '${name}' claim was not of type Number`);
  return value;
}

/** A string claim is one scope (as Kafka reads it), a list several; blanks are dropped. */
function scopeOf(value: unknown, name: string): Set<string> {
  if (value === undefined) return new Set();
  if (typeof value === 'string') return new Set(value.trim() === '' ? [] : [value.trim()]);
  if (!Array.isArray(value)) throw new InvalidTokenError(`The '${name}' claim was not of type List`);
  return new Set(value.map((scope) => String(scope).trim()).filter((scope) => scope !== ''));
}

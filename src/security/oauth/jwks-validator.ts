/**
 * Kafka's production OAUTHBEARER validator (BrokerJwtValidator): a JWS signed by a key of the identity
 * provider's JSON Web Key Set (`sasl.oauthbearer.jwks.endpoint.url`, cached and re-read every
 * `sasl.oauthbearer.jwks.endpoint.refresh.ms`, or sooner for a key id it does not know), with `exp` and
 * `iat`, the expected issuer and audience when configured, and a non-blank principal claim
 * (`sasl.oauthbearer.sub.claim.name`); times checked within `sasl.oauthbearer.clock.skew.seconds`.
 * Signatures and key sets go through `jose`: a maintained, dependency-free JOSE library made for exactly this.
 */
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { InvalidTokenError, type TokenValidator } from './token-validator.js';

export interface JwksValidatorOptions {
  readonly jwksUrl: string;
  readonly refreshMs: number;
  readonly expectedIssuer?: string;
  readonly expectedAudience: readonly string[];
  readonly subClaimName: string;
  readonly clockSkewSeconds: number;
}

/** A key id the cached set lacks triggers a fetch at most this often (Kafka's missing-key refresh is rate limited too). */
const MISSING_KEY_REFETCH_MS = 10_000;

export function jwksValidator(options: JwksValidatorOptions): TokenValidator {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl), {
    cacheMaxAge: options.refreshMs,
    cooldownDuration: Math.min(MISSING_KEY_REFETCH_MS, options.refreshMs),
  });
  const verifyOptions = {
    issuer: options.expectedIssuer,
    audience: options.expectedAudience.length > 0 ? [...options.expectedAudience] : undefined,
    clockTolerance: options.clockSkewSeconds,
    requiredClaims: ['exp', 'iat'],
  };
  return {
    async validate(token) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, keys, verifyOptions));
      } catch (error) {
        if (error instanceof errors.JOSEError || error instanceof TypeError) throw new InvalidTokenError(error.message);
        throw error;
      }
      const principal = payload[options.subClaimName];
      if (typeof principal !== 'string' || principal.trim() === '')
        throw new InvalidTokenError(`The ${options.subClaimName} claim is missing, blank or not a string`);
      return { principal, expiresAtMs: (payload.exp as number) * 1000 };
    },
  };
}

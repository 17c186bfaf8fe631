/**
 * SASL/OAUTHBEARER (RFC 7628) as Kafka's OAuthBearerSaslServer: the client's first message carries a bearer
 * token, which the listener's validator checks. A valid token authenticates its principal until the token
 * expires (an authorization id, if given, must be that principal); an invalid one is answered with the
 * JSON error challenge, to which the client replies `\x01` and gets SASL_AUTHENTICATION_FAILED carrying
 * that JSON.
 */
import { type SaslServer, SaslAuthenticationError } from '../sasl/mechanism.js';
import { parseClientInitialResponse } from './client-initial-response.js';
import { InvalidTokenError, type TokenValidator, type ValidatedToken } from './token-validator.js';

const CONTROL_A = 0x01;

export function oauthBearerServer(validator: TokenValidator): SaslServer {
  let errorChallenge: string | undefined;
  return {
    async evaluate(message) {
      if (errorChallenge !== undefined && message.length === 1 && message[0] === CONTROL_A) throw new SaslAuthenticationError(errorChallenge);
      errorChallenge = undefined;
      const { authorizationId, token } = parseClientInitialResponse(message);
      let validated: ValidatedToken;
      try {
        validated = await validator.validate(token);
      } catch (error) {
        if (!(error instanceof InvalidTokenError)) throw error;
        errorChallenge = error.challenge();
        return { challenge: Buffer.from(errorChallenge) };
      }
      if (authorizationId !== '' && authorizationId !== validated.principal)
        throw new SaslAuthenticationError(
          `Authentication failed: Client requested an authorization id (${authorizationId}) that is different from the token's principal name (${validated.principal})`,
        );
      return { challenge: Buffer.alloc(0), user: validated.principal, credentialExpiresAtMs: validated.expiresAtMs };
    },
  };
}

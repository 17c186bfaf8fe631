/**
 * SaslAuthenticate (36), v0–2: one token of the SASL exchange chosen by SaslHandshake v1. A failed login is
 * answered SASL_AUTHENTICATION_FAILED with the mechanism's message after `failed.authentication.delay.ms`,
 * and the connection then closes; a token outside the exchange is answered ILLEGAL_SASL_STATE. The answer
 * that completes the exchange tells (v1+) how long the session lasts before the client must re-authenticate.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/messages.js';
import { SaslAuthenticationError } from '../../security/sasl/mechanism.js';
import type { Handler } from '../handler.js';

const NO_BYTES = Buffer.alloc(0);

export const saslAuthenticateHandler: Handler<SaslAuthenticateRequest, SaslAuthenticateResponse> = {
  apiKey: 36,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context) {
    const sasl = context.session.sasl;
    if (sasl?.state !== 'authenticate' || sasl.rawTokens) {
      return answer(ErrorCode.ILLEGAL_SASL_STATE, 'SaslAuthenticate outside a SASL exchange started by SaslHandshake v1');
    }
    try {
      const { challenge, sessionLifetimeMs } = await sasl.authenticate(request.authBytes);
      return { ...answer(ErrorCode.NONE, null), authBytes: challenge, sessionLifetimeMs: BigInt(sessionLifetimeMs) };
    } catch (error) {
      if (error instanceof SaslAuthenticationError) return answer(ErrorCode.SASL_AUTHENTICATION_FAILED, error.message);
      throw error;
    }
  },
  errorResponse: (_request, code) => answer(code, null),
};

function answer(errorCode: ErrorCode, errorMessage: string | null): SaslAuthenticateResponse {
  return { errorCode, errorMessage, authBytes: NO_BYTES, sessionLifetimeMs: 0n };
}

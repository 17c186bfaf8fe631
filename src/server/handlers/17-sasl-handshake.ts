/**
 * SaslHandshake (17), v0–1: chooses the SASL mechanism of the connection and lists the enabled ones. After
 * v0 the client sends the mechanism's tokens bare; after v1 in SaslAuthenticate requests. A mechanism not
 * enabled is answered UNSUPPORTED_SASL_MECHANISM and the connection closes. On an authenticated connection
 * whose session has an end it starts a re-authentication (KIP-368); otherwise outside a SASL listener's
 * handshake (no SASL, or already done) the answer is ILLEGAL_SASL_STATE, as Kafka's.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { SaslHandshakeRequest, SaslHandshakeResponse } from '../../protocol/messages.js';
import type { Handler } from '../handler.js';

export const saslHandshakeHandler: Handler<SaslHandshakeRequest, SaslHandshakeResponse> = {
  apiKey: 17,
  minVersion: 0,
  maxVersion: 1,
  handle(request, context) {
    const sasl = context.session.sasl;
    if (!sasl) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    // Synchronous, so that a pipelined frame behind this one is already read in the new state.
    return { errorCode: sasl.handshake(request.mechanism, context.apiVersion), mechanisms: [...sasl.mechanisms.keys()] };
  },
  errorResponse: (_request, code) => ({ errorCode: code, mechanisms: [] }),
};

/**
 * The frame handler of a SASL listener: until the connection has authenticated, only what its
 * SaslAuthenticator allows reaches the dispatcher (anything else closes the connection), bare tokens after
 * a v0 handshake go straight to the mechanism, and a failed login's answer is the connection's last. Once
 * authenticated, a SaslHandshake may start a re-authentication; any other request after the session's end
 * closes the connection (KIP-368).
 */
import { ApiKey } from '../protocol/api-keys.js';
import type { FrameHandler } from './connection.js';

export function authenticationGate(next: FrameHandler): FrameHandler {
  return async (frame, connection, timing) => {
    const sasl = connection.session.sasl;
    if (!sasl) return next(frame, connection, timing);
    if (sasl.complete) {
      const reauthenticates = frame.length >= 2 && frame.readInt16BE(0) === ApiKey.SaslHandshake && sasl.mayReauthenticate;
      if (!reauthenticates) return sasl.sessionExpired ? 'close' : next(frame, connection, timing);
    } else if (sasl.rawTokens) {
      try {
        return { chunks: [sizePrefixed((await sasl.authenticate(frame)).challenge)] };
      } catch {
        return 'close';
      }
    } else if (frame.length < 2 || !sasl.allows(frame.readInt16BE(0))) return 'close';
    const response = await next(frame, connection, timing);
    return sasl.state === 'failed' && typeof response === 'object' ? { ...response, closeAfterWrite: true } : response;
  };
}

function sizePrefixed(token: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(4 + token.length);
  framed.writeInt32BE(token.length, 0);
  token.copy(framed, 4);
  return framed;
}

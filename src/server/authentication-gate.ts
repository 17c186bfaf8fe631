/**
 * The frame handler of a SASL listener: until the connection has authenticated, only what its
 * SaslAuthenticator allows reaches the dispatcher (anything else closes the connection), bare tokens after
 * a v0 handshake go straight to the mechanism, and a failed login's answer is the connection's last.
 */
import type { FrameHandler } from './connection.js';

export function authenticationGate(next: FrameHandler): FrameHandler {
  return async (frame, connection, timing) => {
    const sasl = connection.session.sasl;
    if (!sasl || sasl.complete) return next(frame, connection, timing);
    if (sasl.rawTokens) {
      try {
        return { chunks: [sizePrefixed(await sasl.authenticate(frame))] };
      } catch {
        return 'close';
      }
    }
    if (frame.length < 2 || !sasl.allows(frame.readInt16BE(0))) return 'close';
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

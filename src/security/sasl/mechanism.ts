/**
 * The server side of one SASL mechanism's exchange on one connection: each client token gets a challenge,
 * until the mechanism names the authenticated user; a bad token or credential throws
 * `SaslAuthenticationError`, which the client sees as SASL_AUTHENTICATION_FAILED.
 */
export interface SaslServer {
  /** The response to the client's token, and the user once the exchange is complete. */
  evaluate(token: Buffer): Promise<{ readonly challenge: Buffer; readonly user?: string }>;
}

export type SaslServerFactory = () => SaslServer;

export class SaslAuthenticationError extends Error {}

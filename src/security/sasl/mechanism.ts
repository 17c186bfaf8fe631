/**
 * The server side of one SASL mechanism's exchange on one connection: each client token gets a challenge,
 * until the mechanism names the authenticated user (and, for a credential that expires, when: the session
 * must not outlive it); a bad token or credential throws, and the client sees
 * SASL_AUTHENTICATION_FAILED: with the error's message for a `SaslAuthenticationError`, with Kafka's generic
 * message (naming only the mechanism) for anything else.
 */
export interface SaslServer {
  /** The response to the client's token, and the user once the exchange is complete. */
  evaluate(token: Buffer): Promise<{ readonly challenge: Buffer; readonly user?: string; readonly credentialExpiresAtMs?: number }>;
}

export type SaslServerFactory = () => SaslServer;

/** A failure whose message the client may read. */
export class SaslAuthenticationError extends Error {}

/** A failure whose detail must not reach the client (it could tell a user exists): Kafka's SaslException. */
export class SaslCredentialsError extends Error {}

/**
 * What an OAUTHBEARER token validator answers (Kafka's OAuthBearerValidatorCallback): the principal and when
 * the token expires, or a refusal carrying the RFC 7628 error status (and the scope that was missing) that
 * the server sends back to the client as its JSON challenge.
 */
export interface ValidatedToken {
  readonly principal: string;
  /** Expiry (`exp`) in epoch milliseconds: the credential's end, which bounds the session's lifetime. */
  readonly expiresAtMs: number;
}

export interface TokenValidator {
  validate(token: string): Promise<ValidatedToken>;
}

export type TokenErrorStatus = 'invalid_token' | 'insufficient_scope';

export class InvalidTokenError extends Error {
  constructor(
    message: string,
    readonly status: TokenErrorStatus = 'invalid_token',
    /** The required scope the token lacked, for `insufficient_scope`. */
    readonly scope?: string,
  ) {
    super(message);
  }

  /** The server's error challenge, `{"status":…}` with the scope when one was missing, as Kafka's OAuthBearerSaslServer writes it. */
  challenge(): string {
    return this.scope === undefined ? `{"status":"${this.status}"}` : `{"status":"${this.status}", "scope":"${this.scope}"}`;
  }
}

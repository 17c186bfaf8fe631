/**
 * One connection's SASL authentication as Kafka's SaslServerAuthenticator runs it: first ApiVersions and
 * SaslHandshake (choosing an enabled mechanism), then the mechanism's exchange, in SaslAuthenticate requests
 * after a v1 handshake or as bare size-prefixed tokens after a v0 one; only then anything else. A failed
 * exchange is answered after `failed.authentication.delay.ms` (a timer: other connections go on) and ends
 * the connection.
 *
 * A session lasts `connections.max.reauth.ms` of its mechanism, or until its credential expires (an
 * OAUTHBEARER token), whichever is sooner; without either it does not expire (KIP-368). While it has an end,
 * the client may re-authenticate on the same connection (a new handshake, at most once a second), with the
 * same mechanism and as the same principal; a request after the end closes the connection.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKey } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { KafkaPrincipal } from '../session.js';
import { type SaslServer, type SaslServerFactory, SaslAuthenticationError } from './mechanism.js';

export type SaslState = 'handshake' | 'authenticate' | 'complete' | 'failed';

/** A mechanism a listener offers. */
export interface SaslMechanism {
  readonly create: SaslServerFactory;
  /** The mechanism's `connections.max.reauth.ms` on the listener; 0 or less: only an expiring credential ends a session. */
  readonly maxReauthMs: number;
}

/** Wall time to compare with a credential's expiry; monotonic time for the session's own deadlines (a clock step must not end sessions). */
export interface SessionClocks {
  readonly wallMs: () => number;
  readonly monotonicMs: () => number;
}

const SYSTEM_CLOCKS: SessionClocks = { wallMs: Date.now, monotonicMs: () => performance.now() };

/** Kafka's KafkaChannel refuses a re-authentication sooner than this after the previous one started. */
const MIN_REAUTH_INTERVAL_MS = 1000;

export class SaslAuthenticator {
  #state: SaslState = 'handshake';
  #server: SaslServer | undefined;
  #mechanism = '';
  #rawTokens = false;
  #principal: KafkaPrincipal | undefined;
  #sessionEndsAtMs: number | undefined;
  #reauthenticationStartedAtMs: number | undefined;
  /** During a re-authentication: the mechanism and principal it must keep. */
  #previous: { readonly mechanism: string; readonly principal: KafkaPrincipal } | undefined;

  constructor(
    /** The enabled mechanisms by name, in the order of `sasl.enabled.mechanisms`. */
    readonly mechanisms: ReadonlyMap<string, SaslMechanism>,
    readonly failureDelayMs: number,
    readonly clocks: SessionClocks = SYSTEM_CLOCKS,
  ) {}

  get state(): SaslState {
    return this.#state;
  }

  get complete(): boolean {
    return this.#state === 'complete';
  }

  /** After a v0 handshake the exchange is in bare tokens, not SaslAuthenticate requests. */
  get rawTokens(): boolean {
    return this.#rawTokens && this.#state === 'authenticate';
  }

  /** The authenticated user, once complete (during a re-authentication, the one being re-authenticated). */
  get principal(): KafkaPrincipal | undefined {
    return this.#principal;
  }

  /** Whether a request of this API may come now; any other closes the connection, as Kafka does. */
  allows(apiKey: number): boolean {
    if (this.#state === 'handshake') return apiKey === ApiKey.ApiVersions || apiKey === ApiKey.SaslHandshake;
    if (this.#state === 'authenticate') return !this.#rawTokens && apiKey === ApiKey.SaslAuthenticate;
    return this.#state === 'complete';
  }

  /** Whether the session has an end and it has passed: the connection may only re-authenticate or close. */
  get sessionExpired(): boolean {
    return this.#state === 'complete' && this.#sessionEndsAtMs !== undefined && this.clocks.monotonicMs() > this.#sessionEndsAtMs;
  }

  /** Whether a SaslHandshake now starts a re-authentication (else it is answered ILLEGAL_SASL_STATE, as by Kafka's KafkaApis). */
  get mayReauthenticate(): boolean {
    if (this.#state !== 'complete' || this.#sessionEndsAtMs === undefined) return false;
    return this.#reauthenticationStartedAtMs === undefined || this.clocks.monotonicMs() - this.#reauthenticationStartedAtMs >= MIN_REAUTH_INTERVAL_MS;
  }

  /** Chooses the mechanism; an unknown one is refused (UNSUPPORTED_SASL_MECHANISM) and ends the connection. */
  handshake(mechanism: string, version: number): ErrorCode {
    if (this.#state === 'complete' && this.mayReauthenticate) {
      this.#previous = { mechanism: this.#mechanism, principal: this.#principal! };
      this.#reauthenticationStartedAtMs = this.clocks.monotonicMs();
    } else if (this.#state !== 'handshake') return ErrorCode.ILLEGAL_SASL_STATE;
    const found = this.mechanisms.get(mechanism);
    if (!found) {
      this.#state = 'failed';
      return ErrorCode.UNSUPPORTED_SASL_MECHANISM;
    }
    this.#server = found.create();
    this.#mechanism = mechanism;
    this.#rawTokens = version === 0;
    this.#state = 'authenticate';
    return ErrorCode.NONE;
  }

  /**
   * One client token: the mechanism's challenge and, once the exchange is complete, the session's lifetime
   * (0: no end); or, after the failure delay, a SaslAuthenticationError.
   */
  async authenticate(token: Buffer): Promise<{ readonly challenge: Buffer; readonly sessionLifetimeMs: number }> {
    if (this.#state !== 'authenticate' || !this.#server) throw new SaslAuthenticationError('SaslAuthenticate before SaslHandshake');
    const previous = this.#previous;
    try {
      if (previous && previous.mechanism !== this.#mechanism)
        throw new SaslAuthenticationError(
          `SASL mechanism '${this.#mechanism}' requested by client is not supported for re-authentication of mechanism '${previous.mechanism}'`,
        );
      const { challenge, user, credentialExpiresAtMs } = await this.#server.evaluate(token);
      if (user === undefined) return { challenge, sessionLifetimeMs: 0 };
      if (previous && previous.principal.name !== user)
        throw new SaslAuthenticationError(
          `Cannot change principals during re-authentication from ${previous.principal.type}.${previous.principal.name}: User.${user}`,
        );
      this.#principal = { type: 'User', name: user };
      this.#previous = undefined;
      this.#state = 'complete';
      return { challenge, sessionLifetimeMs: this.#startSession(credentialExpiresAtMs) };
    } catch (error) {
      this.#state = 'failed';
      await sleep(this.failureDelayMs);
      if (error instanceof SaslAuthenticationError) throw error;
      // Kafka's SaslServerAuthenticator tells the client nothing but the mechanism (the detail could say whether the user exists).
      throw new SaslAuthenticationError(
        `Authentication failed during ${previous ? 're-authentication' : 'authentication'} due to invalid credentials with SASL mechanism ${this.#mechanism}`,
      );
    }
  }

  /** Sets when the session ends, and returns its lifetime as SaslAuthenticate v1+ tells the client (0: none). */
  #startSession(credentialExpiresAtMs: number | undefined): number {
    const maxReauthMs = this.mechanisms.get(this.#mechanism)!.maxReauthMs;
    const bounds = [...(maxReauthMs > 0 ? [maxReauthMs] : []), ...(credentialExpiresAtMs === undefined ? [] : [credentialExpiresAtMs - this.clocks.wallMs()])];
    if (bounds.length === 0) {
      this.#sessionEndsAtMs = undefined;
      return 0;
    }
    const lifetimeMs = Math.max(0, Math.min(...bounds));
    this.#sessionEndsAtMs = this.clocks.monotonicMs() + lifetimeMs;
    return lifetimeMs;
  }
}

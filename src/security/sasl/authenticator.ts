/**
 * One connection's SASL authentication as Kafka's SaslServerAuthenticator runs it: first ApiVersions and
 * SaslHandshake (choosing an enabled mechanism), then the mechanism's exchange, in SaslAuthenticate requests
 * after a v1 handshake or as bare size-prefixed tokens after a v0 one; only then anything else. A failed
 * exchange is answered after `failed.authentication.delay.ms` (a timer: other connections go on) and ends
 * the connection.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKey } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { KafkaPrincipal } from '../session.js';
import { type SaslServer, type SaslServerFactory, SaslAuthenticationError } from './mechanism.js';

export type SaslState = 'handshake' | 'authenticate' | 'complete' | 'failed';

export class SaslAuthenticator {
  #state: SaslState = 'handshake';
  #server: SaslServer | undefined;
  #mechanism = '';
  #rawTokens = false;
  #principal: KafkaPrincipal | undefined;

  constructor(
    /** The enabled mechanisms by name, in the order of `sasl.enabled.mechanisms`. */
    readonly mechanisms: ReadonlyMap<string, SaslServerFactory>,
    readonly failureDelayMs: number,
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

  /** The authenticated user, once complete. */
  get principal(): KafkaPrincipal | undefined {
    return this.#principal;
  }

  /** Whether a request of this API may come now; any other closes the connection, as Kafka does. */
  allows(apiKey: number): boolean {
    if (this.#state === 'handshake') return apiKey === ApiKey.ApiVersions || apiKey === ApiKey.SaslHandshake;
    if (this.#state === 'authenticate') return !this.#rawTokens && apiKey === ApiKey.SaslAuthenticate;
    return this.#state === 'complete';
  }

  /** Chooses the mechanism; an unknown one is refused (UNSUPPORTED_SASL_MECHANISM) and ends the connection. */
  handshake(mechanism: string, version: number): ErrorCode {
    if (this.#state !== 'handshake') return ErrorCode.ILLEGAL_SASL_STATE;
    const factory = this.mechanisms.get(mechanism);
    if (!factory) {
      this.#state = 'failed';
      return ErrorCode.UNSUPPORTED_SASL_MECHANISM;
    }
    this.#server = factory();
    this.#mechanism = mechanism;
    this.#rawTokens = version === 0;
    this.#state = 'authenticate';
    return ErrorCode.NONE;
  }

  /** One client token: the mechanism's challenge, or (after the failure delay) a SaslAuthenticationError. */
  async authenticate(token: Buffer): Promise<Buffer> {
    if (this.#state !== 'authenticate' || !this.#server) throw new SaslAuthenticationError('SaslAuthenticate before SaslHandshake');
    try {
      const { challenge, user } = await this.#server.evaluate(token);
      if (user !== undefined) {
        this.#principal = { type: 'User', name: user };
        this.#state = 'complete';
      }
      return challenge;
    } catch (error) {
      this.#state = 'failed';
      await sleep(this.failureDelayMs);
      if (error instanceof SaslAuthenticationError) throw error;
      // Kafka's SaslServerAuthenticator tells the client nothing but the mechanism (the detail could say whether the user exists).
      throw new SaslAuthenticationError(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.#mechanism}`);
    }
  }
}

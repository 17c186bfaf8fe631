/**
 * What a connection knows about its security: the listener it came in on (name, protocol, the address its
 * clients are told), who the client is (the principal the authorizer will check) and, on a SASL listener,
 * the authentication in progress.
 */
import type { ListenerAddress, SecurityProtocol } from './listeners.js';
import type { SaslAuthenticator } from './sasl/authenticator.js';

export interface KafkaPrincipal {
  readonly type: 'User';
  readonly name: string;
}

/** Kafka's principal of a client nobody authenticated (PLAINTEXT, or TLS without a client certificate). */
export const ANONYMOUS: KafkaPrincipal = { type: 'User', name: 'ANONYMOUS' };

export function formatPrincipal(principal: KafkaPrincipal): string {
  return `${principal.type}:${principal.name}`;
}

export interface ListenerIdentity {
  /** Upper-cased listener name. */
  readonly name: string;
  readonly protocol: SecurityProtocol;
  /** The address Metadata gives the clients of this listener (known once it is bound). */
  readonly advertised: ListenerAddress;
}

/** Kafka's limit on a frame received before SASL authentication completes (SaslServerAuthenticator's 512 KiB). */
export const MAX_UNAUTHENTICATED_FRAME_BYTES = 512 * 1024;

export class ConnectionSession {
  readonly #tlsPrincipal: KafkaPrincipal;

  constructor(
    readonly listener: ListenerIdentity,
    /** The client certificate's principal, or ANONYMOUS. */
    tlsPrincipal: KafkaPrincipal = ANONYMOUS,
    /** On SASL listeners: the handshake and exchange that must complete before other requests. */
    readonly sasl?: SaslAuthenticator,
  ) {
    this.#tlsPrincipal = tlsPrincipal;
  }

  /** Who the client is (what the authorizer will check): the SASL user on SASL listeners, else the TLS principal. */
  get principal(): KafkaPrincipal {
    return this.sasl?.principal ?? this.#tlsPrincipal;
  }

  /** The frame size allowed now (further bounded by `socket.request.max.bytes`). */
  get maxFrameBytes(): number {
    return this.sasl && !this.sasl.complete ? MAX_UNAUTHENTICATED_FRAME_BYTES : Number.POSITIVE_INFINITY;
  }
}

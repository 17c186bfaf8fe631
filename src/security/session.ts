/**
 * What a connection knows about its security: the listener it came in on (name, protocol, the address its
 * clients are told), who the client is (the principal the authorizer will check) and, on a SASL listener,
 * the authentication in progress.
 */
import type { ListenerAddress, SecurityProtocol } from './listeners.js';

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

export class ConnectionSession {
  principal: KafkaPrincipal;

  constructor(
    readonly listener: ListenerIdentity,
    principal: KafkaPrincipal = ANONYMOUS,
  ) {
    this.principal = principal;
  }

  /** The frame size allowed now (further bounded by `socket.request.max.bytes`). */
  get maxFrameBytes(): number {
    return Number.POSITIVE_INFINITY;
  }
}

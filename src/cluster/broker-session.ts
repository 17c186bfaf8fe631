/**
 * A broker's session with the shared metadata store: its registration under a lease, renewed by the store.
 * When the lease is lost (expired while etcd was unreachable, or revoked) the broker is told at once, and the
 * session registers again under a new lease (a new broker epoch), retrying until the store answers. While
 * the lease cannot be proven alive (`alive` false) the broker must not act on anything it was granted.
 */
import type { Logger } from 'pino';
import { registerBroker } from './broker-membership.js';
import type { Lease, MetadataStore } from './store/metadata-store.js';
import type { BrokerRegistration } from './store/shared-metadata.js';

/** Pause between attempts to register again while the store is unreachable. */
const REREGISTER_RETRY_MS = 250;

export interface SessionEvents {
  /** Registered (at start or again after a loss) under `lease`; `brokerEpoch` is the registration's revision. */
  registered(lease: Lease, brokerEpoch: number): Promise<void>;
  /** The lease is gone: stop acting on it. */
  lost(): void;
}

export class BrokerSession {
  readonly #store: MetadataStore;
  readonly #registration: BrokerRegistration;
  readonly #sessionTimeoutMs: number;
  readonly #events: SessionEvents;
  readonly #logger: Logger | undefined;
  #lease: Lease | undefined;
  #closed = false;

  private constructor(store: MetadataStore, registration: BrokerRegistration, sessionTimeoutMs: number, events: SessionEvents, logger?: Logger) {
    this.#store = store;
    this.#registration = registration;
    this.#sessionTimeoutMs = sessionTimeoutMs;
    this.#events = events;
    this.#logger = logger;
  }

  /** Registers the broker (DUPLICATE_BROKER_REGISTRATION if a live broker holds its node id). */
  static async start(
    store: MetadataStore,
    registration: BrokerRegistration,
    sessionTimeoutMs: number,
    events: SessionEvents,
    logger?: Logger,
  ): Promise<BrokerSession> {
    const session = new BrokerSession(store, registration, sessionTimeoutMs, events, logger);
    await session.#register();
    return session;
  }

  /** The lease while the session holds one. */
  get lease(): Lease | undefined {
    return this.#lease;
  }

  /** The lease is held and, as far as this broker can tell, has not expired. */
  get alive(): boolean {
    return this.#lease !== undefined && this.#lease.expiresAt() > Date.now();
  }

  /** Ends the session: the registration (and every key under the lease) goes. */
  async close(): Promise<void> {
    this.#closed = true;
    const lease = this.#lease;
    this.#lease = undefined;
    await lease?.revoke().catch(() => undefined);
  }

  async #register(): Promise<void> {
    const { lease, brokerEpoch } = await registerBroker(this.#store, this.#registration, this.#sessionTimeoutMs);
    if (this.#closed) {
      await lease.revoke().catch(() => undefined);
      return;
    }
    this.#lease = lease;
    lease.onLost((error) => this.#onLost(lease, error));
    await this.#events.registered(lease, brokerEpoch);
  }

  #onLost(lease: Lease, error: Error): void {
    if (this.#lease !== lease || this.#closed) return;
    this.#lease = undefined;
    this.#logger?.warn({ err: error, nodeId: this.#registration.nodeId }, 'lost the metadata session: leading nothing until registered again');
    this.#events.lost();
    void this.#registerAgain();
  }

  async #registerAgain(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.#register();
        this.#logger?.info({ nodeId: this.#registration.nodeId }, 'registered again with a new metadata session');
        return;
      } catch (error) {
        this.#logger?.warn({ err: error }, 'registering again failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, REREGISTER_RETRY_MS));
      }
    }
  }
}

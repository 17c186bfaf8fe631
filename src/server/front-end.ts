/**
 * The network front end the broker starts: one listener per entry of `listeners` (PLAINTEXT, SSL,
 * SASL_PLAINTEXT or SASL_SSL; TLS ones reload their certificates when the files change), whose connections' frames the dispatcher answers with the handlers over the
 * broker's services, each listener advertising its own address (`advertised.listeners`, else the bound one).
 */
import { hostname } from 'node:os';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/broker-config.js';
import { type ListenerAddress, type ListenerSpec, planListeners, usesSasl, usesTls } from '../security/listeners.js';
import { PrincipalMapper } from '../security/principal-mapping.js';
import { SaslAuthenticator } from '../security/sasl/authenticator.js';
import { saslMechanisms } from '../security/sasl/mechanisms.js';
import type { ListenerIdentity } from '../security/session.js';
import { tlsPrincipal, tlsSettings, watchFiles } from '../security/tls.js';
import type { BrokerServices } from '../services/broker-services.js';
import { authenticationGate } from './authentication-gate.js';
import { Dispatcher, type RequestObserver } from './dispatcher.js';
import { FramePool } from './frame-pool.js';
import { handlersByKey } from './handlers/index.js';
import { Listener } from './listener.js';

/** Idle frame buffers kept for reuse across all connections. */
const FRAME_POOL_BYTES = 64 * 1024 * 1024;

export type { ListenerAddress };

export interface FrontEndOptions {
  readonly config: BrokerConfig;
  /** Overrides the host or port of the first of `listeners`. */
  readonly listen: { readonly host?: string; readonly port?: number } | undefined;
  readonly logger: Logger;
  /** Per-request latency and error, for metrics. */
  readonly observeRequest?: RequestObserver;
}

export class FrontEnd {
  readonly #stopWatching: readonly (() => void)[];

  constructor(
    /** In the order of `listeners`. */
    readonly listeners: readonly Listener[],
    /** The listener brokers talk to each other on (`inter.broker.listener.name`), if one of these. */
    readonly interBrokerListener: string | undefined,
    /** Stop the watchers of TLS key and trust store files. */
    stopWatching: readonly (() => void)[],
  ) {
    this.#stopWatching = stopWatching;
  }

  /** Where clients bootstrap: the first listener's advertised address. */
  get advertised(): ListenerAddress {
    return this.listeners[0]!.identity.advertised;
  }

  /** The first listener's bound port. */
  get port(): number {
    return this.listeners[0]!.address.port;
  }

  get connectionCount(): number {
    return this.listeners.reduce((sum, listener) => sum + listener.connectionCount, 0);
  }

  /** Closes every listener (see Listener.close); `whileDraining` runs once. */
  async close(graceMs: number, whileDraining?: () => void): Promise<void> {
    for (const stop of this.#stopWatching) stop();
    let drained = false;
    const once = (): void => {
      if (!drained) whileDraining?.();
      drained = true;
    };
    await Promise.all(this.listeners.map((listener) => listener.close(graceMs, once)));
  }
}

export async function startFrontEnd(services: BrokerServices, options: FrontEndOptions): Promise<FrontEnd> {
  const { config, logger } = options;
  const plan = planListeners(config);
  const dispatcher = new Dispatcher(services, handlersByKey, logger.child({ component: 'dispatcher' }), options.observeRequest);
  const framePool = new FramePool(FRAME_POOL_BYTES);
  const listeners: Listener[] = [];
  const stopWatching: (() => void)[] = [];
  try {
    for (const [i, spec] of plan.listeners.entries()) {
      const listenerConfig = config.forListener(spec.name);
      const tls = usesTls(spec.protocol) ? tlsSettings(listenerConfig, spec.name) : undefined;
      const mapper = tls && PrincipalMapper.parse(listenerConfig.string('ssl.principal.mapping.rules'));
      const mechanisms = usesSasl(spec.protocol) ? saslMechanisms(listenerConfig, spec.name, services.scramCredentials) : undefined;
      const failureDelayMs = listenerConfig.int('failed.authentication.delay.ms');
      const bind = i === 0 ? { ...spec, host: options.listen?.host ?? spec.host, port: options.listen?.port ?? spec.port } : spec;
      const identity: { -readonly [K in keyof ListenerIdentity]: ListenerIdentity[K] } = {
        name: spec.name,
        protocol: spec.protocol,
        advertised: { host: '', port: 0 },
      };
      const listener = await Listener.start({
        host: bind.host,
        port: bind.port,
        identity,
        tls: tls && { options: tls.serverOptions, principalOf: (socket) => tlsPrincipal(socket, mapper!) },
        sasl: mechanisms && (() => new SaslAuthenticator(mechanisms, failureDelayMs)),
        admitConnection: (ip) => services.quotas.connections.admit(ip),
        limits: {
          maxRequestBytes: config.int('socket.request.max.bytes'),
          framePool,
          maxQueuedRequests: config.int('queued.max.requests'),
          idleTimeoutMs: config.int('connections.max.idle.ms'),
          requestReadTimeoutMs: config.int('gregor.request.read.timeout.ms'),
        },
        maxConnections: config.int('max.connections'),
        maxConnectionsPerIp: config.int('max.connections.per.ip'),
        handleFrame: mechanisms ? authenticationGate(dispatcher.handleFrame) : dispatcher.handleFrame,
        onConnectionError: (error, connection) =>
          logger.debug({ connection: connection.id, listener: spec.name, client: connection.remoteAddress, err: error }, 'closing connection'),
      });
      listeners.push(listener);
      if (tls)
        stopWatching.push(watchFiles(tls.files, config.int('gregor.ssl.reload.interval.ms'), () => reload(listener, tls.secureContext, spec.name, logger)));
      identity.advertised = advertisedAddress(plan.advertised.get(spec.name), bind, listener.address.port);
      logger.debug({ listener: spec.name, protocol: spec.protocol, port: listener.address.port, advertised: identity.advertised }, 'listening');
    }
  } catch (error) {
    for (const stop of stopWatching) stop();
    await Promise.all(listeners.map((listener) => listener.close(0)));
    throw error;
  }
  return new FrontEnd(listeners, plan.interBrokerListener, stopWatching);
}

/** New connections get the renewed key and certificates; a store that does not load keeps the old ones. */
function reload(listener: Listener, secureContext: () => SecureContextOptions, name: string, logger: Logger): void {
  try {
    listener.setSecureContext(secureContext());
    logger.info({ listener: name }, 'TLS key and certificates reloaded');
  } catch (error) {
    logger.error({ listener: name, err: error }, 'TLS key or certificates changed but do not load; keeping the previous ones');
  }
}

/** The advertised address, else the bound one; a wildcard host is advertised as the machine's name and port 0 as the bound port, as Kafka does. */
function advertisedAddress(advertised: ListenerAddress | undefined, bound: ListenerSpec, boundPort: number): ListenerAddress {
  if (advertised) return { host: advertised.host || hostname(), port: advertised.port === 0 ? boundPort : advertised.port };
  const wildcard = bound.host === '' || bound.host === '0.0.0.0' || bound.host === '::';
  return { host: wildcard ? hostname() : bound.host, port: boundPort };
}

/**
 * The network front end the broker starts: a listener on the first of `listeners` whose connections' frames
 * the dispatcher answers with the handlers over the broker's services, and the address clients are told to
 * use (`advertised.listeners`, else the bound one).
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/broker-config.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';
import type { BrokerServices } from '../services/broker-services.js';
import { Dispatcher, type RequestObserver } from './dispatcher.js';
import { FramePool } from './frame-pool.js';
import { handlersByKey } from './handlers/index.js';
import { Listener } from './listener.js';

/** Idle frame buffers kept for reuse across all connections. */
const FRAME_POOL_BYTES = 64 * 1024 * 1024;

export interface ListenerAddress {
  readonly host: string;
  readonly port: number;
}

export interface FrontEndOptions {
  readonly config: BrokerConfig;
  /** Overrides the host or port of the first of `listeners`. */
  readonly listen: { readonly host?: string; readonly port?: number } | undefined;
  readonly logger: Logger;
  /** Per-request latency and error, for metrics. */
  readonly observeRequest?: RequestObserver;
}

export interface FrontEnd {
  readonly listener: Listener;
  /** Where clients should connect (Metadata's broker address). */
  readonly advertised: ListenerAddress;
}

export async function startFrontEnd(services: BrokerServices, options: FrontEndOptions): Promise<FrontEnd> {
  const { config, logger } = options;
  const address = listenerAddress(config, options.listen);
  const dispatcher = new Dispatcher(services, handlersByKey, logger.child({ component: 'dispatcher' }), options.observeRequest);
  const listener = await Listener.start({
    host: address.host,
    port: address.port,
    limits: {
      maxRequestBytes: config.int('socket.request.max.bytes'),
      framePool: new FramePool(FRAME_POOL_BYTES),
      maxQueuedRequests: config.int('queued.max.requests'),
      idleTimeoutMs: config.int('connections.max.idle.ms'),
      requestReadTimeoutMs: config.int('gregor.request.read.timeout.ms'),
    },
    maxConnections: config.int('max.connections'),
    maxConnectionsPerIp: config.int('max.connections.per.ip'),
    handleFrame: dispatcher.handleFrame,
    onConnectionError: (error, connection) =>
      logger.debug({ connection: connection.id, client: connection.remoteAddress, err: error }, 'closing connection'),
  });
  return { listener, advertised: advertisedAddress(config, address, listener.address.port) };
}

/** The first entry of `listeners` (`NAME://host:port`), overridden by `listen`. */
function listenerAddress(config: BrokerConfig, listen: { host?: string; port?: number } | undefined): ListenerAddress {
  const first = parseListener(config.list('listeners')[0] ?? 'PLAINTEXT://:9092');
  return { host: listen?.host ?? first.host, port: listen?.port ?? first.port };
}

/** `advertised.listeners`, else the bound address; a wildcard host is advertised as the machine's name, as Kafka does. */
function advertisedAddress(config: BrokerConfig, bound: ListenerAddress, boundPort: number): ListenerAddress {
  const advertised = config.list('advertised.listeners')[0];
  if (advertised) {
    const parsed = parseListener(advertised);
    return { host: parsed.host || hostname(), port: parsed.port === 0 ? boundPort : parsed.port };
  }
  const wildcard = bound.host === '' || bound.host === '0.0.0.0' || bound.host === '::';
  return { host: wildcard ? hostname() : bound.host, port: boundPort };
}

function parseListener(listener: string): ListenerAddress {
  const match = /^(?:[A-Za-z_][A-Za-z0-9_]*:\/\/)?(\[[^\]]*\]|[^:]*):(\d+)$/.exec(listener.trim());
  if (!match) throw new KafkaError(ErrorCode.INVALID_CONFIG, `listener ${JSON.stringify(listener)} is not NAME://host:port`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

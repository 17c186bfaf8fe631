/**
 * The broker's listeners as Kafka configures them: `listeners` (NAME://host:port, names upper-cased and
 * unique), the security protocol of each name from `listener.security.protocol.map`, the address each
 * advertises (`advertised.listeners`, per listener, else its own) and the inter-broker listener
 * (`inter.broker.listener.name`, else the listener of `security.inter.broker.protocol`).
 */
import type { BrokerConfig } from '../config/broker-config.js';
import { ConfigSource } from '../config/config-def.js';
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';

export enum SecurityProtocol {
  PLAINTEXT = 'PLAINTEXT',
  SSL = 'SSL',
  SASL_PLAINTEXT = 'SASL_PLAINTEXT',
  SASL_SSL = 'SASL_SSL',
}

export interface ListenerAddress {
  readonly host: string;
  readonly port: number;
}

export interface ListenerSpec extends ListenerAddress {
  /** Upper-cased, as Kafka normalises listener names. */
  readonly name: string;
  readonly protocol: SecurityProtocol;
}

export interface ListenerPlan {
  readonly listeners: readonly ListenerSpec[];
  /** Per listener name, the address given in `advertised.listeners` (absent: advertise the bound one). */
  readonly advertised: ReadonlyMap<string, ListenerAddress>;
  /** The listener brokers talk to each other on; undefined when none of the listeners serves it. */
  readonly interBrokerListener: string | undefined;
}

export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === SecurityProtocol.SSL || protocol === SecurityProtocol.SASL_SSL;
}

export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === SecurityProtocol.SASL_PLAINTEXT || protocol === SecurityProtocol.SASL_SSL;
}

export function planListeners(config: BrokerConfig): ListenerPlan {
  const protocols = protocolMap(config.list('listener.security.protocol.map'));
  const listeners = parseEndpoints(config.list('listeners'), 'listeners', protocols);
  if (listeners.length === 0) throw invalid('listeners must name at least one listener');
  const ports = listeners.filter((l) => l.port !== 0).map((l) => l.port);
  const duplicatePort = ports.find((port, i) => ports.indexOf(port) !== i);
  if (duplicatePort !== undefined) throw invalid(`each listener must have a different port; ${duplicatePort} is used twice in listeners`);
  const advertised = new Map<string, ListenerAddress>();
  for (const endpoint of parseEndpoints(config.list('advertised.listeners'), 'advertised.listeners', protocols)) {
    if (!listeners.some((l) => l.name === endpoint.name)) throw invalid(`advertised listener ${endpoint.name} is not one of listeners`);
    if (endpoint.host === '0.0.0.0' || endpoint.host === '::') throw invalid(`advertised.listeners cannot use the nonroutable meta-address ${endpoint.host}`);
    advertised.set(endpoint.name, { host: endpoint.host, port: endpoint.port });
  }
  return { listeners, advertised, interBrokerListener: interBrokerListener(config, listeners) };
}

/** `NAME:PROTOCOL` pairs; the protocol must be one Kafka knows. */
function protocolMap(entries: readonly string[]): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const entry of entries) {
    const [name, protocol, ...rest] = entry.split(':');
    if (!name || !protocol || rest.length > 0) throw invalid(`listener.security.protocol.map entry ${JSON.stringify(entry)} is not NAME:PROTOCOL`);
    const upper = protocol.trim().toUpperCase();
    if (!Object.values<string>(SecurityProtocol).includes(upper)) throw invalid(`unknown security protocol ${protocol} in listener.security.protocol.map`);
    const listenerName = name.trim().toUpperCase();
    if (map.has(listenerName)) throw invalid(`listener ${listenerName} appears twice in listener.security.protocol.map`);
    map.set(listenerName, upper as SecurityProtocol);
  }
  return map;
}

function parseEndpoints(entries: readonly string[], key: string, protocols: ReadonlyMap<string, SecurityProtocol>): ListenerSpec[] {
  const specs: ListenerSpec[] = [];
  for (const entry of entries) {
    const spec = parseEndpoint(entry, key, protocols);
    if (specs.some((s) => s.name === spec.name)) throw invalid(`each listener must have a different name; ${spec.name} appears twice in ${key}`);
    specs.push(spec);
  }
  return specs;
}

function parseEndpoint(entry: string, key: string, protocols: ReadonlyMap<string, SecurityProtocol>): ListenerSpec {
  const match = /^([A-Za-z_][A-Za-z0-9_-]*):\/\/(\[[^\]]*\]|[^:[\]]*):(\d+)$/.exec(entry.trim());
  if (!match) throw invalid(`${key} entry ${JSON.stringify(entry)} is not NAME://host:port`);
  const name = match[1]!.toUpperCase();
  const protocol = protocols.get(name);
  if (!protocol) throw invalid(`no security protocol defined for listener ${name} (listener.security.protocol.map)`);
  const port = Number(match[3]);
  if (port > 65535) throw invalid(`${key} entry ${JSON.stringify(entry)} has port ${port} outside 0-65535`);
  return { name, protocol, host: match[2]!.replace(/^\[|\]$/g, ''), port };
}

function interBrokerListener(config: BrokerConfig, listeners: readonly ListenerSpec[]): string | undefined {
  const byName = config.has('inter.broker.listener.name');
  const byProtocol = config.entry('security.inter.broker.protocol').source !== ConfigSource.DEFAULT_CONFIG;
  if (byName && byProtocol) throw invalid('only one of inter.broker.listener.name and security.inter.broker.protocol may be set');
  if (byName) {
    const name = config.string('inter.broker.listener.name').toUpperCase();
    if (!listeners.some((l) => l.name === name)) throw invalid(`inter.broker.listener.name ${name} must be one of the listeners`);
    return name;
  }
  // Kafka's fallback: the listener named after the inter-broker protocol.
  const protocol = config.string('security.inter.broker.protocol');
  return listeners.find((l) => l.name === protocol)?.name;
}

function invalid(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_CONFIG, message);
}

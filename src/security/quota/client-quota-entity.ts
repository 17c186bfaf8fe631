/**
 * Kafka's client quota entities and keys: an entity names a user, a client id, both, or an IP, each by name or
 * as the `<default>` of its type (a null name); each kind of entity takes its own quota keys. Validation
 * follows Kafka's controller (ClientQuotaControlManager): INVALID_REQUEST with Kafka's messages.
 */
import { isIP } from 'node:net';
import { ErrorCode, KafkaError, errorInfo } from '../../protocol/error-codes.js';

export const USER = 'user';
export const CLIENT_ID = 'client-id';
export const IP = 'ip';
export type EntityType = typeof USER | typeof CLIENT_ID | typeof IP;
const ENTITY_TYPES: readonly EntityType[] = [USER, CLIENT_ID, IP];

/** One component of an entity as the wire carries it; a null name is the type's `<default>`. */
export interface EntityComponent {
  readonly entityType: string;
  readonly entityName: string | null;
}

/** A valid entity: its components in the order user, client-id, ip, each type at most once. */
export type QuotaEntity = readonly (EntityComponent & { readonly entityType: EntityType })[];

export enum QuotaKey {
  PRODUCER_BYTE_RATE = 'producer_byte_rate',
  CONSUMER_BYTE_RATE = 'consumer_byte_rate',
  REQUEST_PERCENTAGE = 'request_percentage',
  CONTROLLER_MUTATION_RATE = 'controller_mutation_rate',
  CONNECTION_CREATION_RATE = 'connection_creation_rate',
}

/** Kafka's config types of the keys: LONG and INT values must be whole numbers. */
type KeyType = 'long' | 'int' | 'double';

const CLIENT_KEYS: ReadonlyMap<string, KeyType> = new Map([
  [QuotaKey.PRODUCER_BYTE_RATE, 'long'],
  [QuotaKey.CONSUMER_BYTE_RATE, 'long'],
  [QuotaKey.REQUEST_PERCENTAGE, 'double'],
  [QuotaKey.CONTROLLER_MUTATION_RATE, 'double'],
]);
const IP_KEYS: ReadonlyMap<string, KeyType> = new Map([[QuotaKey.CONNECTION_CREATION_RATE, 'int']]);

/** What `<default>` is written as in store keys and metric labels (Kafka's ConfigEntityName.Default). */
export const DEFAULT_NAME = '<default>';

/** Checks an entity's components (Kafka's validateEntity and configKeysForEntityType) and puts them in order. */
export function validateEntity(components: readonly EntityComponent[]): QuotaEntity {
  if (components.length === 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Invalid empty client quota entity');
  const byType = new Map<EntityType, string | null>();
  for (const { entityType, entityName } of components) {
    const type = ENTITY_TYPES.find((t) => t === entityType);
    if (type === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unhandled client quota entity type: ${entityType}`);
    if (byType.has(type)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Invalid empty client quota entity, duplicate entity entry ${entityType}`);
    if (entityName === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, `Empty ${entityType} not supported`);
    byType.set(type, entityName);
  }
  if (byType.has(IP)) {
    if (byType.size > 1) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Invalid empty client quota entity');
    const ip = byType.get(IP)!;
    if (ip !== null && isIP(ip) === 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, `${ip} is not a valid IP or resolvable host.`);
  }
  return ENTITY_TYPES.filter((type) => byType.has(type)).map((type) => ({ entityType: type, entityName: byType.get(type)! }));
}

/** Checks that `key` applies to the entity and `value` has the key's type (Kafka's validateQuotaKeyValue). */
export function validateQuotaValue(entity: QuotaEntity, key: string, value: number): void {
  const keys = entity[0]?.entityType === IP ? IP_KEYS : CLIENT_KEYS;
  const type = keys.get(key);
  if (type === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Invalid configuration key ${key}`);
  if (!Number.isFinite(value)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Configuration ${key} must be a number`);
  if (type !== 'double' && Math.abs(Math.trunc(value + 1e-6) - value) > 1e-6) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Configuration ${key} must be a ${type === 'long' ? 'Long' : 'Integer'} value`);
  }
}

/**
 * The entity as one store key component: `user=<name>/client-id=<name>` with names URI-encoded, so that the
 * default's `<default>` cannot be mistaken for a user of that name.
 */
export function entityKey(entity: QuotaEntity): string {
  return entity.map(({ entityType, entityName }) => `${entityType}=${entityName === null ? DEFAULT_NAME : encodeURIComponent(entityName)}`).join('/');
}

/** The entity an `entityKey` names. */
export function parseEntityKey(key: string): QuotaEntity {
  return key.split('/').map((part) => {
    const at = part.indexOf('=');
    const name = part.slice(at + 1);
    return { entityType: part.slice(0, at) as EntityType, entityName: name === DEFAULT_NAME ? null : decodeURIComponent(name) };
  });
}

/** The message Kafka answers with for a refused entity or filter: the KafkaError's detail, without its code name. */
export function quotaErrorMessage(error: unknown): string | null {
  if (!(error instanceof KafkaError)) return null;
  const prefix = `${errorInfo(error.code).name}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : null;
}

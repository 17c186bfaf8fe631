/**
 * The client quotas configured in the cluster, by entity, with Kafka's two questions of them: which limit
 * applies to a connection (the most specific entity that sets the key, in Kafka's order, and so which sensor
 * meters it) and which entities a DescribeClientQuotas filter selects (ClientQuotasImage.describe).
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { CLIENT_ID, DEFAULT_NAME, type EntityComponent, IP, type QuotaEntity, type QuotaKey, USER } from './client-quota-entity.js';

/** DescribeClientQuotas' match types. */
export enum MatchType {
  EXACT = 0,
  DEFAULT = 1,
  SPECIFIED = 2,
}

export interface FilterComponent {
  readonly entityType: string;
  readonly matchType: number;
  readonly match: string | null;
}

export interface QuotaEntry {
  readonly entity: QuotaEntity;
  readonly values: ReadonlyMap<string, number>;
}

/**
 * The limit for a (user, client id) and the sensor that meters it: the user and client id the sensor is
 * named by, empty where the matched entity does not name that type (one sensor for all the user's clients
 * when only the user has a quota), as Kafka's DefaultQuotaCallback tags its sensors.
 */
export interface ResolvedQuota {
  readonly limit: number;
  readonly user: string;
  readonly clientId: string;
}

type Level = readonly [user: 'name' | 'default' | 'none', clientId: 'name' | 'default' | 'none'];

/** Kafka's precedence, most specific first: /users/<user>/clients/<client-id> … /clients/<default>. */
const PRECEDENCE: readonly Level[] = [
  ['name', 'name'],
  ['name', 'default'],
  ['name', 'none'],
  ['default', 'name'],
  ['default', 'default'],
  ['default', 'none'],
  ['none', 'name'],
  ['none', 'default'],
];

export class QuotaTable {
  readonly #entries = new Map<string, QuotaEntry>();
  /** Bumped on every change, so callers may cache resolutions. */
  #version = 0;

  get version(): number {
    return this.#version;
  }

  /** Replaces the values of the entity stored under `key` (none: the entity has no quota any more). */
  set(key: string, entity: QuotaEntity, values: ReadonlyMap<string, number> | undefined): void {
    if (values === undefined || values.size === 0) this.#entries.delete(key);
    else this.#entries.set(key, { entity, values });
    this.#version++;
  }

  get empty(): boolean {
    return this.#entries.size === 0;
  }

  entry(key: string): QuotaEntry | undefined {
    return this.#entries.get(key);
  }

  /** Whether any entity sets `quota` (no sensor is needed otherwise). */
  has(quota: QuotaKey): boolean {
    for (const entry of this.#entries.values()) if (entry.values.has(quota)) return true;
    return false;
  }

  /** The limit of `quota` for a client, if any entity that matches it sets one. */
  resolve(quota: QuotaKey, user: string, clientId: string): ResolvedQuota | undefined {
    for (const [userLevel, clientLevel] of PRECEDENCE) {
      const limit = this.#entries.get(levelKey(userLevel, user, clientLevel, clientId))?.values.get(quota);
      if (limit !== undefined) {
        return { limit, user: userLevel === 'none' ? '' : user, clientId: clientLevel === 'none' ? '' : clientId };
      }
    }
    return undefined;
  }

  /** The limit of `quota` for an IP address: its own entity, else the `<default>` IP's. */
  resolveIp(quota: QuotaKey, ip: string): number | undefined {
    return this.#entries.get(`${IP}=${encodeURIComponent(ip)}`)?.values.get(quota) ?? this.#entries.get(`${IP}=${DEFAULT_NAME}`)?.values.get(quota);
  }

  /** The entities a DescribeClientQuotas filter selects; INVALID_REQUEST / UNSUPPORTED_VERSION for a bad filter, as Kafka. */
  describe(components: readonly FilterComponent[], strict: boolean): QuotaEntry[] {
    const exact = new Map<string, string | null>();
    const specified = new Set<string>();
    for (const { entityType, matchType, match } of components) {
      if (entityType === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Invalid empty entity type.');
      if (exact.has(entityType) || specified.has(entityType)) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `Entity type ${entityType} cannot appear more than once in the filter.`);
      }
      if (entityType !== USER && entityType !== CLIENT_ID && entityType !== IP) {
        throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `Unsupported entity type ${entityType}`);
      }
      if (matchType === MatchType.EXACT) {
        if (match === null) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_EXACT, but set match string to null.');
        exact.set(entityType, match);
      } else if (matchType === MatchType.DEFAULT) {
        if (match !== null) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
        exact.set(entityType, null);
      } else if (matchType === MatchType.SPECIFIED) {
        if (match !== null) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
        specified.add(entityType);
      } else {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown match type ${matchType}`);
      }
    }
    const named = (type: string): boolean => exact.has(type) || specified.has(type);
    if (named(IP) && (named(USER) || named(CLIENT_ID))) {
      throw new KafkaError(
        ErrorCode.INVALID_REQUEST,
        'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.',
      );
    }
    const selected: QuotaEntry[] = [];
    for (const entry of this.#entries.values()) {
      const names = new Map<string, string | null>(entry.entity.map((c: EntityComponent) => [c.entityType, c.entityName]));
      const matches = [...exact].every(([type, name]) => names.has(type) && names.get(type) === name) && [...specified].every((type) => names.has(type));
      if (!matches) continue;
      if (strict && names.size !== exact.size + specified.size) continue;
      selected.push(entry);
    }
    return selected;
  }
}

/** The store key (see entityKey) of the entity at one precedence level for this user and client id. */
function levelKey(userLevel: Level[0], user: string, clientLevel: Level[1], clientId: string): string {
  const parts: string[] = [];
  if (userLevel !== 'none') parts.push(`${USER}=${userLevel === 'default' ? DEFAULT_NAME : encodeURIComponent(user)}`);
  if (clientLevel !== 'none') parts.push(`${CLIENT_ID}=${clientLevel === 'default' ? DEFAULT_NAME : encodeURIComponent(clientId)}`);
  return parts.join('/');
}

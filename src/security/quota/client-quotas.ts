/**
 * The broker's client quotas: the configured ones, kept in the cluster metadata store (one key per entity,
 * `quotas/<entityKey>`, its value the entity's quota values as JSON) and followed through its watch so that
 * every broker applies a change within the watch's delay; what DescribeClientQuotas and AlterClientQuotas do
 * with them (Kafka's rules); and their enforcement: producer and consumer byte rates, request time and
 * controller mutations per user and client id, connection creation rate per IP.
 */
import type { Compare } from '../../cluster/store/metadata-store.js';
import type { OpenPrefix, PrefixRecords } from '../../cluster/store/watched-prefix.js';
import { ErrorCode, KafkaError, codeOf } from '../../protocol/error-codes.js';
import { ClientQuotaManager, type QuotaSensor } from './client-quota-manager.js';
import {
  type EntityComponent,
  type QuotaEntity,
  QuotaKey,
  entityKey,
  parseEntityKey,
  quotaErrorMessage,
  validateEntity,
  validateQuotaValue,
} from './client-quota-entity.js';
import { ConnectionRateQuota } from './connection-rate-quota.js';
import { ControllerMutationQuota } from './controller-mutation-quota.js';
import { type FilterComponent, type QuotaEntry, QuotaTable } from './quota-table.js';
import { type RateWindows, SampledRate } from './sampled-rate.js';
import { TokenBucket } from './token-bucket.js';

/** The metadata store prefix of the quota keys. */
export const QUOTAS_PREFIX = 'quotas/';

/** One entry of an AlterClientQuotas request. */
export interface QuotaAlteration {
  readonly entity: readonly EntityComponent[];
  readonly ops: readonly { readonly key: string; readonly value: number; readonly remove: boolean }[];
}

export interface AlterationResult {
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
  readonly entity: readonly EntityComponent[];
}

/** A metered entity as the metrics show it. */
export interface QuotaSensorState {
  readonly quota: QuotaKey;
  readonly user: string;
  readonly clientId: string;
  /** Units per second now (bytes, or percent of one handler thread for request_percentage). */
  readonly rate: number;
  readonly limit: number;
  readonly throttleTimeMsTotal: number;
  readonly throttledCount: number;
}

/** Compare-and-swap retries when another broker changes the same entity at the same time. */
const ALTER_ATTEMPTS = 5;

export class ClientQuotas {
  readonly produce: ClientQuotaManager;
  readonly fetch: ClientQuotaManager;
  readonly request: ClientQuotaManager;
  readonly mutations: ClientQuotaManager<TokenBucket>;
  readonly connections: ConnectionRateQuota;
  readonly #table: QuotaTable;
  readonly #records: PrefixRecords;
  readonly #clock: () => number;

  private constructor(table: QuotaTable, records: PrefixRecords, windows: RateWindows, mutationWindows: RateWindows, clock: () => number) {
    this.#table = table;
    this.#records = records;
    this.#clock = clock;
    const rate = (): SampledRate => new SampledRate(windows);
    this.produce = new ClientQuotaManager(QuotaKey.PRODUCER_BYTE_RATE, table, rate, clock);
    this.fetch = new ClientQuotaManager(QuotaKey.CONSUMER_BYTE_RATE, table, rate, clock);
    this.request = new ClientQuotaManager(QuotaKey.REQUEST_PERCENTAGE, table, rate, clock);
    this.mutations = new ClientQuotaManager(QuotaKey.CONTROLLER_MUTATION_RATE, table, () => new TokenBucket(mutationWindows), clock);
    this.connections = new ConnectionRateQuota(table, windows, clock);
  }

  /**
   * Follows the quotas kept under QUOTAS_PREFIX: `watch` opens the prefix and hands each later change to the
   * function it is given (ClusterMetadata.watchPrefix). `mutationWindows` size controller mutations' burst.
   */
  static async open(watch: OpenPrefix, windows: RateWindows, clock: () => number, mutationWindows: RateWindows = windows): Promise<ClientQuotas> {
    const table = new QuotaTable();
    const apply = (key: string, value: string | undefined): void => table.set(key, parseEntityKey(key), value === undefined ? undefined : decodeValues(value));
    const records = await watch((changes) => {
      for (const { key, value } of changes) apply(key, value);
    });
    for (const [key, value] of records.entries()) apply(key, value);
    return new ClientQuotas(table, records, windows, mutationWindows, clock);
  }

  /** Whether any quota is configured (requests need not be metered otherwise). */
  get enforcing(): boolean {
    return !this.#table.empty;
  }

  /** The controller mutation quota of one CreateTopics, CreatePartitions or DeleteTopics request (strict from the version whose clients know THROTTLING_QUOTA_EXCEEDED). */
  mutationQuota(user: string, clientId: string, strict: boolean): ControllerMutationQuota {
    return new ControllerMutationQuota(this.mutations, user, clientId, strict, this.#clock);
  }

  /** DescribeClientQuotas: the selected entities with their values; throws KafkaError for a bad filter. */
  describe(components: readonly FilterComponent[], strict: boolean): QuotaEntry[] {
    return this.#table.describe(components, strict);
  }

  /**
   * AlterClientQuotas: validates every entry (Kafka's errors per entity), then applies the valid ones in one
   * write of the store (unless `validateOnly`); resolves once they apply on this broker.
   */
  async alter(alterations: readonly QuotaAlteration[], validateOnly: boolean): Promise<AlterationResult[]> {
    for (let attempt = 1; ; attempt++) {
      const results: AlterationResult[] = [];
      const writes = new Map<string, string | undefined>();
      const guard: Compare[] = [];
      for (const alteration of alterations) {
        try {
          const entity = validateEntity(alteration.entity);
          const key = entityKey(entity);
          if (writes.has(key) || guard.some((g) => g.key === key)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Ignoring duplicate entity ${key}`);
          const values = this.#altered(entity, key, alteration.ops);
          results.push({ errorCode: ErrorCode.NONE, errorMessage: null, entity: alteration.entity });
          guard.push({ key, target: 'modRevision', result: '=', value: this.#records.modRevision(key) });
          if (values !== undefined) writes.set(key, values.size === 0 ? undefined : encodeValues(values));
        } catch (error) {
          results.push({ errorCode: codeOf(error), errorMessage: quotaErrorMessage(error), entity: alteration.entity });
        }
      }
      if (validateOnly || writes.size === 0) return results;
      const written = await this.#records.write(
        [...writes].map(([key, value]) => ({ key, value })),
        guard.filter((g) => writes.has(g.key)),
      );
      if (written) return results;
      if (attempt === ALTER_ATTEMPTS) throw new KafkaError(ErrorCode.CONCURRENT_TRANSACTIONS, 'client quotas kept changing while being altered');
    }
  }

  /** The metered entities of every quota, for the metrics. */
  *sensorStates(): IterableIterator<QuotaSensorState> {
    const now = this.#clock();
    for (const manager of [this.produce, this.fetch, this.request]) {
      for (const sensor of manager.sensors()) yield sensorState(manager.quota, sensor, now);
    }
  }

  /** The entity's values after the ops, or undefined when they change nothing. */
  #altered(entity: QuotaEntity, key: string, ops: QuotaAlteration['ops']): Map<string, number> | undefined {
    const seen = new Set<string>();
    for (const op of ops) {
      if (seen.has(op.key)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Duplicate quota key ${op.key} not updating quota for this entity ${key}`);
      seen.add(op.key);
    }
    for (const op of ops) if (!op.remove) validateQuotaValue(entity, op.key, op.value);
    const current = this.#table.entry(key)?.values ?? new Map<string, number>();
    const next = new Map(current);
    for (const op of ops) {
      if (op.remove) next.delete(op.key);
      else next.set(op.key, op.value);
    }
    const unchanged = next.size === current.size && [...next].every(([k, v]) => current.get(k) === v);
    return unchanged ? undefined : next;
  }
}

function sensorState(quota: QuotaKey, sensor: QuotaSensor, now: number): QuotaSensorState {
  return {
    quota,
    user: sensor.user,
    clientId: sensor.clientId,
    rate: sensor.rate.measure(now),
    limit: sensor.limit,
    throttleTimeMsTotal: sensor.throttleTimeMsTotal,
    throttledCount: sensor.throttledCount,
  };
}

function encodeValues(values: ReadonlyMap<string, number>): string {
  return JSON.stringify(Object.fromEntries([...values].sort(([a], [b]) => (a < b ? -1 : 1))));
}

function decodeValues(text: string): Map<string, number> {
  return new Map(Object.entries(JSON.parse(text) as Record<string, number>));
}

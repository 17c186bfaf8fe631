/**
 * Enforcement of one client quota (producer bytes, consumer bytes, request time or controller mutations) as
 * Kafka's ClientQuotaManager does it: every client the table gives a limit is metered by the sensor of the
 * entity that limit comes from (a sampled rate, or for controller mutations a token bucket); a recording that takes the sensor's rate over the limit is kept and answered with
 * the time the client must wait (KIP-219: the response says it and the connection is muted that long).
 * Clients no entity limits are not metered at all. Sensors idle for an hour are dropped, as Kafka's expire.
 */
import type { QuotaKey } from './client-quota-entity.js';
import type { QuotaTable, ResolvedQuota } from './quota-table.js';
import type { SampledRate } from './sampled-rate.js';

/** What a sensor measures with: a SampledRate, or a TokenBucket. */
export interface QuotaStat {
  record(value: number, now: number, bound: number): void;
  /** Milliseconds the client must wait, recording nothing, to be back within `bound`. */
  throttleTimeMs(bound: number, now: number): number;
}

/** Kafka's ClientQuotaManager.InactiveSensorExpirationTimeSeconds. */
const SENSOR_EXPIRY_MS = 3_600_000;
const SWEEP_INTERVAL_MS = 60_000;
/** Resolutions cached before the cache is emptied (a flood of distinct client ids must not grow it without end). */
const MAX_CACHED_RESOLUTIONS = 10_000;

/** One metered entity: what it took and how long it was throttled, for the metrics. */
export interface QuotaSensor<S extends QuotaStat = SampledRate> {
  readonly user: string;
  readonly clientId: string;
  readonly rate: S;
  /** The limit in effect (units per second). */
  limit: number;
  throttleTimeMsTotal: number;
  throttledCount: number;
  lastUsed: number;
}

export class ClientQuotaManager<S extends QuotaStat = SampledRate> {
  readonly quota: QuotaKey;
  readonly #table: QuotaTable;
  readonly #newStat: () => S;
  readonly #clock: () => number;
  readonly #sensors = new Map<string, QuotaSensor<S>>();
  /** (user, client id) → its resolution, valid while the table is at `#resolvedVersion`. */
  readonly #resolved = new Map<string, ResolvedQuota | null>();
  #resolvedVersion = -1;
  #enabled = false;
  #lastSweep = 0;

  constructor(quota: QuotaKey, table: QuotaTable, newStat: () => S, clock: () => number) {
    this.quota = quota;
    this.#table = table;
    this.#newStat = newStat;
    this.#clock = clock;
  }

  /**
   * Records `value` for the client and returns the milliseconds it must be throttled (0 within its quota, or
   * when no quota applies to it).
   */
  record(user: string, clientId: string, value: number): number {
    const sensor = this.#sensor(user, clientId);
    if (sensor === undefined) return 0;
    const now = this.#clock();
    sensor.lastUsed = now;
    sensor.rate.record(value, now, sensor.limit);
    return sensor.rate.throttleTimeMs(sensor.limit, now);
  }

  /**
   * The most the client may take within its quota's windows (Kafka's getMaxValueInQuotaWindow: limit ×
   * (samples − 1) windows), what a throttled consumer's fetch is capped to; unbounded without a quota.
   */
  maxValueInQuotaWindow(this: ClientQuotaManager<SampledRate>, user: string, clientId: string): number {
    const sensor = this.#sensor(user, clientId);
    return sensor === undefined ? Number.POSITIVE_INFINITY : sensor.rate.maxValueInWindows(sensor.limit);
  }

  /** The milliseconds the client must wait before its next recording is within its quota (0 when it need not). */
  throttleTimeMs(user: string, clientId: string): number {
    const sensor = this.#sensor(user, clientId);
    return sensor === undefined ? 0 : sensor.rate.throttleTimeMs(sensor.limit, this.#clock());
  }

  /** Takes back a recorded value (a fetch answered empty because it is throttled sends nothing). */
  unrecord(user: string, clientId: string, value: number): void {
    const sensor = this.#sensor(user, clientId);
    sensor?.rate.record(-value, this.#clock(), sensor.limit);
  }

  /** The client is throttled for `throttleTimeMs` (the metrics' throttle time). */
  throttled(user: string, clientId: string, throttleTimeMs: number): void {
    const sensor = this.#sensor(user, clientId);
    if (sensor === undefined) return;
    sensor.throttleTimeMsTotal += throttleTimeMs;
    sensor.throttledCount++;
  }

  /** The sensors in use, for the metrics. */
  sensors(): IterableIterator<QuotaSensor<S>> {
    return this.#sensors.values();
  }

  #sensor(user: string, clientId: string): QuotaSensor<S> | undefined {
    if (this.#resolvedVersion !== this.#table.version) this.#reresolve();
    if (!this.#enabled) return undefined;
    const client = `${user}\u0000${clientId}`;
    let resolved = this.#resolved.get(client);
    if (resolved === undefined) {
      resolved = this.#table.resolve(this.quota, user, clientId) ?? null;
      if (this.#resolved.size >= MAX_CACHED_RESOLUTIONS) this.#resolved.clear();
      this.#resolved.set(client, resolved);
    }
    if (resolved === null) return undefined;
    const tags = `${resolved.user}\u0000${resolved.clientId}`;
    let sensor = this.#sensors.get(tags);
    if (sensor === undefined) {
      this.#sweep();
      sensor = {
        user: resolved.user,
        clientId: resolved.clientId,
        rate: this.#newStat(),
        limit: resolved.limit,
        throttleTimeMsTotal: 0,
        throttledCount: 0,
        lastUsed: this.#clock(),
      };
      this.#sensors.set(tags, sensor);
    }
    // A changed quota applies to the sensor's history at once, as Kafka updates the metric's config.
    sensor.limit = resolved.limit;
    return sensor;
  }

  #reresolve(): void {
    this.#resolved.clear();
    this.#resolvedVersion = this.#table.version;
    this.#enabled = this.#table.has(this.quota);
  }

  #sweep(): void {
    const now = this.#clock();
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    for (const [tags, sensor] of this.#sensors) if (now - sensor.lastUsed >= SENSOR_EXPIRY_MS) this.#sensors.delete(tags);
  }
}

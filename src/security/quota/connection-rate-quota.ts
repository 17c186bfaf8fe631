/**
 * `connection_creation_rate` per IP (KIP-612), as Kafka's ConnectionQuotas applies it: each new connection
 * from an address that an `ip` entity (its own or the `<default>` one) limits is counted; one that takes the
 * rate over the limit is not counted and is refused, its socket closed only after the throttle time (at most
 * one quota window) so that a client retrying at once does not turn the refusal into a reconnect storm.
 */
import { QuotaKey } from './client-quota-entity.js';
import type { QuotaTable } from './quota-table.js';
import { type RateWindows, SampledRate } from './sampled-rate.js';

/** An IPv4 client on a dual-stack socket: quotas name it by its IPv4 address. */
const IPV4_MAPPED = '::ffff:';

/** Addresses whose sensors have seen nothing for this long are dropped. */
const SENSOR_EXPIRY_MS = 3_600_000;

export class ConnectionRateQuota {
  readonly #table: QuotaTable;
  readonly #windows: RateWindows;
  readonly #clock: () => number;
  readonly #sensors = new Map<string, { readonly rate: SampledRate; lastUsed: number }>();
  #refused = 0;

  constructor(table: QuotaTable, windows: RateWindows, clock: () => number) {
    this.#table = table;
    this.#windows = windows;
    this.#clock = clock;
  }

  /** Connections refused since start (metrics). */
  get refusedCount(): number {
    return this.#refused;
  }

  /** Counts a new connection from `ip`: 0 to accept it, else the milliseconds to hold it before closing it. */
  admit(address: string): number {
    const ip = address.startsWith(IPV4_MAPPED) ? address.slice(IPV4_MAPPED.length) : address;
    const limit = this.#table.resolveIp(QuotaKey.CONNECTION_CREATION_RATE, ip);
    if (limit === undefined) return 0;
    const now = this.#clock();
    let sensor = this.#sensors.get(ip);
    if (sensor === undefined) {
      this.#expire(now);
      sensor = { rate: new SampledRate(this.#windows), lastUsed: now };
      this.#sensors.set(ip, sensor);
    }
    sensor.lastUsed = now;
    sensor.rate.record(1, now);
    const throttleMs = sensor.rate.throttleTimeMs(limit, now);
    if (throttleMs === 0) return 0;
    sensor.rate.record(-1, now);
    this.#refused++;
    return Math.max(1, Math.min(throttleMs, this.#windows.windowMs));
  }

  #expire(now: number): void {
    for (const [ip, sensor] of this.#sensors) if (now - sensor.lastUsed >= SENSOR_EXPIRY_MS) this.#sensors.delete(ip);
  }
}

/**
 * Kafka's TokenBucket (KIP-599), the measure of controller_mutation_rate: a bucket of `bound` tokens per
 * second, holding at most a burst of `samples × window` seconds' worth (Kafka's controller.quota.window.num
 * × controller.quota.window.size.seconds), full at first; each mutation takes a token and may take it below
 * zero. The quota is exceeded while the bucket is below zero, and the throttle time is how long the refill
 * takes to bring it back to zero (Kafka's ControllerMutationQuotaManager.throttleTimeMs).
 */
import type { RateWindows } from './sampled-rate.js';

export class TokenBucket {
  readonly #burstSeconds: number;
  #tokens: number | undefined;
  #lastMs = 0;

  constructor(windows: RateWindows) {
    this.#burstSeconds = (windows.samples * windows.windowMs) / 1000;
  }

  /** Takes `value` tokens at `now` (negative gives them back), for a quota of `bound` per second. */
  record(value: number, now: number, bound: number): void {
    this.#refill(bound, now);
    this.#tokens = Math.min(bound * this.#burstSeconds, this.#tokens! - value);
  }

  /** The tokens left at `now`. */
  tokens(bound: number, now: number): number {
    this.#refill(bound, now);
    return this.#tokens!;
  }

  /** Milliseconds until the bucket is back at zero (0 when it is not below); a bound of 0 never refills: the whole burst span. */
  throttleTimeMs(bound: number, now: number): number {
    const tokens = this.tokens(bound, now);
    if (tokens >= 0) return 0;
    if (bound <= 0) return this.#burstSeconds * 1000;
    return Math.round((-tokens / bound) * 1000);
  }

  #refill(bound: number, now: number): void {
    const burst = bound * this.#burstSeconds;
    this.#tokens = this.#tokens === undefined ? burst : Math.min(burst, this.#tokens + (bound * (now - this.#lastMs)) / 1000);
    this.#lastMs = now;
  }
}

/**
 * A rate measured over sliding windows, as Kafka's `Rate` over a `SampledTotal` measures quota sensors
 * (Kafka 3.7+'s SampledStat): `samples` windows of `windowMs` each (Kafka's `quota.window.num`, default 11,
 * and `quota.window.size.seconds`, default 1), one more kept so that a window overlapping the measured span
 * still counts; a window whose last recording is older than all the windows together is forgotten. The rate
 * is the total of the kept windows over the time since the oldest began, counted as at least `samples - 1`
 * whole windows so that a burst at start-up is not measured over a few milliseconds. The throttle time is
 * Kafka's (QuotaUtils.throttleTime): how long, recording nothing, until the rate is back at the bound.
 */

export interface RateWindows {
  readonly samples: number;
  readonly windowMs: number;
}

interface Sample {
  start: number;
  lastRecorded: number;
  total: number;
}

export class SampledRate {
  readonly #windows: RateWindows;
  readonly #samples: Sample[] = [];
  #current = 0;

  constructor(windows: RateWindows) {
    this.#windows = windows;
  }

  /** Adds `value` (negative to take back what was recorded) at `now` (ms). */
  record(value: number, now: number): void {
    let sample = this.#currentSample(now);
    if (now - sample.start >= this.#windows.windowMs) sample = this.#advance(now);
    sample.total += value;
    sample.lastRecorded = now;
  }

  /** Units per second at `now`. */
  measure(now: number): number {
    this.#purge(now);
    let total = 0;
    for (const sample of this.#samples) total += sample.total;
    return (total * 1000) / this.windowSizeMs(now);
  }

  /** The time the measured rate is taken over (Kafka's Rate.windowSize). */
  windowSizeMs(now: number): number {
    this.#purge(now);
    const { samples, windowMs } = this.#windows;
    let elapsed = now - this.#oldest(now).start;
    const fullWindows = Math.floor(elapsed / windowMs);
    if (fullWindows < samples - 1) elapsed += (samples - 1 - fullWindows) * windowMs;
    return elapsed;
  }

  /** The most that may be recorded over the measured windows at `bound` per second: `samples - 1` whole windows' worth. */
  maxValueInWindows(bound: number): number {
    return (bound * (this.#windows.samples - 1) * this.#windows.windowMs) / 1000;
  }

  /** Milliseconds to wait, recording nothing, until the rate is down to `bound` (0 when it is not above it). */
  throttleTimeMs(bound: number, now: number): number {
    const rate = this.measure(now);
    if (rate <= bound) return 0;
    const windowMs = this.windowSizeMs(now);
    // A bound of 0 (or below) can never be met: wait out the whole measured window.
    if (bound <= 0) return windowMs;
    return Math.round(((rate - bound) / bound) * windowMs);
  }

  #currentSample(now: number): Sample {
    if (this.#samples.length === 0) this.#samples.push({ start: now, lastRecorded: now, total: 0 });
    return this.#samples[this.#current]!;
  }

  #advance(now: number): Sample {
    this.#current = (this.#current + 1) % (this.#windows.samples + 1);
    let sample = this.#samples[this.#current];
    if (sample === undefined) {
      sample = { start: now, lastRecorded: now, total: 0 };
      this.#samples.push(sample);
    } else {
      reset(sample, now);
    }
    return sample;
  }

  #oldest(now: number): Sample {
    const first = this.#currentSample(now);
    let oldest = first;
    for (const sample of this.#samples) if (sample.start < oldest.start) oldest = sample;
    return oldest;
  }

  /** Windows with nothing recorded within all the windows together count for nothing any more. */
  #purge(now: number): void {
    const expireAfter = this.#windows.samples * this.#windows.windowMs;
    for (const sample of this.#samples) if (now - sample.lastRecorded >= expireAfter) reset(sample, now);
  }
}

function reset(sample: Sample, now: number): void {
  sample.start = now;
  sample.lastRecorded = now;
  sample.total = 0;
}

/**
 * Throughput of a load generator that runs in Node, second by second: the per-second series after the
 * warm-up (what the throughput-over-time charts plot) and a progress line every 5 seconds, as
 * kafka-producer-perf-test prints one. The clock is also read on every `add`: a consumer reading a
 * backlog can go from one resolved promise to the next for seconds without letting a timer run.
 */
import type { SeriesPoint } from './measurement.js';

const TICK_MS = 1000;
const PROGRESS_EVERY_TICKS = 5;
/** How often the timer looks at the clock, for the seconds in which nothing is added. */
const POLL_MS = 100;

export class RateMeter {
  #records = 0;
  #lastRecords = 0;
  #windowRecords = 0;
  #windowStart: number;
  #lastTick: number;
  #ticks = 0;
  readonly #series: SeriesPoint[] = [];
  readonly #timer: NodeJS.Timeout;

  /** `start` and `warmupEnd` are performance.now() times; `verb` names what is counted ("sent", "consumed"). */
  constructor(
    private readonly start: number,
    private readonly warmupEnd: number,
    private readonly recordSize: number,
    private readonly verb: string,
    private readonly onLine?: (line: string) => void,
  ) {
    this.#windowStart = this.#lastTick = start;
    this.#timer = setInterval(() => this.#maybeTick(), POLL_MS);
  }

  add(records: number): void {
    this.#records += records;
    this.#maybeTick();
  }

  /** Stops the clock; the series of the seconds after the warm-up. */
  stop(): SeriesPoint[] {
    clearInterval(this.#timer);
    return this.#series;
  }

  #maybeTick(): void {
    const now = performance.now();
    if (now - this.#lastTick >= TICK_MS) this.#tick(now);
  }

  #tick(now: number): void {
    const rate = ((this.#records - this.#lastRecords) * 1000) / (now - this.#lastTick);
    if (now > this.warmupEnd) this.#series.push({ t: (now - this.start) / 1000, recordsPerSec: rate, mbPerSec: this.#mb(rate) });
    this.#lastTick = now;
    this.#lastRecords = this.#records;
    if (++this.#ticks % PROGRESS_EVERY_TICKS !== 0) return;
    const records = this.#records - this.#windowRecords;
    const windowRate = (records * 1000) / (now - this.#windowStart);
    this.onLine?.(`${records} records ${this.verb}, ${windowRate.toFixed(1)} records/sec (${this.#mb(windowRate).toFixed(2)} MB/sec)`);
    this.#windowRecords = this.#records;
    this.#windowStart = now;
  }

  #mb(recordsPerSec: number): number {
    return (recordsPerSec * this.recordSize) / 1048576;
  }
}

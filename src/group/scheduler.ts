/**
 * Time for the group coordinator: a clock and one-shot timers behind an interface, so the state machine's
 * session, rebalance and initial-delay timeouts can be driven by a fake clock in tests instead of sleeping.
 */

/** Cancels a scheduled callback; calling it after the callback ran does nothing. */
export type Cancel = () => void;

export interface Scheduler {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `delayMs`; timers never keep the process alive. */
  schedule(delayMs: number, fn: () => void): Cancel;
}

/** Wall-clock time and Node timers, unref'd so a broker shutting down is not held open by a session timer. */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(delayMs, fn) {
    const timer = setTimeout(fn, delayMs);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

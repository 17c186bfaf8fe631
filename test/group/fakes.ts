/**
 * Test doubles for the group coordinator: a fake clock that fires timers on demand, an in-memory
 * __consumer_offsets, and the settings and topics of the tests that vary neither.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { GroupCoordinatorConfig } from '../../src/group/group-coordinator.js';
import type { Cancel, Scheduler } from '../../src/group/scheduler.js';
import type { CoordinatorLog, CoordinatorLogRecord } from '../../src/group/offset-store.js';

interface Timer {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export class FakeScheduler implements Scheduler {
  #now = 1_700_000_000_000;
  #seq = 0;
  #timers: Timer[] = [];

  now(): number {
    return this.#now;
  }

  schedule(delayMs: number, fn: () => void): Cancel {
    const timer: Timer = { due: this.#now + delayMs, seq: this.#seq++, fn, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      const next = this.#timers.filter((t) => t.due <= target).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = next.due;
      next.fn();
      await settle();
    }
    this.#now = target;
  }

  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }
}

/** Lets every promise chain that is ready run to completion. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextTurn();
}

/** __consumer_offsets in memory: appends are kept in order, with their partition, and can be made to fail. */
export class MemoryCoordinatorLog implements CoordinatorLog {
  readonly records: (CoordinatorLogRecord & { readonly partition: number })[] = [];
  failWith: Error | null = null;

  async append(partition: number, records: readonly CoordinatorLogRecord[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.records.push(...records.map((r) => ({ ...r, partition })));
  }

  async replay(partition: number, visit: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    for (const r of this.records) if (r.partition === partition) visit(r.key, r.value);
  }
}

/** The coordinator's settings at Kafka's defaults, but for groups of at most 1,000 members. */
export const COORDINATOR_CONFIG: GroupCoordinatorConfig = {
  initialRebalanceDelayMs: 3000,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  maxGroupSize: 1000,
  offsetsRetentionMs: 7 * 24 * 3600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
};

/** Topics in which every partition exists and holds 100 records. */
export const TOPICS_OF_100 = { partitionExists: () => true, logEndOffset: () => 100n };

/**
 * What a fault run records, as plain JSON-ready data: every produce attempt with its outcome and offset,
 * every record read back, each replica's batches up to the high watermark, and when each fault began and
 * healed. Record values name their producer and sequence (`producer:sequence`).
 */

export type Outcome = 'acked' | 'failed';

export interface ProduceAttempt {
  readonly producer: string;
  readonly sequence: number;
  readonly topic: string;
  readonly partition: number;
  readonly outcome: Outcome;
  /** The offset the broker acknowledged (acked only). */
  readonly offset?: number;
  /** Why it failed (an error name or code), for the report. */
  readonly error?: string;
  /** Milliseconds since the run began. */
  readonly sentAt: number;
  readonly doneAt: number;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
  /** Which read it came from (a consumer, or the final read-back): two reads may see one offset. */
  readonly reader?: string;
}

export interface ReplicaBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** The batch's bytes, hex. */
  readonly bytes: string;
}

export interface ReplicaLog {
  readonly nodeId: number;
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: number;
  readonly batches: readonly ReplicaBatch[];
}

export interface FaultWindow {
  /** The kind of fault (`sigkill`, `partition-leader`, ...): unavailability is summarised per kind. */
  readonly kind: string;
  readonly target?: string;
  readonly startedAt: number;
  readonly healedAt: number;
  /** A SIGTERMed broker's exit: its code (or the signal that ended it) and how long after SIGTERM. */
  readonly exit?: { readonly status: number | string; readonly afterMs: number };
}

export interface History {
  readonly attempts: readonly ProduceAttempt[];
  readonly consumed: readonly ConsumedRecord[];
  readonly replicas: readonly ReplicaLog[];
  readonly faults: readonly FaultWindow[];
  /** Milliseconds since the run began when the workload stopped. */
  readonly endedAt: number;
}

export function recordValue(producer: string, sequence: number): string {
  return `${producer}:${sequence}`;
}

/** The producer and sequence a value names, or undefined for a value the workload did not write. */
export function parseRecordValue(value: string): { producer: string; sequence: number } | undefined {
  const colon = value.lastIndexOf(':');
  const sequence = Number(value.slice(colon + 1));
  if (colon <= 0 || !Number.isSafeInteger(sequence)) return undefined;
  return { producer: value.slice(0, colon), sequence };
}

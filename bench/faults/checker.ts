/**
 * Judges a fault run's history after healing: acknowledged records lost, records duplicated or reordered
 * within a partition, offsets holding two values (or an acked record found elsewhere than its acked
 * offset), replicas that differ below the high watermark, and how long writes were unavailable per fault.
 */
import { median } from '../lib/stats.js';
import { type ConsumedRecord, type FaultWindow, type History, type ProduceAttempt, type ReplicaLog, parseRecordValue, recordValue } from './history.js';

export interface Unavailability {
  readonly faults: number;
  readonly p50Ms: number;
  readonly maxMs: number;
}

type Anomaly = 'lost' | 'duplicated' | 'reordered' | 'inconsistentOffsets' | 'divergentReplicas';

export interface CheckReport extends Readonly<Record<Anomaly, number>> {
  readonly attempted: number;
  readonly acked: number;
  readonly failed: number;
  /** Distinct values read back. */
  readonly consumed: number;
  /** Per fault kind: the longest write gap of any partition around each fault, p50 and max over the faults. */
  readonly unavailability: Readonly<Record<string, Unavailability>>;
  /** Up to ten instances of each anomaly, to start an investigation from. */
  readonly examples: Readonly<Record<Anomaly, readonly string[]>>;
  /** Every anomaly count is zero. */
  readonly ok: boolean;
}

const EXAMPLES = 10;

class Findings {
  count = 0;
  readonly examples: string[] = [];
  add(example: string): void {
    this.count++;
    if (this.examples.length < EXAMPLES) this.examples.push(example);
  }
}

const at = (topic: string, partition: number, offset?: number): string => `${topic}/${partition}@${offset ?? '?'}`;

export function check(history: History): CheckReport {
  const acked = history.attempts.filter((a) => a.outcome === 'acked');
  const valuesAt = new Map<string, Set<string>>();
  const placesOf = new Map<string, Set<string>>();
  for (const record of history.consumed) {
    const place = at(record.topic, record.partition, record.offset);
    getOrAdd(valuesAt, place).add(record.value);
    getOrAdd(placesOf, record.value).add(place);
  }

  const findings: Record<Anomaly, Findings> = {
    lost: new Findings(),
    duplicated: new Findings(),
    reordered: new Findings(),
    inconsistentOffsets: new Findings(),
    divergentReplicas: new Findings(),
  };
  for (const [place, values] of valuesAt) if (values.size > 1) findings.inconsistentOffsets.add(`${place} holds ${[...values].join(', ')}`);
  for (const attempt of acked) {
    const value = recordValue(attempt.producer, attempt.sequence);
    const ackedAt = at(attempt.topic, attempt.partition, attempt.offset);
    const places = placesOf.get(value);
    if (!places) {
      const there = valuesAt.get(ackedAt);
      findings.lost.add(`${value} acked at ${ackedAt}, ${there ? `which holds ${[...there].join(', ')}` : 'never read'}`);
    } else if (attempt.offset !== undefined && !places.has(ackedAt))
      findings.inconsistentOffsets.add(`${value} acked at ${ackedAt}, read at ${[...places].join(', ')}`);
  }
  for (const [value, places] of placesOf) if (places.size > 1) findings.duplicated.add(`${value} at ${[...places].join(', ')}`);
  findReordering(history.consumed, findings.reordered);
  findDivergence(history.replicas, findings.divergentReplicas);

  const counts = Object.fromEntries(Object.entries(findings).map(([name, f]) => [name, f.count])) as Record<Anomaly, number>;
  return {
    attempted: history.attempts.length,
    acked: acked.length,
    failed: history.attempts.length - acked.length,
    consumed: placesOf.size,
    ...counts,
    unavailability: unavailability(acked, history.faults, history.endedAt),
    examples: Object.fromEntries(Object.entries(findings).map(([name, f]) => [name, f.examples])) as Record<Anomaly, string[]>,
    ok: Object.values(counts).every((count) => count === 0),
  };
}

function getOrAdd<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}

/** Appends in place: copying the list on each add made the check quadratic (minutes for a 10-minute soak's acks). */
function getOrAddList<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/** A producer's records in one partition must appear in the order of their sequences. */
function findReordering(consumed: readonly ConsumedRecord[], findings: Findings): void {
  const partitions = new Map<string, Map<number, string>>();
  for (const record of consumed) {
    const key = `${record.topic}/${record.partition}`;
    let offsets = partitions.get(key);
    if (!offsets) partitions.set(key, (offsets = new Map()));
    // One value per offset (two are an inconsistency, reported as such): the first read wins.
    if (!offsets.has(record.offset)) offsets.set(record.offset, record.value);
  }
  for (const [partition, offsets] of partitions) {
    const highest = new Map<string, { sequence: number; offset: number }>();
    for (const offset of [...offsets.keys()].sort((a, b) => a - b)) {
      const named = parseRecordValue(offsets.get(offset)!);
      if (!named) continue;
      const previous = highest.get(named.producer);
      if (previous && named.sequence < previous.sequence) {
        findings.add(`${partition}@${offset}: ${named.producer}:${named.sequence} after ${named.producer}:${previous.sequence} at ${previous.offset}`);
      } else {
        highest.set(named.producer, { sequence: named.sequence, offset });
      }
    }
  }
}

/** Every replica of a partition holds the same batches, byte for byte, below the lowest high watermark. */
function findDivergence(replicas: readonly ReplicaLog[], findings: Findings): void {
  const byPartition = new Map<string, ReplicaLog[]>();
  for (const replica of replicas) {
    const key = `${replica.topic}/${replica.partition}`;
    getOrAddList(byPartition, key).push(replica);
  }
  for (const [partition, logs] of byPartition) {
    if (logs.length < 2) continue;
    const highWatermark = Math.min(...logs.map((log) => log.highWatermark));
    const committed = (log: ReplicaLog): string[] => log.batches.filter((b) => b.lastOffset < highWatermark).map((b) => `${b.baseOffset}:${b.bytes}`);
    const [reference, ...others] = logs;
    const expected = committed(reference!);
    for (const other of others) {
      const actual = committed(other);
      const differsAt = firstDifference(expected, actual);
      if (differsAt !== undefined) {
        const offset = (expected[differsAt] ?? actual[differsAt])!.split(':')[0];
        findings.add(
          `${partition}: node ${other.nodeId} differs from node ${reference!.nodeId} at the batch of offset ${offset} (high watermark ${highWatermark})`,
        );
      }
    }
  }
}

function firstDifference(a: readonly string[], b: readonly string[]): number | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return undefined;
}

/**
 * For each fault, the longest time a partition went without an acknowledged write, over the gaps that
 * overlap the fault (from its start to the next fault's, or the run's end); a partition with no ack after
 * the fault counts until the run's end.
 */
function unavailability(acked: readonly ProduceAttempt[], faults: readonly FaultWindow[], endedAt: number): Record<string, Unavailability> {
  const acksByPartition = new Map<string, number[]>();
  for (const a of acked) {
    const key = `${a.topic}/${a.partition}`;
    getOrAddList(acksByPartition, key).push(a.doneAt);
  }
  for (const times of acksByPartition.values()) times.sort((a, b) => a - b);
  const ordered = [...faults].sort((a, b) => a.startedAt - b.startedAt);
  const gapsByKind = new Map<string, number[]>();
  ordered.forEach((fault, i) => {
    const until = ordered[i + 1]?.startedAt ?? endedAt;
    let longest = 0;
    for (const times of acksByPartition.values()) longest = Math.max(longest, longestGap(times, fault.startedAt, until, endedAt));
    getOrAddList(gapsByKind, fault.kind).push(longest);
  });
  return Object.fromEntries(
    [...gapsByKind].map(([kind, gaps]) => [kind, { faults: gaps.length, p50Ms: Math.round(median(gaps)), maxMs: Math.round(Math.max(...gaps)) }]),
  );
}

function longestGap(acks: readonly number[], from: number, until: number, endedAt: number): number {
  const events = [...acks, endedAt];
  let longest = 0;
  let previous = acks.filter((t) => t <= from).at(-1) ?? from;
  for (const t of events) {
    if (t <= from) continue;
    longest = Math.max(longest, t - previous);
    previous = t;
    if (t >= until) break;
  }
  return longest;
}

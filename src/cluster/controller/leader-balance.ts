/**
 * Kafka's automatic preferred-leader balance (its controller's checkAndTriggerAutoLeaderRebalance): for each
 * broker, the share of the partitions whose preferred (first) replica it is that another broker leads; a
 * broker above `leader.imbalance.per.broker.percentage` gets back those it can lead now (live, not shutting
 * down, in the ISR). Partitions being reassigned are left out: their replicas are about to change.
 */
import type { PartitionState } from '../store/shared-metadata.js';
import { ElectionType, electRequested } from './partition-election.js';
import { reassignmentInProgress } from './partition-reassignment.js';

export interface BalancedPartition<P> {
  readonly partition: P;
  readonly state: PartitionState;
}

/** The partitions whose preferred replica should lead again, of brokers whose imbalance is above `percentage`. */
export function imbalancedPartitions<P>(
  partitions: Iterable<BalancedPartition<P>>,
  brokers: { readonly live: ReadonlySet<number>; readonly shuttingDown: ReadonlySet<number> },
  percentage: number,
): P[] {
  const byPreferred = new Map<number, { total: number; misled: BalancedPartition<P>[] }>();
  for (const entry of partitions) {
    const preferred = entry.state.replicas[0];
    if (preferred === undefined || reassignmentInProgress(entry.state)) continue;
    const counts = byPreferred.get(preferred) ?? { total: 0, misled: [] };
    counts.total++;
    if (entry.state.leader !== preferred) counts.misled.push(entry);
    byPreferred.set(preferred, counts);
  }
  const candidates: P[] = [];
  for (const { total, misled } of byPreferred.values()) {
    if (misled.length / total <= percentage / 100) continue;
    for (const { partition, state } of misled) {
      if (typeof electRequested(ElectionType.PREFERRED, { state, ...brokers }) !== 'number') candidates.push(partition);
    }
  }
  return candidates;
}

/**
 * Where the replicas of new partitions go, by Kafka's rules (AdminUtils.assignReplicasToBrokers): the
 * first replicas go round robin over the brokers (sorted by id) from a start index, the others follow at a
 * shift that grows each time the round robin wraps, so leaders and followers both spread evenly. When the
 * brokers have racks the brokers are listed alternating between racks and each partition takes a broker
 * of every rack before it takes two of one; a broker without `broker.rack` counts as a rack of its own (as
 * KRaft's placer does), where the ZooKeeper-era tool refused the mix. A client's own assignment is checked
 * by the same module, with the rules of Kafka's controller.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';

export interface PlacementBroker {
  readonly nodeId: number;
  readonly rack: string | null;
}

export interface Placement {
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** Index in the (rack-alternated) broker list of the first partition's leader; random for a new topic. */
  readonly startIndex: number;
  /** Shift of the followers from their leader; random for a new topic. */
  readonly replicaShift: number;
  /** The first partition placed (the current count when partitions are added). */
  readonly firstPartition?: number;
}

/** The replicas of each new partition, the leader first; INVALID_REPLICATION_FACTOR when there are too few brokers. */
export function placeReplicas(brokers: readonly PlacementBroker[], placement: Placement): number[][] {
  const { numPartitions, replicationFactor } = placement;
  if (replicationFactor < 1) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'replication factor must be at least 1');
  if (replicationFactor > brokers.length) {
    throw new KafkaError(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `replication factor ${replicationFactor} is larger than the ${brokers.length} available broker(s)`,
    );
  }
  const racked = brokers.some((b) => b.rack !== null);
  const arranged = racked ? rackAlternated(brokers) : [...brokers].sort((a, b) => a.nodeId - b.nodeId);
  const rackCount = new Set(arranged.map(rackOf)).size;
  const count = arranged.length;
  const startIndex = modulo(placement.startIndex, count);
  let shift = modulo(placement.replicaShift, count);
  const assignment: number[][] = [];
  for (let partition = placement.firstPartition ?? 0, placed = 0; placed < numPartitions; partition++, placed++) {
    if (partition > 0 && partition % count === 0) shift++;
    const first = (partition + startIndex) % count;
    const leader = arranged[first]!;
    const replicas = [leader];
    const racks = new Set([rackOf(leader)]);
    for (let k = 0; replicas.length < replicationFactor; k++) {
      // Without racks every broker is its own rack, and this takes the k-th candidate at once.
      const candidate = arranged[followerIndex(first, racked ? shift * rackCount : shift, k, count)]!;
      const newRack = !racks.has(rackOf(candidate)) || racks.size === rackCount;
      if (!racked || (newRack && !replicas.includes(candidate))) {
        replicas.push(candidate);
        racks.add(rackOf(candidate));
      }
    }
    assignment.push(replicas.map((b) => b.nodeId));
  }
  return assignment;
}

/** Kafka's replicaIndex: a follower's place, never the leader's. */
function followerIndex(first: number, shift: number, k: number, count: number): number {
  return (first + 1 + ((shift + k) % (count - 1))) % count;
}

/** Brokers taken one rack at a time (racks in name order, brokers of a rack by id): rack a, b, c, a, b, c... */
function rackAlternated(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const byRack = new Map<string, PlacementBroker[]>();
  for (const broker of brokers) byRack.set(rackOf(broker), [...(byRack.get(rackOf(broker)) ?? []), broker]);
  const queues = [...byRack.keys()].sort().map((rack) => byRack.get(rack)!.sort((a, b) => a.nodeId - b.nodeId));
  const arranged: PlacementBroker[] = [];
  for (let round = 0; arranged.length < brokers.length; round++) {
    for (const queue of queues) if (round < queue.length) arranged.push(queue[round]!);
  }
  return arranged;
}

/** A broker without a rack is alone in a rack named after it. */
function rackOf(broker: PlacementBroker): string {
  return broker.rack ?? `\0${broker.nodeId}`;
}

function modulo(value: number, count: number): number {
  return ((value % count) + count) % count;
}

/**
 * Checks replicas a client chose (CreateTopics and CreatePartitions assignments): every partition with
 * `replicationFactor` distinct replicas, all of them live brokers; INVALID_REPLICA_ASSIGNMENT otherwise.
 */
export function checkAssignment(brokers: readonly PlacementBroker[], assignment: readonly (readonly number[])[], replicationFactor: number): void {
  const live = new Set(brokers.map((b) => b.nodeId));
  assignment.forEach((replicas, index) => {
    const refuse = (why: string) => new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${index} of the assignment ${why}`);
    if (replicas.length === 0) throw refuse('has no replicas');
    if (replicas.length !== replicationFactor) throw refuse(`has ${replicas.length} replicas where every partition must have ${replicationFactor}`);
    if (new Set(replicas).size !== replicas.length) throw refuse(`names a broker twice: ${replicas.join(', ')}`);
    const unknown = replicas.filter((id) => !live.has(id));
    if (unknown.length > 0) throw refuse(`names broker(s) ${unknown.join(', ')}, which are not live`);
  });
}

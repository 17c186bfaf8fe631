// Replica placement by Kafka's rules: round robin with shifted followers, rack awareness, RF checks.
import { describe, expect, it } from 'vitest';
import { type PlacementBroker, checkAssignment, placeReplicas } from '../../src/cluster/replica-placement.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';

function brokers(count: number, rack: (nodeId: number) => string | null = () => null): PlacementBroker[] {
  return Array.from({ length: count }, (_, nodeId) => ({ nodeId, rack: rack(nodeId) }));
}

function counts(values: readonly number[]): Map<number, number> {
  const byValue = new Map<number, number>();
  for (const value of values) byValue.set(value, (byValue.get(value) ?? 0) + 1);
  return byValue;
}

describe('replica placement', () => {
  it("places 10 partitions of RF 3 on 5 brokers as Kafka's AdminUtilsTest expects from start index 0", () => {
    expect(placeReplicas(brokers(5), { numPartitions: 10, replicationFactor: 3, startIndex: 0, replicaShift: 0 })).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 0],
      [4, 0, 1],
      [0, 2, 3],
      [1, 3, 4],
      [2, 4, 0],
      [3, 0, 1],
      [4, 1, 2],
    ]);
  });

  it('spreads leaders and replicas evenly, never two replicas of a partition on one broker', () => {
    for (let start = 0; start < 6; start++) {
      const assignment = placeReplicas(brokers(6), { numPartitions: 12, replicationFactor: 3, startIndex: start, replicaShift: start + 1 });
      expect([...counts(assignment.map((r) => r[0]!)).values()]).toEqual([2, 2, 2, 2, 2, 2]);
      expect([...counts(assignment.flat()).values()]).toEqual([6, 6, 6, 6, 6, 6]);
      for (const replicas of assignment) expect(new Set(replicas).size).toBe(3);
    }
  });

  it('is a function of the start index and shift: the same inputs place the same way, another start elsewhere', () => {
    const spec = { numPartitions: 6, replicationFactor: 2, startIndex: 2, replicaShift: 1 };
    expect(placeReplicas(brokers(3), spec)).toEqual(placeReplicas([...brokers(3)].reverse(), spec));
    expect(placeReplicas(brokers(3), spec)[0]![0]).toBe(2);
    expect(placeReplicas(brokers(3), { ...spec, startIndex: 0 })[0]![0]).toBe(0);
  });

  it("continues the leaders' round robin for added partitions from the first new partition", () => {
    const whole = placeReplicas(brokers(4), { numPartitions: 8, replicationFactor: 2, startIndex: 1, replicaShift: 1 });
    const added = placeReplicas(brokers(4), { numPartitions: 3, replicationFactor: 2, startIndex: 1, replicaShift: 1, firstPartition: 5 });
    expect(added.map((r) => r[0])).toEqual(whole.slice(5).map((r) => r[0]));
    for (const replicas of added) expect(new Set(replicas).size).toBe(2);
  });

  it('puts the replicas of a partition on different racks, with leaders spread over every broker', () => {
    const rackOf = (id: number) => ['a', 'b', 'b', 'c', 'c', 'a'][id]!;
    const assignment = placeReplicas(brokers(6, rackOf), { numPartitions: 12, replicationFactor: 3, startIndex: 0, replicaShift: 0 });
    for (const replicas of assignment) expect(new Set(replicas.map(rackOf)).size).toBe(3);
    expect([...counts(assignment.map((r) => r[0]!)).values()]).toEqual([2, 2, 2, 2, 2, 2]);
    expect([...counts(assignment.flat()).values()]).toEqual([6, 6, 6, 6, 6, 6]);
    // Kafka's rack-alternated order: rack a, b, c, a, b, c (brokers 0, 1, 3, 5, 2, 4).
    expect(assignment.slice(0, 6).map((r) => r[0])).toEqual([0, 1, 3, 5, 2, 4]);
  });

  it('uses every rack before doubling up when RF exceeds the racks', () => {
    const rackOf = (id: number) => (id < 2 ? 'a' : 'b');
    const assignment = placeReplicas(brokers(4, rackOf), { numPartitions: 8, replicationFactor: 3, startIndex: 3, replicaShift: 2 });
    for (const replicas of assignment) {
      expect(new Set(replicas).size).toBe(3);
      expect(new Set(replicas.slice(0, 2).map(rackOf)).size).toBe(2);
    }
  });

  it('refuses a replication factor above the broker count or below 1 with INVALID_REPLICATION_FACTOR', () => {
    const codeOf = (replicationFactor: number) => {
      try {
        placeReplicas(brokers(3), { numPartitions: 1, replicationFactor, startIndex: 0, replicaShift: 0 });
      } catch (error) {
        return error instanceof KafkaError ? error.code : error;
      }
      return ErrorCode.NONE;
    };
    expect(codeOf(4)).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(codeOf(0)).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(codeOf(3)).toBe(ErrorCode.NONE);
  });

  it("checks a client's own assignment: distinct live brokers, the same replication factor everywhere", () => {
    const codeOf = (assignment: number[][], replicationFactor: number) => {
      try {
        checkAssignment(brokers(3), assignment, replicationFactor);
      } catch (error) {
        return error instanceof KafkaError ? error.code : error;
      }
      return ErrorCode.NONE;
    };
    expect(
      codeOf(
        [
          [0, 1],
          [2, 0],
        ],
        2,
      ),
    ).toBe(ErrorCode.NONE);
    expect(codeOf([[0, 1], [2]], 2)).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(codeOf([[0, 0]], 2)).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(codeOf([[0, 3]], 2)).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(codeOf([[]], 0)).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });
});

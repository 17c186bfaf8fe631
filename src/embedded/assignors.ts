/**
 * Client-side partition assignors for gregor's own in-process group members (the broker stays neutral: a
 * group's leader assigns, whoever it is). When an embedded member leads a group that also has Kafka clients,
 * it must assign for them too, under a protocol name they offered: Kafka's `range` and `roundrobin` (Java,
 * librdkafka) and kafkajs's `RoundRobinAssigner`, which is round robin under another name.
 */

export interface Subscriber {
  readonly memberId: string;
  readonly topics: readonly string[];
}

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: number[];
}

export type Assignor = (members: readonly Subscriber[], partitionCount: (topic: string) => number) => Map<string, TopicPartitions[]>;

/** Kafka's RangeAssignor: per topic, members in id order take contiguous ranges; the first ones take one extra. */
export const range: Assignor = (members, partitionCount) => {
  const out = emptyAssignment(members);
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const subscribers = members
      .filter((m) => m.topics.includes(topic))
      .map((m) => m.memberId)
      .sort();
    const count = partitionCount(topic);
    const each = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    let next = 0;
    subscribers.forEach((memberId, i) => {
      const take = each + (i < extra ? 1 : 0);
      if (take > 0) out.get(memberId)!.push({ topic, partitions: Array.from({ length: take }, (_, k) => next + k) });
      next += take;
    });
  }
  return out;
};

/** Kafka's RoundRobinAssignor: every topic-partition in order goes to the next member (in id order) subscribed to its topic. */
export const roundRobin: Assignor = (members, partitionCount) => {
  const out = emptyAssignment(members);
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  let cursor = 0;
  for (const topic of topics) {
    for (let partition = 0; partition < partitionCount(topic); partition++) {
      for (let tried = 0; tried < sorted.length; tried++) {
        const member = sorted[cursor++ % sorted.length]!;
        if (!member.topics.includes(topic)) continue;
        const owned = out.get(member.memberId)!;
        const entry = owned.find((tp) => tp.topic === topic);
        if (entry) entry.partitions.push(partition);
        else owned.push({ topic, partitions: [partition] });
        break;
      }
    }
  }
  return out;
};

/** Protocol names an in-process member offers, in its order of preference, with the assignor for each. */
export const ASSIGNORS: ReadonlyMap<string, Assignor> = new Map([
  ['range', range],
  ['roundrobin', roundRobin],
  ['RoundRobinAssigner', roundRobin],
]);

function emptyAssignment(members: readonly Subscriber[]): Map<string, TopicPartitions[]> {
  return new Map(members.map((m) => [m.memberId, []]));
}

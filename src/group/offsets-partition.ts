/**
 * Which `__consumer_offsets` partition holds a group, and so which broker coordinates it: Kafka's
 * `Utils.abs(groupId.hashCode) % numPartitions`, with Java's String.hashCode over UTF-16 code units and
 * Kafka's abs (`& 0x7fffffff`, so Integer.MIN_VALUE maps to 0), so gregor and Kafka place a group alike.
 */

/** Java's String.hashCode: s[0]·31^(n-1) + … + s[n-1], in 32-bit two's complement. */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  return hash;
}

export function offsetsPartitionFor(groupId: string, numPartitions: number): number {
  return (javaStringHashCode(groupId) & 0x7fffffff) % numPartitions;
}

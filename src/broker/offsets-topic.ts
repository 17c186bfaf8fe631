/**
 * Creates `__consumer_offsets` with Kafka's settings: compacted, `offsets.topic.segment.bytes` segments,
 * `offsets.topic.replication.factor` replicas capped at the live brokers, and in a cluster
 * `offsets.topic.num.partitions` partitions. A single node makes one partition unless that setting is
 * given: every group would land on the same broker anyway, and 50 logs cost a fresh node's start and its
 * file handles for nothing. Once the topic exists its partition count is what counts (the group → partition
 * hash uses it), so data dirs made with one partition keep working.
 */
import { ConfigSource } from '../config/config-def.js';
import { OFFSETS_TOPIC } from '../group/coordinator-log.js';
import type { CoreServices } from '../services/broker-services.js';

/** The creation, shared by concurrent callers (FindCoordinators arriving together) until it settles. */
export function offsetsTopicCreator({ config, metadata }: CoreServices): () => Promise<void> {
  let creating: Promise<void> | undefined;
  return () => {
    if (metadata.topic(OFFSETS_TOPIC)) return Promise.resolve();
    creating ??= (async () => {
      const partitionsSet = config.entry('offsets.topic.num.partitions').source !== ConfigSource.DEFAULT_CONFIG;
      await metadata.ensureTopic(OFFSETS_TOPIC, {
        numPartitions: metadata.clustered || partitionsSet ? config.int('offsets.topic.num.partitions') : 1,
        replicationFactor: Math.max(1, Math.min(config.int('offsets.topic.replication.factor'), metadata.brokers().length)),
        configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(config.int('offsets.topic.segment.bytes')), 'compression.type': 'producer' },
        internal: true,
      });
    })().finally(() => {
      creating = undefined;
    });
    return creating;
  };
}

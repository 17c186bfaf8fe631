/**
 * Starts the consumer-group layer over the broker's core services: creates the internal compacted topic
 * `__consumer_offsets` if needed (Kafka's settings: compaction, `offsets.topic.segment.bytes` segments),
 * replays it into a GroupCoordinator and hands that to the broker, which gives it to the group handlers
 * and to in-process users (the embedded consumer joins groups through the same coordinator).
 */
import type { CoreServices } from '../server/handler.js';
import { OFFSETS_PARTITION, OFFSETS_TOPIC, ReplicaCoordinatorLog } from './coordinator-log.js';
import { GroupCoordinator, type TopicView, groupCoordinatorConfig } from './group-coordinator.js';

declare module '../server/handler.js' {
  interface GroupServices {
    readonly groupCoordinator: GroupCoordinator;
  }
}

export async function startGroups(core: CoreServices): Promise<{ groupCoordinator: GroupCoordinator; close(): Promise<void> }> {
  const { config, metadata, replicaManager } = core;
  await metadata.ensureTopic(OFFSETS_TOPIC, {
    numPartitions: OFFSETS_PARTITION + 1,
    replicationFactor: config.int('offsets.topic.replication.factor'),
    configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(config.int('offsets.topic.segment.bytes')), 'compression.type': 'producer' },
    internal: true,
  });
  const topics: TopicView = {
    partitionExists: (topic, partition) => replicaManager.partition(topic, partition) !== undefined,
    logEndOffset: (topic, partition) => replicaManager.partition(topic, partition)?.highWatermark,
  };
  const groupCoordinator = new GroupCoordinator({ config: groupCoordinatorConfig(config), log: new ReplicaCoordinatorLog(replicaManager), topics });
  await groupCoordinator.start();
  return {
    groupCoordinator,
    async close() {
      groupCoordinator.shutdown();
    },
  };
}

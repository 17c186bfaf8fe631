/**
 * Starts the consumer-group layer over the broker's core services: creates the internal compacted topic
 * `__consumer_offsets` if needed (Kafka's settings: compaction, `offsets.topic.segment.bytes` segments),
 * replays it into a GroupCoordinator and hands that to the broker, which gives it to the group handlers
 * and to in-process users (the embedded consumer joins groups through the same coordinator).
 */
import { OFFSETS_PARTITION, OFFSETS_TOPIC, ReplicaCoordinatorLog } from '../group/coordinator-log.js';
import { GroupCoordinator, type TopicView, groupCoordinatorConfig } from '../group/group-coordinator.js';
import type { CoreServices, GroupServices } from '../services/broker-services.js';

/** The group layer as the broker runs it: its services, and `close`, which runs before the logs close. */
export interface GroupLayer extends GroupServices {
  close(): Promise<void>;
}

export async function startGroups(core: CoreServices): Promise<GroupLayer> {
  const { config, metadata, replicaManager } = core;
  await metadata.ensureTopic(OFFSETS_TOPIC, {
    numPartitions: OFFSETS_PARTITION + 1,
    replicationFactor: config.int('offsets.topic.replication.factor'),
    configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(config.int('offsets.topic.segment.bytes')), 'compression.type': 'producer' },
    internal: true,
  });
  const topics: TopicView = {
    // A partition led by another broker exists too: the coordinator takes commits for the whole cluster.
    partitionExists: (topic, partition) => metadata.topic(topic)?.partitions[partition] !== undefined,
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

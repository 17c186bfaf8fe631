/**
 * Starts the consumer-group layer over the broker's core services: a GroupCoordinator over
 * `__consumer_offsets` that follows which of the topic's partitions this broker leads (Kafka's
 * onElection/onResignation, hooked to the metadata's partition changes, after the ReplicaManager has taken
 * its new role), and hands it to the broker, which gives it to the group handlers and to in-process users
 * (the embedded consumer joins groups through the same coordinator).
 */
import type { Logger } from 'pino';
import type { ClusterMetadata, MetadataListener, TopicInfo } from '../cluster/cluster-metadata.js';
import { OFFSETS_TOPIC, ReplicaCoordinatorLog } from '../group/coordinator-log.js';
import { GroupCoordinator, type OffsetsPartitionLeadership, type TopicView, groupCoordinatorConfig } from '../group/group-coordinator.js';
import type { CoreServices, GroupServices } from '../services/broker-services.js';
import { offsetsTopicCreator } from './offsets-topic.js';

/** The group layer as the broker runs it: its services, and `close`, which runs before the logs close. */
export interface GroupLayer extends GroupServices {
  close(): Promise<void>;
}

export async function startGroups(core: CoreServices, logger?: Logger): Promise<GroupLayer> {
  const { config, metadata, replicaManager } = core;
  const ensureOffsetsTopic = offsetsTopicCreator(core);
  // A single node has its topic from the start; a cluster's is created once a client looks for a
  // coordinator, as Kafka does, when the brokers that will hold its replicas have registered.
  if (!metadata.clustered) await ensureOffsetsTopic();
  const topics: TopicView = {
    // A partition led by another broker exists too: the coordinator takes commits for any partition.
    partitionExists: (topic, partition) => metadata.topic(topic)?.partitions[partition] !== undefined,
    logEndOffset: (topic, partition) => replicaManager.partition(topic, partition)?.highWatermark,
  };
  const groupCoordinator = new GroupCoordinator({
    config: groupCoordinatorConfig(config),
    log: new ReplicaCoordinatorLog(replicaManager),
    topics,
    partitionCount: () => metadata.topic(OFFSETS_TOPIC)?.partitions.length ?? 0,
    onLoadFailure: (partition, error) => logger?.error({ err: error, partition }, 'could not load the groups of a __consumer_offsets partition'),
  });
  await groupCoordinator.start([]);
  await metadata.subscribe(followLeadership(groupCoordinator, metadata));
  // What this broker leads now is replayed before it serves: a single node's groups are there once it started.
  await Promise.all(ledPartitions(metadata).map(({ partition, leaderEpoch }) => groupCoordinator.onElection(partition, leaderEpoch)));
  return {
    groupCoordinator,
    async ensureOffsetsTopic() {
      await ensureOffsetsTopic();
    },
    async close() {
      groupCoordinator.shutdown();
    },
  };
}

/** The offsets partitions this broker leads (ClusterMetadata.leads: in a cluster, by a state written since it registered). */
function ledPartitions(metadata: ClusterMetadata): OffsetsPartitionLeadership[] {
  return (metadata.topic(OFFSETS_TOPIC)?.partitions ?? []).filter((p) => metadata.leads(OFFSETS_TOPIC, p.partition));
}

/**
 * Tells the coordinator of every change of the offsets partitions' leaders: loads are not awaited, so a
 * large partition does not hold up the metadata changes behind it (its groups answer
 * COORDINATOR_LOAD_IN_PROGRESS meanwhile).
 */
function followLeadership(coordinator: GroupCoordinator, metadata: ClusterMetadata): MetadataListener {
  const follow = (topic: TopicInfo): void => {
    if (topic.name !== OFFSETS_TOPIC) return;
    for (const p of topic.partitions) {
      if (metadata.leads(OFFSETS_TOPIC, p.partition)) void coordinator.onElection(p.partition, p.leaderEpoch);
      else coordinator.onResignation(p.partition);
    }
  };
  return {
    topicCreated: follow,
    partitionsCreated: follow,
    partitionsChanged: follow,
    topicDeleted: (topic) => {
      if (topic.name === OFFSETS_TOPIC) for (const p of topic.partitions) coordinator.onResignation(p.partition);
    },
  };
}

/**
 * What the cluster benchmarks ask of a running cluster: a broker's Metadata (controller, brokers, each
 * partition's leader), topic creation, a one-record Produce to a partition, and the cluster's keys in etcd
 * read and followed directly (the state the controller writes, before any broker has applied it).
 */
import { EtcdMetadataStore } from '../../src/cluster/store/etcd-store.js';
import type { MetadataStore } from '../../src/cluster/store/metadata-store.js';
import { PrefixedStore, clusterPrefix } from '../../src/cluster/store/prefixed-store.js';
import { KEYS, type PartitionState } from '../../src/cluster/store/shared-metadata.js';
import type { LocalCluster } from '../../src/cli/cluster/local-cluster.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { buildRecordBatch } from '../../src/record/builder.js';
import { RawClient } from '../lib/raw-client.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export interface PartitionView {
  readonly leader: number;
  readonly offline: boolean;
}

export interface ClusterView {
  readonly controller: number;
  readonly brokers: readonly number[];
  /** Partitions of the topics asked for, by index; a topic the broker does not know is absent. */
  readonly topics: ReadonlyMap<string, readonly PartitionView[]>;
}

/** One broker's Metadata (v12) for `topics`, or undefined when it does not answer. */
export async function clusterView(bootstrap: string, topics: readonly string[]): Promise<ClusterView | undefined> {
  let client: RawClient | undefined;
  try {
    client = await RawClient.connect(bootstrap);
    const response = await client.request(ApiKey.Metadata, 12, {
      topics: topics.map((name) => ({ topicId: ZERO_UUID, name })),
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const known = new Map<string, PartitionView[]>();
    for (const topic of response.topics as {
      name: string;
      errorCode: number;
      partitions: { partitionIndex: number; errorCode: number; leaderId: number }[];
    }[]) {
      if (topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue;
      const partitions = [...topic.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex);
      known.set(
        topic.name,
        partitions.map((p) => ({ leader: p.leaderId, offline: p.errorCode === ErrorCode.LEADER_NOT_AVAILABLE })),
      );
    }
    return {
      controller: response.controllerId,
      brokers: (response.brokers as { nodeId: number }[]).map((b) => b.nodeId).sort((a, b) => a - b),
      topics: known,
    };
  } catch {
    return undefined;
  } finally {
    client?.close();
  }
}

/** The partitions of `topic` whose leader is `nodeId`, by index. */
export function ledBy(view: ClusterView, topic: string, nodeId: number): number[] {
  return (view.topics.get(topic) ?? []).flatMap((p, index) => (p.leader === nodeId ? [index] : []));
}

/** Every broker of the cluster is listed and every partition of the topics asked for (`partitions` each) has a leader. */
export function allLed(view: ClusterView, brokers: number, partitions: number): boolean {
  return view.brokers.length === brokers && [...view.topics.values()].every((ps) => ps.length === partitions && ps.every((p) => p.leader > 0));
}

/** Creates a topic through the broker at `bootstrap`; throws on any error code. */
export async function createTopic(bootstrap: string, name: string, partitions: number, replicationFactor: number): Promise<void> {
  const client = await RawClient.connect(bootstrap);
  try {
    const response = await client.request(ApiKey.CreateTopics, 7, {
      topics: [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs: [] }],
      timeoutMs: 60_000,
      validateOnly: false,
    });
    if (response.topics[0].errorCode !== ErrorCode.NONE) throw new Error(`creating ${name}: error ${response.topics[0].errorCode}`);
  } finally {
    client.close();
  }
}

const RECORD = buildRecordBatch({ values: [Buffer.from('probe')] });

/** The error code of a one-record Produce (v9, acks=1) to the partition at the broker `bootstrap`, or undefined when it does not answer. */
export async function produceOne(bootstrap: string, topic: string, partition: number): Promise<ErrorCode | undefined> {
  let client: RawClient | undefined;
  try {
    client = await RawClient.connect(bootstrap);
    const response = await client.request(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5_000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records: RECORD }] }],
    });
    return response.responses[0].partitionResponses[0].errorCode as ErrorCode;
  } catch {
    return undefined;
  } finally {
    client?.close();
  }
}

/** The cluster's keys in its etcd, as the brokers see them (under the cluster's prefix). */
export function clusterStore(cluster: LocalCluster): MetadataStore {
  return new PrefixedStore(new EtcdMetadataStore([cluster.etcd.endpoint]), clusterPrefix(cluster.clusterName));
}

/** The partition states of `topic` as stored, by partition key. */
export async function partitionStates(store: MetadataStore, topic: string): Promise<{ states: Map<string, PartitionState>; revision: number }> {
  const { topicId } = JSON.parse((await store.get(KEYS.topic(topic)))!.value) as { topicId: string };
  const { kvs, revision } = await store.range(`${KEYS.partitions}${topicId}/`);
  return { states: new Map(kvs.map((kv) => [kv.key, JSON.parse(kv.value) as PartitionState])), revision };
}

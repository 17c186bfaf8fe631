/**
 * Fetch (1), v4–17 (topics by name up to v12; from v13 by id, resolved through the cluster metadata, and an
 * unknown id is UNKNOWN_TOPIC_ID as in Kafka; @platformatic/kafka fetches with ids). Fetch sessions are not kept: every answer
 * has session id 0, so clients send full requests (KIP-227 allows it). Without transactions the last stable
 * offset is the high watermark and there are no aborted transactions, for both isolation levels. The record
 * views go out as their own response chunks and are released once written. A partition led by another broker
 * answers NOT_LEADER_OR_FOLLOWER, from v16 with that leader (KIP-951). A follower's fetch (its replica id in
 * `replicaId` up to v14, in ReplicaState from v15; CLUSTER_ACTION) reads up to the log end and tells the
 * leader how far the follower is, unless it comes from an earlier incarnation of the follower's broker (a
 * ReplicaState broker epoch older than its registration: NOT_LEADER_OR_FOLLOWER). From v12 a fetch that sends
 * its last fetched epoch is answered, where its log diverges from the leader's, with the diverging epoch
 * and no records, so a follower truncates without an OffsetForLeaderEpoch round trip. From v11 a consumer
 * may fetch from a follower, which serves it up to its own high watermark, and a leader with
 * `replica.selector.class` names the replica in the consumer's rack (`preferred_read_replica`, KIP-392).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { FetchPartitionResult } from '../../replication/replica-manager.js';
import type { Handler, RequestContext } from '../handler.js';
import { currentLeader, nodeEndpoints } from './current-leader.js';
import type { FetchRequest, FetchResponse } from '../../protocol/messages.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';

type PartitionData = FetchResponse.PartitionData;

/** Fetch v11 is the first with the consumer's rack: from it, followers serve consumers and leaders name a closer replica (KIP-392). */
const CLIENT_RACK_VERSION = 11;
/** Fetch v12 is the first with the last fetched epoch in requests and the diverging epoch in responses (KIP-595's truncation on fetch). */
const DIVERGING_EPOCH_VERSION = 12;
const TOPIC_ID_VERSION = 13;
const REPLICA_STATE_VERSION = 15;
/** Fetch v16 is the first whose refused partitions carry the current leader and its endpoint (KIP-951). */
const LEADER_HINT_VERSION = 16;

export const fetchHandler: Handler<FetchRequest, FetchResponse> = {
  apiKey: 1,
  minVersion: 4,
  maxVersion: 17,
  async handle(request, context) {
    const names = request.topics.map((t) => (context.apiVersion >= TOPIC_ID_VERSION ? context.metadata.topicById(t.topicId)?.name : t.topic));
    // The replica id moved into ReplicaState at v15; before, the decoder fills ReplicaState with its defaults.
    const replicaId = context.apiVersion >= REPLICA_STATE_VERSION ? (request.replicaState?.replicaId ?? -1) : request.replicaId;
    const replicaEpoch = context.apiVersion >= REPLICA_STATE_VERSION ? Number(request.replicaState?.replicaEpoch ?? -1n) : -1;
    // Kafka's checks: a follower needs CLUSTER_ACTION on the cluster, a consumer READ on each topic.
    const follower = replicaId >= 0;
    const clusterAction = follower && context.authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME);
    const readable = names.map((name) => (follower ? clusterAction : name === undefined || context.authorize(AclOperation.READ, ResourceType.TOPIC, name)));
    const result = await context.replicaManager.fetch({
      replicaId,
      replicaEpoch,
      fromClosestReplica: !follower && context.apiVersion >= CLIENT_RACK_VERSION ? { rackId: request.rackId ?? '' } : undefined,
      maxWaitMs: request.maxWaitMs,
      minBytes: request.minBytes,
      maxBytes: request.maxBytes,
      isolationLevel: request.isolationLevel,
      parking: context.parking,
      partitions: request.topics.flatMap((t, i) =>
        (readable[i] ? t.partitions : []).map((p) => ({
          topic: names[i] ?? '',
          partition: p.partition,
          fetchOffset: p.fetchOffset,
          partitionMaxBytes: p.partitionMaxBytes,
          currentLeaderEpoch: p.currentLeaderEpoch,
          lastFetchedEpoch: context.apiVersion >= DIVERGING_EPOCH_VERSION ? p.lastFetchedEpoch : -1,
        })),
      ),
    });
    context.releaseAfterWrite(result.release);
    let next = 0;
    const response: FetchResponse = {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      sessionId: 0,
      responses: request.topics.map((t, i) => ({
        topic: t.topic,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => {
          if (!readable[i]) return partitionError(p.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          const read = result.partitions[next++]!;
          const data = partitionData(read, names[i] === undefined);
          // The metric counts the error on the wire (UNKNOWN_TOPIC_ID, not the lookup's UNKNOWN_TOPIC_OR_PARTITION).
          context.traffic?.fetched(read.topic, read.records, data.errorCode);
          return data;
        }),
      })),
    };
    if (context.apiVersion >= LEADER_HINT_VERSION) pointToLeaders(response, names, context);
    return response;
  },
  errorResponse: (request, code) => ({
    throttleTimeMs: 0,
    errorCode: code,
    sessionId: 0,
    responses: request.topics.map((t) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p) => partitionError(p.partition, code)),
    })),
  }),
};

function partitionError(partitionIndex: number, errorCode: ErrorCode): PartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: null,
  };
}

/** Partitions refused for want of leadership carry their current leader; the response lists those leaders' endpoints. */
function pointToLeaders(response: FetchResponse, names: readonly (string | undefined)[], context: RequestContext): void {
  const leaders = new Set<number>();
  response.responses.forEach((topic, i) => {
    const name = names[i];
    if (name === undefined) return;
    for (const partition of topic.partitions) {
      if (partition.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER) continue;
      const leader = currentLeader(context, name, partition.partitionIndex);
      if (!leader) continue;
      partition.currentLeader = leader;
      leaders.add(leader.leaderId);
    }
  });
  if (leaders.size > 0) response.nodeEndpoints = nodeEndpoints(context, leaders);
}

function partitionData(result: FetchPartitionResult, unknownTopicId: boolean): PartitionData {
  const data: PartitionData = {
    partitionIndex: result.partition,
    errorCode: unknownTopicId ? ErrorCode.UNKNOWN_TOPIC_ID : result.errorCode,
    highWatermark: result.highWatermark,
    lastStableOffset: result.lastStableOffset,
    logStartOffset: result.logStartOffset,
    abortedTransactions: result.errorCode === ErrorCode.NONE ? [] : null,
    preferredReadReplica: -1,
    records: [...result.records],
  };
  if (result.divergingEpoch) data.divergingEpoch = { ...result.divergingEpoch };
  if (result.preferredReadReplica !== undefined) data.preferredReadReplica = result.preferredReadReplica;
  return data;
}

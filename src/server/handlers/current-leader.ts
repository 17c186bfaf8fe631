/**
 * Where a NOT_LEADER_OR_FOLLOWER answer points (KIP-951): Produce v10+ and Fetch v16+ tell the client the
 * partition's current leader and epoch and the endpoints of those leaders, so it moves to the leader
 * without a Metadata round trip first.
 */
import type { RequestContext } from '../handler.js';
import { advertisedBrokers } from './advertised-brokers.js';

export interface CurrentLeader {
  leaderId: number;
  leaderEpoch: number;
}

export interface NodeEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** The partition's leader and leader epoch as this broker knows them, if the partition exists. */
export function currentLeader(context: RequestContext, topic: string, partition: number): CurrentLeader | undefined {
  const info = context.metadata.topic(topic)?.partitions[partition];
  return info && { leaderId: info.leader, leaderEpoch: info.leaderEpoch };
}

/** The endpoints (of the listener the request came in on) of the live brokers among `nodeIds`. */
export function nodeEndpoints(context: RequestContext, nodeIds: Iterable<number>): NodeEndpoint[] {
  const wanted = new Set(nodeIds);
  return advertisedBrokers(context)
    .filter((b) => wanted.has(b.nodeId))
    .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
}

/**
 * Fetch request bodies for raw clients (raw-client.ts): the fields every test and benchmark sets alike given
 * once, and those they vary given by each.
 */
import type { FetchRequest } from '../../src/protocol/messages.js';
import { ZERO_UUID } from '../../src/protocol/primitives/uuid.js';

/**
 * One partition to fetch, in a topic entry of its own: the topic by name (Fetch v12 and before) or by id (v13
 * on); partition 0 from offset 0, no leader epoch known and 1 MiB at most unless said.
 */
export interface FetchedPartition extends Partial<FetchRequest.FetchPartition> {
  readonly topic?: string;
  readonly topicId?: string;
}

/**
 * A consumer's Fetch (replica id -1, no fetch session) of `partitions`, answered at once with what there is
 * (no wait, 1 byte, read uncommitted, 1 MiB at most, no rack); `overrides` replace any of the request's fields.
 */
export function fetchRequest(partitions: FetchedPartition | readonly FetchedPartition[], overrides: Partial<Omit<FetchRequest, 'topics'>> = {}): FetchRequest {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: ([] as FetchedPartition[]).concat(partitions).map(({ topic = '', topicId = ZERO_UUID, ...partition }) => ({
      topic,
      topicId,
      partitions: [
        { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, ...partition },
      ],
    })),
    forgottenTopicsData: [],
    rackId: '',
    ...overrides,
  };
}

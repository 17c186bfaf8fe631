/**
 * Produce (0): one record batch per partition, appended through the ReplicaManager. Advertised from v0
 * because old librdkafka keys features (message format v2, compression) on Produce v0 being listed, but
 * v0–2 (legacy message sets) are refused with UNSUPPORTED_VERSION, as Kafka 4 does. acks=0 gets no
 * response, unless a partition failed: then the connection is closed, Kafka's way of telling such a client.
 * Authorization as Kafka: WRITE on the transactional id (the whole request), WRITE on each topic (its partitions).
 * A partition led by another broker answers NOT_LEADER_OR_FOLLOWER, from v10 with that leader (KIP-951).
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { TrafficObserver } from '../../metrics/traffic.js';
import type { ProduceResult } from '../../replication/replica-manager.js';
import { CloseConnection, type Handler, NO_RESPONSE, type RequestContext } from '../handler.js';
import { currentLeader, nodeEndpoints } from './current-leader.js';
import type { ProduceRequest, ProduceResponse } from '../../protocol/messages.js';
import { compressionAt } from '../../record/batch.js';
import { Compression } from '../../record/compression.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';

type PartitionProduceResponse = ProduceResponse.PartitionProduceResponse;

/** Produce v7 is the first that may carry zstd (Kafka's rule, from the client's negotiated version). */
const ZSTD_MIN_VERSION = 7;
/** Produce v10 is the first that carries the current leader of a refused partition (KIP-951). */
const LEADER_HINT_VERSION = 10;

export const produceHandler: Handler<ProduceRequest, ProduceResponse> = {
  apiKey: 0,
  minVersion: 0,
  maxVersion: 11,
  async handle(request, context) {
    if (context.apiVersion < 3) throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, 'Produce v0-2 (message format v0/v1) is not supported');
    const entries: { topic: string; partition: number; records: Buffer }[] = [];
    if (request.transactionalId !== null && !context.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
      throw new KafkaError(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    const refused = new Map<string, ErrorCode>();
    for (const topic of request.topicData) {
      const writable = context.authorize(AclOperation.WRITE, ResourceType.TOPIC, topic.name);
      for (const p of topic.partitionData) {
        const code = writable ? checkRecords(p.records, context.apiVersion) : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        if (code !== ErrorCode.NONE) refused.set(`${topic.name}\0${p.index}`, code);
        else entries.push({ topic: topic.name, partition: p.index, records: p.records! });
      }
    }
    const appended = await context.replicaManager.appendRecords(entries, { acks: request.acks, timeoutMs: request.timeoutMs, parking: context.parking });
    const results = new Map(appended.map((r) => [`${r.topic}\0${r.partition}`, r]));
    if (context.traffic) reportTraffic(context.traffic, entries, appended, refused);
    const response: ProduceResponse = {
      responses: request.topicData.map((topic) => ({
        name: topic.name,
        partitionResponses: topic.partitionData.map((p) => {
          const key = `${topic.name}\0${p.index}`;
          const code = refused.get(key);
          return code !== undefined ? partitionError(p.index, code) : partitionResponse(p.index, results.get(key)!);
        }),
      })),
      throttleTimeMs: 0,
    };
    if (context.apiVersion >= LEADER_HINT_VERSION) pointToLeaders(response, context);
    if (request.acks !== 0) return response;
    const failed = response.responses.some((t) => t.partitionResponses.some((p) => p.errorCode !== ErrorCode.NONE));
    if (failed) throw new CloseConnection('acks=0 produce failed');
    return NO_RESPONSE;
  },
  errorResponse: (request, code) => ({
    responses: request.topicData.map((topic) => ({ name: topic.name, partitionResponses: topic.partitionData.map((p) => partitionError(p.index, code)) })),
    throttleTimeMs: 0,
  }),
};

function reportTraffic(
  traffic: TrafficObserver,
  entries: readonly { topic: string; records: Buffer }[],
  appended: readonly ProduceResult[],
  refused: ReadonlyMap<string, ErrorCode>,
): void {
  for (let i = 0; i < entries.length; i++) traffic.produced(entries[i]!.topic, entries[i]!.records, appended[i]!.errorCode);
  for (const [key, code] of refused) traffic.produced(key.slice(0, key.indexOf('\0')), EMPTY, code);
}

const EMPTY = Buffer.alloc(0);

/** Partitions refused for want of leadership carry their current leader; the response lists those leaders' endpoints. */
function pointToLeaders(response: ProduceResponse, context: RequestContext): void {
  const leaders = new Set<number>();
  for (const topic of response.responses) {
    for (const partition of topic.partitionResponses) {
      if (partition.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER) continue;
      const leader = currentLeader(context, topic.name, partition.index);
      if (!leader) continue;
      partition.currentLeader = leader;
      leaders.add(leader.leaderId);
    }
  }
  if (leaders.size > 0) response.nodeEndpoints = nodeEndpoints(context, leaders);
}

/** Request-level record checks that need the negotiated version: null records, zstd below v7. */
function checkRecords(records: Buffer | null, version: number): ErrorCode {
  if (records === null || records.length === 0) return ErrorCode.INVALID_RECORD;
  if (compressionAt(records) === Compression.Zstd && version < ZSTD_MIN_VERSION) return ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
  return ErrorCode.NONE;
}

function partitionResponse(index: number, result: ProduceResult): PartitionProduceResponse {
  return {
    index,
    errorCode: result.errorCode,
    baseOffset: result.baseOffset,
    logAppendTimeMs: result.logAppendTimeMs,
    logStartOffset: result.logStartOffset,
    recordErrors: [],
    errorMessage: result.errorMessage,
  };
}

function partitionError(index: number, code: ErrorCode): PartitionProduceResponse {
  return { index, errorCode: code, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage: null };
}

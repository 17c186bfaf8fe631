/**
 * A stand-in broker for capturing real clients' request frames as codec fixtures: listens on 127.0.0.1,
 * records the first frame of each (API key, version) it receives, and answers with gregor's own encoder
 * just well enough for a client to go on (one partition per topic, led by this node, empty logs, a
 * one-member group). It stores nothing and checks nothing: it is a recorder, not a broker.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { apiDefinitions } from '../../../src/protocol/definitions/index.js';
import { decodeRequest, decodeRequestHeader, encodeResponse, type RequestHeader, validVersions } from '../../../src/protocol/codec.js';
import type * as M from '../../../src/protocol/messages.js';

export interface CapturedFrame {
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The request frame without its size prefix. */
  readonly frame: Buffer;
}

const NODE_ID = 1;
const TOPIC_ID = '5f1c0e2a-7b3d-4c8e-9a10-2b3c4d5e6f70';

export class CaptureBroker {
  readonly frames = new Map<string, CapturedFrame>();
  /** Every request received, in order, for diagnosing a client that stalls. */
  readonly log: string[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor() {
    this.#server = createServer((socket) => this.#accept(socket));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    this.port = address.port;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** What was captured so far, e.g. `Metadata v12, JoinGroup v9`. */
  summary(): string {
    return [...this.frames.values()].map((f) => `${ApiKey[f.apiKey]} v${f.apiVersion}`).join(', ');
  }

  has(apiKey: ApiKey): boolean {
    return [...this.frames.values()].some((f) => f.apiKey === apiKey);
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    // Answers go out in request order, as a broker's must, even when one is delayed (Fetch long-poll).
    let answered = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = Buffer.from(pending.subarray(4, 4 + pending.readInt32BE(0)));
        pending = pending.subarray(4 + frame.length);
        const answer = this.#answer(frame);
        answered = answered.then(async () => {
          const chunks = await answer;
          if (chunks && !socket.destroyed) socket.write(Buffer.concat(chunks));
        });
      }
    });
  }

  async #answer(frame: Buffer): Promise<Buffer[] | undefined> {
    const { header, bodyOffset } = decodeRequestHeader(frame);
    const key = `${header.apiKey}:${header.apiVersion}`;
    if (!this.frames.has(key)) this.frames.set(key, { apiKey: header.apiKey, apiVersion: header.apiVersion, frame });
    const request = decodeRequest(header.apiKey, header.apiVersion, frame, bodyOffset);
    this.log.push(`${ApiKey[header.apiKey]} v${header.apiVersion}`);
    const body = await this.#respond(header, request);
    if (body === undefined) return undefined;
    return encodeResponse(header.apiKey, header.apiVersion, header.correlationId, body);
  }

  /** A response body for the request; fields left out are encoded as their defaults. */
  async #respond(header: RequestHeader, request: unknown): Promise<object | undefined> {
    const version = header.apiVersion;
    const broker = { nodeId: NODE_ID, host: '127.0.0.1', port: this.port };
    switch (header.apiKey) {
      case ApiKey.ApiVersions:
        return {
          errorCode: 0,
          apiKeys: apiDefinitions.map((api) => ({
            apiKey: api.apiKey,
            minVersion: validVersions(api.apiKey)!.min,
            maxVersion: validVersions(api.apiKey)!.max,
          })),
        } satisfies Partial<M.ApiVersionsResponse>;
      case ApiKey.Metadata: {
        const r = request as M.MetadataRequest;
        const names = r.topics === null || r.topics.length === 0 ? ['fixture-topic'] : r.topics.map((t) => t.name ?? 'fixture-topic');
        return {
          brokers: [{ ...broker, rack: null }],
          clusterId: 'capture-cluster',
          controllerId: NODE_ID,
          topics: names.map((name) => ({
            errorCode: 0,
            name,
            topicId: TOPIC_ID,
            isInternal: false,
            partitions: [
              { errorCode: 0, partitionIndex: 0, leaderId: NODE_ID, leaderEpoch: 0, replicaNodes: [NODE_ID], isrNodes: [NODE_ID], offlineReplicas: [] },
            ],
            topicAuthorizedOperations: -2147483648,
          })),
        } satisfies Partial<M.MetadataResponse>;
      }
      case ApiKey.Produce: {
        const r = request as M.ProduceRequest;
        if (r.acks === 0) return undefined;
        return {
          responses: r.topicData.map((t) => ({
            name: t.name,
            partitionResponses: t.partitionData.map((p) => ({
              index: p.index,
              errorCode: 0,
              baseOffset: 0n,
              logAppendTimeMs: -1n,
              logStartOffset: 0n,
              recordErrors: [],
              errorMessage: null,
            })),
          })),
        } satisfies Partial<M.ProduceResponse>;
      }
      case ApiKey.Fetch: {
        const r = request as M.FetchRequest;
        // An empty log: answer after a short wait instead of the client's full max wait, but never at once
        // (the client would spin).
        await new Promise((resolve) => setTimeout(resolve, Math.min(r.maxWaitMs, 100)));
        return {
          responses: r.topics.map((t) => ({
            topic: t.topic,
            topicId: t.topicId,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partition,
              errorCode: 0,
              highWatermark: 0n,
              lastStableOffset: 0n,
              logStartOffset: 0n,
              abortedTransactions: null,
              preferredReadReplica: -1,
              records: Buffer.alloc(0),
            })),
          })),
        } satisfies Partial<M.FetchResponse>;
      }
      case ApiKey.ListOffsets: {
        const r = request as M.ListOffsetsRequest;
        return {
          topics: r.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partitionIndex,
              errorCode: 0,
              oldStyleOffsets: [0n],
              timestamp: -1n,
              offset: 0n,
              leaderEpoch: 0,
            })),
          })),
        } satisfies Partial<M.ListOffsetsResponse>;
      }
      case ApiKey.FindCoordinator: {
        const r = request as M.FindCoordinatorRequest;
        const keys = version >= 4 ? r.coordinatorKeys : [r.key];
        return {
          errorCode: 0,
          ...broker,
          coordinators: keys.map((key) => ({ key, ...broker, errorCode: 0, errorMessage: null })),
        } satisfies Partial<M.FindCoordinatorResponse>;
      }
      case ApiKey.JoinGroup: {
        const r = request as M.JoinGroupRequest;
        const memberId = r.memberId === '' ? `${header.clientId ?? 'member'}-capture` : r.memberId;
        const protocol = r.protocols[0]!;
        return {
          errorCode: 0,
          generationId: 1,
          protocolType: r.protocolType,
          protocolName: protocol.name,
          leader: memberId,
          memberId,
          members: [{ memberId, groupInstanceId: r.groupInstanceId, metadata: protocol.metadata }],
        } satisfies Partial<M.JoinGroupResponse>;
      }
      case ApiKey.SyncGroup: {
        const r = request as M.SyncGroupRequest;
        const own = r.assignments.find((a) => a.memberId === r.memberId);
        return {
          errorCode: 0,
          protocolType: r.protocolType,
          protocolName: r.protocolName,
          assignment: own?.assignment ?? Buffer.alloc(0),
        } satisfies Partial<M.SyncGroupResponse>;
      }
      case ApiKey.OffsetFetch: {
        const r = request as M.OffsetFetchRequest;
        const unknown = { committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 };
        return {
          topics: (r.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, ...unknown })) })),
          groups: r.groups.map((g) => ({
            groupId: g.groupId,
            topics: (g.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, ...unknown })) })),
            errorCode: 0,
          })),
        } satisfies Partial<M.OffsetFetchResponse>;
      }
      case ApiKey.OffsetCommit: {
        const r = request as M.OffsetCommitRequest;
        return {
          topics: r.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })) })),
        } satisfies Partial<M.OffsetCommitResponse>;
      }
      case ApiKey.LeaveGroup: {
        const r = request as M.LeaveGroupRequest;
        return {
          errorCode: 0,
          members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: 0 })),
        } satisfies Partial<M.LeaveGroupResponse>;
      }
      case ApiKey.InitProducerId:
        return { errorCode: 0, producerId: 1000n, producerEpoch: 0 } satisfies Partial<M.InitProducerIdResponse>;
      case ApiKey.CreateTopics: {
        const r = request as M.CreateTopicsRequest;
        return {
          topics: r.topics.map((t) => ({
            name: t.name,
            topicId: TOPIC_ID,
            errorCode: 0,
            errorMessage: null,
            numPartitions: t.numPartitions,
            replicationFactor: t.replicationFactor,
            configs: [],
          })),
        } satisfies Partial<M.CreateTopicsResponse>;
      }
      case ApiKey.DeleteTopics: {
        const r = request as M.DeleteTopicsRequest;
        const names = version >= 6 ? r.topics.map((t) => t.name ?? '') : r.topicNames;
        return { responses: names.map((name) => ({ name, topicId: TOPIC_ID, errorCode: 0, errorMessage: null })) } satisfies Partial<M.DeleteTopicsResponse>;
      }
      case ApiKey.DescribeConfigs: {
        const r = request as M.DescribeConfigsRequest;
        return {
          results: r.resources.map((res) => ({
            errorCode: 0,
            errorMessage: null,
            resourceType: res.resourceType,
            resourceName: res.resourceName,
            configs: [],
          })),
        } satisfies Partial<M.DescribeConfigsResponse>;
      }
      case ApiKey.Heartbeat:
        return { errorCode: 0 } satisfies Partial<M.HeartbeatResponse>;
      case ApiKey.ListGroups:
        return {
          errorCode: 0,
          groups: [{ groupId: 'fixture-group', protocolType: 'consumer', groupState: 'Empty', groupType: 'classic' }],
        } satisfies Partial<M.ListGroupsResponse>;
      case ApiKey.DescribeGroups: {
        const r = request as M.DescribeGroupsRequest;
        return {
          groups: r.groups.map((groupId) => ({
            errorCode: 0,
            groupId,
            groupState: 'Empty',
            protocolType: 'consumer',
            protocolData: '',
            members: [],
            authorizedOperations: -2147483648,
          })),
        } satisfies Partial<M.DescribeGroupsResponse>;
      }
      case ApiKey.DeleteGroups: {
        const r = request as M.DeleteGroupsRequest;
        return { results: r.groupsNames.map((groupId) => ({ groupId, errorCode: 0 })) } satisfies Partial<M.DeleteGroupsResponse>;
      }
      default:
        throw new Error(`capture broker has no answer for API key ${header.apiKey}`);
    }
  }
}

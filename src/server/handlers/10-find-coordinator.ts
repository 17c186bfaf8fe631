/**
 * FindCoordinator (10), v0–4: a group (key type 0) is coordinated by the leader of its `__consumer_offsets`
 * partition (Kafka's hash of the group id), answered at its address on the client's listener;
 * COORDINATOR_NOT_AVAILABLE while that partition has no live leader, or while the topic does not exist yet (it
 * is being created, as Kafka does on the first FindCoordinator). v4 takes a batch of keys. There is no
 * transaction coordinator: transaction keys (type 1) get UNSUPPORTED_VERSION with a
 * message saying so, as Redpanda answered before it had transactions. It is not retriable, so transactional
 * producers fail at once (the Java client reports the message; franz-go and kafkajs the error's name) instead
 * of retrying until a timeout, as COORDINATOR_NOT_AVAILABLE would make them. As Kafka, DESCRIBE on the key's
 * resource is checked first (GROUP_ or TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/messages.js';
import { AclOperation, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler, RequestContext } from '../handler.js';
import { OFFSETS_TOPIC } from '../../group/coordinator-log.js';
import { advertisedBrokers } from './advertised-brokers.js';

const GROUP_KEY_TYPE = 0;
const TRANSACTION_KEY_TYPE = 1;

interface Answer {
  errorCode: ErrorCode;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export const findCoordinatorHandler: Handler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  minVersion: 0,
  maxVersion: 4,
  handle(request, context) {
    if (context.apiVersion >= 4) {
      return response(
        context.apiVersion,
        request.coordinatorKeys.map((key) => ({ key, ...answer(request.keyType, key, context) })),
      );
    }
    return response(context.apiVersion, [{ key: request.key, ...answer(request.keyType, request.key, context) }]);
  },
  errorResponse: (request, code, context) => {
    const failed = { errorCode: code, errorMessage: null, nodeId: -1, host: '', port: -1 };
    const keys = context.apiVersion >= 4 ? request.coordinatorKeys : [request.key];
    return response(
      context.apiVersion,
      keys.map((key) => ({ key, ...failed })),
    );
  },
};

function answer(keyType: number, key: string, context: RequestContext): Answer {
  if (keyType === TRANSACTION_KEY_TYPE) {
    if (!context.authorize(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) {
      return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorMessage: null, nodeId: -1, host: '', port: -1 };
    }
    return {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      errorMessage: 'transactions are not supported by this broker: it has no transaction coordinator',
      nodeId: -1,
      host: '',
      port: -1,
    };
  }
  if (keyType !== GROUP_KEY_TYPE) {
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `coordinator key type ${keyType} is not supported: this broker has group coordinators only`,
      nodeId: -1,
      host: '',
      port: -1,
    };
  }
  // Kafka asks DESCRIBE on the group before naming its coordinator.
  if (!context.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, key)) {
    return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, nodeId: -1, host: '', port: -1 };
  }
  const notAvailable = { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null, nodeId: -1, host: '', port: -1 };
  const partition = context.groupCoordinator.partitionFor(key);
  if (partition === undefined) {
    // The client retries; a failed creation is tried again by its next FindCoordinator.
    void context.ensureOffsetsTopic().catch(() => undefined);
    return notAvailable;
  }
  const leader = context.metadata.topic(OFFSETS_TOPIC)?.partitions[partition]?.leader;
  const coordinator = advertisedBrokers(context).find((b) => b.nodeId === leader);
  if (!coordinator) return notAvailable;
  return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: coordinator.nodeId, host: coordinator.host, port: coordinator.port };
}

function response(version: number, coordinators: (Answer & { key: string })[]): FindCoordinatorResponse {
  const first = coordinators[0] ?? { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: -1, host: '', port: -1 };
  return {
    throttleTimeMs: 0,
    errorCode: first.errorCode,
    errorMessage: first.errorMessage,
    nodeId: first.nodeId,
    host: first.host,
    port: first.port,
    coordinators: version >= 4 ? coordinators : [],
  };
}

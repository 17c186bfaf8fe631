/**
 * DescribeCluster (60), v0–1: cluster id, controller and brokers (the admin clients' view of the cluster), and
 * when asked the cluster's authorized operations: 0 without DESCRIBE on the cluster, as Kafka answers.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { Handler, RequestContext } from '../handler.js';
import { AUTHORIZED_OPERATIONS_OMITTED, clusterAuthorizedOperations } from '../authorized-operations.js';
import { advertisedBrokers } from './advertised-brokers.js';
import type { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/messages.js';

const BROKERS_ENDPOINT = 1;

export const describeClusterHandler: Handler<DescribeClusterRequest, DescribeClusterResponse> = {
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  handle(request, context) {
    // v1 may ask for controller endpoints (KIP-919); this node only has broker endpoints.
    if (context.apiVersion >= 1 && request.endpointType !== BROKERS_ENDPOINT) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, 'only broker endpoints are available');
    }
    return {
      ...base(context, ErrorCode.NONE),
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? clusterAuthorizedOperations(context) : AUTHORIZED_OPERATIONS_OMITTED,
      brokers: advertisedBrokers(context).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    };
  },
  errorResponse: (_request, code, context) => ({ ...base(context, code), brokers: [] }),
};

function base(context: RequestContext, errorCode: ErrorCode): Omit<DescribeClusterResponse, 'brokers'> {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage: null,
    endpointType: BROKERS_ENDPOINT,
    clusterId: context.metadata.clusterId,
    controllerId: context.metadata.controllerId,
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

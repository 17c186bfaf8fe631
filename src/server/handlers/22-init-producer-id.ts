/**
 * InitProducerId (22), v0–5: a new producer id (epoch 0) for every idempotent producer, as Kafka does when
 * there is no transactional id. Transactions are not supported yet: a transactional id is refused with
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, an error every client treats as fatal, so a transactional
 * producer fails at once instead of retrying forever. An idempotent producer needs IDEMPOTENT_WRITE on the
 * cluster or, since Kafka 3.0 (KIP-679), WRITE on some topic; else CLUSTER_AUTHORIZATION_FAILED.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/authorizer/acl.js';
import type { Handler } from '../handler.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages.js';

export const initProducerIdHandler: Handler<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, context) {
    if (request.transactionalId !== null) {
      throw new KafkaError(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactions are not supported by this broker');
    }
    if (
      !context.authorize(AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME) &&
      !context.authorizeByResourceType(AclOperation.WRITE, ResourceType.TOPIC)
    ) {
      throw new KafkaError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: await context.metadata.allocateProducerId(), producerEpoch: 0 };
  },
  errorResponse: (_request, code) => ({ throttleTimeMs: 0, errorCode: code, producerId: -1n, producerEpoch: -1 }),
};

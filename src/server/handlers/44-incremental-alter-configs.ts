/** IncrementalAlterConfigs (44), v0–1: SET, DELETE, APPEND and SUBTRACT on a topic's overrides. */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { Handler } from '../handler.js';
import { type AlterConfigsResourceResponse, alterResource } from './config-resource.js';
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../protocol/messages.js';

type AlterableConfig = IncrementalAlterConfigsRequest.AlterableConfig;

enum OpType {
  SET = 0,
  DELETE = 1,
  APPEND = 2,
  SUBTRACT = 3,
}

export const incrementalAlterConfigsHandler: Handler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = {
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, context) {
    const responses: AlterConfigsResourceResponse[] = [];
    for (const resource of request.resources) {
      responses.push(await alterResource(resource, (current) => applyOperations(current, resource.configs), request.validateOnly, context));
    }
    return { throttleTimeMs: 0, responses };
  },
  errorResponse: (request, code) => ({
    throttleTimeMs: 0,
    responses: request.resources.map((r) => ({ errorCode: code, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
  }),
};

function applyOperations(current: Readonly<Record<string, string>>, operations: readonly AlterableConfig[]): Record<string, string> {
  const names = operations.map((o) => o.name);
  if (new Set(names).size !== names.length) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'a config is named more than once');
  const next: Record<string, string> = { ...current };
  for (const op of operations) {
    const list = () => (next[op.name] ?? '').split(',').filter((item) => item !== '');
    const values = (op.value ?? '').split(',').filter((item) => item !== '');
    switch (op.configOperation) {
      case OpType.SET:
        if (op.value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `null value for ${op.name}`);
        next[op.name] = op.value;
        break;
      case OpType.DELETE:
        delete next[op.name];
        break;
      case OpType.APPEND:
        next[op.name] = [...new Set([...list(), ...values])].join(',');
        break;
      case OpType.SUBTRACT:
        next[op.name] = list()
          .filter((item) => !values.includes(item))
          .join(',');
        break;
      default:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown config operation ${op.configOperation}`);
    }
  }
  return next;
}

/** AlterConfigs (33), v0–2: replaces a topic's overrides with exactly the given set. */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { Handler } from '../handler.js';
import { type AlterConfigsResourceResponse, alterResource } from './config-resource.js';
import type { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/messages.js';

export const alterConfigsHandler: Handler<AlterConfigsRequest, AlterConfigsResponse> = {
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context) {
    const responses: AlterConfigsResourceResponse[] = [];
    for (const resource of request.resources) {
      const replacement = () => {
        const overrides: Record<string, string> = {};
        for (const c of resource.configs) {
          if (c.value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `null value for ${c.name}`);
          overrides[c.name] = c.value;
        }
        return overrides;
      };
      responses.push(await alterResource(resource, replacement, request.validateOnly, context));
    }
    return { throttleTimeMs: 0, responses };
  },
  errorResponse: (request, code) => ({
    throttleTimeMs: 0,
    responses: request.resources.map((r) => ({ errorCode: code, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
  }),
};

/** ApiVersions (18): the version range of every API in the handler registry and, from v3, the feature levels (DescribeFeatures). */
import { ErrorCode } from '../../protocol/error-codes.js';
import { FINALIZED_FEATURES, FINALIZED_FEATURES_EPOCH, supportedFeaturesFor } from '../features.js';
import type { Handler } from '../handler.js';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/messages.js';

export const API_VERSIONS_KEY = 18;

/** Built over the registry (a function, since the registry includes this handler). */
export function createApiVersionsHandler(registry: () => readonly Handler[]): Handler<ApiVersionsRequest, ApiVersionsResponse> {
  const ranges = (): ApiVersionsResponse['apiKeys'] =>
    registry()
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  return {
    apiKey: API_VERSIONS_KEY,
    minVersion: 0,
    maxVersion: 4,
    handle: (_request, context) => ({
      errorCode: ErrorCode.NONE,
      apiKeys: ranges(),
      throttleTimeMs: 0,
      supportedFeatures: supportedFeaturesFor(context.apiVersion),
      finalizedFeaturesEpoch: FINALIZED_FEATURES_EPOCH,
      finalizedFeatures: [...FINALIZED_FEATURES],
    }),
    // A version above 4 is answered as v0 with UNSUPPORTED_VERSION and the ApiVersions range, so the client
    // retries with one this broker speaks (KIP-511).
    errorResponse: (_request, code) => ({
      errorCode: code,
      apiKeys: ranges().filter((r) => code !== ErrorCode.UNSUPPORTED_VERSION || r.apiKey === API_VERSIONS_KEY),
      throttleTimeMs: 0,
    }),
  };
}

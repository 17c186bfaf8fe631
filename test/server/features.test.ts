// DescribeFeatures: ApiVersions v3+ lists the supported feature ranges and the finalized levels, never more
// than gregor implements (no transactions, classic groups, no KRaft quorum, no ELR).
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { useBrokerWithClient } from '../support/broker-with-client.js';

const server = useBrokerWithClient();

const apiVersions = (version: number) => server.client.request(ApiKey.ApiVersions, version, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });

describe('feature levels (DescribeFeatures)', () => {
  it('v4 lists every feature with its range and finalizes metadata.version only', async () => {
    const response = await apiVersions(4);
    expect(response.errorCode).toBe(ErrorCode.NONE);
    expect(response.supportedFeatures).toEqual([
      { name: 'eligible.leader.replicas.version', minVersion: 0, maxVersion: 0 },
      { name: 'group.version', minVersion: 0, maxVersion: 0 },
      { name: 'kraft.version', minVersion: 0, maxVersion: 0 },
      { name: 'metadata.version', minVersion: 7, maxVersion: 21 },
      { name: 'transaction.version', minVersion: 0, maxVersion: 0 },
    ]);
    expect(response.finalizedFeatures).toEqual([{ name: 'metadata.version', minVersionLevel: 21, maxVersionLevel: 21 }]);
    expect(response.finalizedFeaturesEpoch).toBe(0n);
  });

  it('v3 leaves out ranges a pre-KIP-1022 client cannot read (starting at 0)', async () => {
    const response = await apiVersions(3);
    expect(response.supportedFeatures).toEqual([{ name: 'metadata.version', minVersion: 7, maxVersion: 21 }]);
    expect(response.finalizedFeatures).toEqual([{ name: 'metadata.version', minVersionLevel: 21, maxVersionLevel: 21 }]);
  });
});

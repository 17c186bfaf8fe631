/**
 * The feature levels this broker reports in ApiVersions (KIP-584; what `kafka-features.sh describe` and
 * Admin.describeFeatures show), chosen for what gregor implements rather than copied from a Kafka release:
 * - metadata.version 21 (3.9-IV0) finalized: the newest level whose client protocol gregor serves (Fetch v17,
 *   ApiVersions v4); the 4.0 levels go with eligible leader replicas (KIP-966), which gregor does not keep.
 * - kraft.version, group.version, transaction.version and eligible.leader.replicas.version stay at level 0:
 *   no controller quorum, classic groups only (no KIP-848 ConsumerGroupHeartbeat), no transactions, no ELR.
 *   Clients read these (franz-go enables KIP-890 transactions at transaction.version 2), so they must not claim more.
 */

export interface SupportedFeature {
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export interface FinalizedFeature {
  readonly name: string;
  readonly minVersionLevel: number;
  readonly maxVersionLevel: number;
}

/** MetadataVersion.MINIMUM_KRAFT_VERSION (3.3-IV3) to IBP_3_9_IV0. */
const METADATA_VERSION = { min: 7, finalized: 21 };

export const SUPPORTED_FEATURES: readonly SupportedFeature[] = [
  { name: 'eligible.leader.replicas.version', minVersion: 0, maxVersion: 0 },
  { name: 'group.version', minVersion: 0, maxVersion: 0 },
  { name: 'kraft.version', minVersion: 0, maxVersion: 0 },
  { name: 'metadata.version', minVersion: METADATA_VERSION.min, maxVersion: METADATA_VERSION.finalized },
  { name: 'transaction.version', minVersion: 0, maxVersion: 0 },
];

/** Features at level 0 are not finalized (Kafka lists only levels above 0). */
export const FINALIZED_FEATURES: readonly FinalizedFeature[] = [
  { name: 'metadata.version', minVersionLevel: METADATA_VERSION.finalized, maxVersionLevel: METADATA_VERSION.finalized },
];

/** The metadata offset of the last feature change in Kafka; the levels never change here. */
export const FINALIZED_FEATURES_EPOCH = 0n;

/**
 * The supported features as a client of this ApiVersions version can read them: clients before v4 reject a
 * range starting at 0 (KIP-1022), so there a range from 0 starts at 1 and a feature only at level 0 is left out.
 */
export function supportedFeaturesFor(apiVersion: number): SupportedFeature[] {
  if (apiVersion >= 4) return [...SUPPORTED_FEATURES];
  return SUPPORTED_FEATURES.filter((f) => f.maxVersion > 0).map((f) => ({ ...f, minVersion: Math.max(f.minVersion, 1) }));
}

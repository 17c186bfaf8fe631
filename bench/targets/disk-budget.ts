/**
 * Keeps a suite's writes within the disk. At a gigabyte per second, the standard suite writes about 70 GB
 * per scenario across its targets, and Kafka keeps deleted segments for a minute: a first run with the
 * embedded target filled a 90 GB disk. So every target checks retention every 2 s and removes deleted
 * segments after 1 s, and the topics of produce scenarios keep about 2 GiB (64 MiB segments). The
 * settings are the same for Kafka and gregor; they move background deletion into the measured window on
 * both sides alike.
 */
export const DISK_BUDGET_BROKER_SETTINGS = {
  'log.retention.check.interval.ms': '2000',
  'log.segment.delete.delay.ms': '1000',
} as const;

const SEGMENT_BYTES = 64 << 20;
const TOPIC_BYTES = 2 << 30;

/** Topic configs for a produce scenario's topic: retention per partition sharing the topic's budget. */
export function boundedTopicConfigs(partitions: number): Record<string, string> {
  return {
    'segment.bytes': String(SEGMENT_BYTES),
    'retention.bytes': String(Math.max(2 * SEGMENT_BYTES, Math.floor(TOPIC_BYTES / partitions))),
  };
}

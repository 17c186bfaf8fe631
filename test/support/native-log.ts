/** The native engine's log of a partition, for broker tests that check engine facts (segments, mapped views). */
import type { PartitionLogManager } from '../../src/replication/partition-log.js';
import type { Log } from '../../src/storage/log.js';
import { LogManager } from '../../src/storage/log-manager.js';

export function nativeLogOf(logManager: PartitionLogManager, topic: string, partition: number): Log {
  if (!(logManager instanceof LogManager)) throw new Error('the broker does not run on the native storage engine');
  const log = logManager.getLog(topic, partition);
  if (!log) throw new Error(`no log for ${topic}-${partition}`);
  return log;
}

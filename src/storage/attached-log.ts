/**
 * Background work on a log that some thread of this process has open, done on the calling (worker)
 * thread. It attaches instead of opening: it never creates or recovers a log, so a partition worker
 * cannot bring back a log its owner closed or deleted. Errors are the engine's own (the worker reports
 * their message).
 */
import type { NativeCleanerConfig, NativeCleanerResult } from '../../native/index.js';
import { native } from './native.js';

export type CleanerConfig = NativeCleanerConfig;
export type CleanerResult = NativeCleanerResult;

/** One cleaning pass over the log of `dir` if it is due; undefined when the log is not open. */
export function cleanIfOpen(dir: string, config: CleanerConfig, nowMs: number, maxCleanableOffset?: bigint): CleanerResult | undefined {
  const log = native.attachOpenLog(dir);
  return log === null ? undefined : native.cleanLog(log, config, nowMs, maxCleanableOffset);
}

/** Applies retention to the log of `dir`: how many segments went; undefined when the log is not open. */
export function enforceRetentionIfOpen(dir: string, nowMs: number): number | undefined {
  return native.attachOpenLog(dir)?.enforceRetention(nowMs);
}

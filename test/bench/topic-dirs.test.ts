import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTopicDirs } from '../../bench/lib/topic-dirs.js';

describe('hasTopicDirs', () => {
  const roots: string[] = [];
  const root = (...dirs: string[]): string => {
    const dir = mkdtempSync(join(tmpdir(), 'topic-dirs-'));
    roots.push(dir);
    for (const d of dirs) mkdirSync(join(dir, d), { recursive: true });
    return dir;
  };
  afterEach(() => {
    for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("finds a topic's partition directories in a target's log dir, and Kafka's renamed ones awaiting removal", () => {
    expect(hasTopicDirs(root('gregor-abc/logs/bench-t-repeat-1-gregor-0'), 'bench-t-repeat-1-gregor')).toBe(true);
    expect(hasTopicDirs(root('kafka-1-x/kafka-logs/bench-t-repeat-1-kafka-3.5f0e9c2a1b7d4e6f8a9b0c1d2e3f4a5b-delete'), 'bench-t-repeat-1-kafka')).toBe(true);
    expect(hasTopicDirs(root('gregor-abc/logs/__consumer_offsets-0'), 'bench-t-repeat-1-gregor')).toBe(false);
  });

  it('tells a topic from one whose name extends it, and from the same point on another target', () => {
    const dir = root('gregor-flush-on-ack-q/logs/bench-t-repeat-1-gregor-flush-on-ack-0', 'kafka-1-x/kafka-logs/bench-t-repeat-1-kafka-0');
    expect(hasTopicDirs(dir, 'bench-t-repeat-1-gregor')).toBe(false);
    expect(hasTopicDirs(dir, 'bench-t-repeat-1-gregor-flush-on-ack')).toBe(true);
    expect(hasTopicDirs(dir, 'bench-t-repeat-1')).toBe(false);
  });
});

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type KafkaError } from '../../src/protocol/error-codes.js';
import { CLEAN_SHUTDOWN_MARKER, LogManager, RECOVERY_POINT_CHECKPOINT, REPLICATION_OFFSET_CHECKPOINT } from '../../src/storage/log-manager.js';
import { native } from '../../src/storage/native.js';
import { readPartitionMetadata } from '../../src/storage/partition-metadata.js';
import { pollUntil } from '../support/poll.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-logs-'));
  dirs.push(dir);
  return dir;
}

function batch(records: number, valueBytes = 100): Buffer {
  return native.buildRecordBatch({ values: Array.from({ length: records }, () => Buffer.alloc(valueBytes, 7)) });
}

const APPEND = { leaderEpoch: 0, maxMessageBytes: 1 << 20 };
const TOPIC_ID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

describe('LogManager', () => {
  it('lays logs out as Kafka does and reopens them from checkpoints after a clean shutdown', async () => {
    const root = tempDir();
    const logDirs = [join(root, 'a'), join(root, 'b')];
    let manager = await LogManager.open({ logDirs });
    for (let partition = 0; partition < 4; partition++) {
      const log = manager.getOrCreateLog('orders', partition, TOPIC_ID, { 'segment.bytes': 4096 });
      for (let i = 0; i < 10; i++) log.append(batch(1 + partition), APPEND);
    }
    expect(readdirSync(logDirs[0]!).filter((n) => n.startsWith('orders-'))).toHaveLength(2);
    const orders1 = manager.logDirOf('orders', 1)!;
    expect(readPartitionMetadata(orders1)).toBe(TOPIC_ID);
    expect(readFileSync(join(orders1, 'partition.metadata'), 'utf8')).toMatch(/^version: 0\ntopic_id: [A-Za-z0-9_-]{22}\n$/);
    expect(readdirSync(orders1)).toContain('00000000000000000000.log');
    await manager.close();

    for (const dir of logDirs) expect(existsSync(join(dir, CLEAN_SHUTDOWN_MARKER))).toBe(true);
    // Partitions alternate between the dirs (fewest logs first); every log was flushed to its end.
    expect(readFileSync(join(logDirs[0]!, RECOVERY_POINT_CHECKPOINT), 'utf8')).toBe('0\n2\norders 0 10\norders 2 30\n');
    expect(readFileSync(join(logDirs[1]!, RECOVERY_POINT_CHECKPOINT), 'utf8')).toBe('0\n2\norders 1 20\norders 3 40\n');
    manager = await LogManager.open({ logDirs });
    expect(existsSync(join(logDirs[0]!, CLEAN_SHUTDOWN_MARKER))).toBe(false);
    const log = manager.getLog('orders', 3)!;
    expect(log.logEndOffset).toBe(40n);
    expect(log.recoveryReport?.segmentsChecked).toBe(0);
    await manager.close();
  });

  it("writes the high watermarks into each log dir's replication-offset-checkpoint and reads them back when reopened", async () => {
    const root = tempDir();
    const logDirs = [join(root, 'a'), join(root, 'b')];
    let manager = await LogManager.open({ logDirs });
    for (let partition = 0; partition < 2; partition++) manager.getOrCreateLog('orders', partition, TOPIC_ID);
    await manager.checkpointHighWatermarks([
      { topic: 'orders', partition: 0, offset: 7n },
      { topic: 'orders', partition: 1, offset: 3n },
      { topic: 'elsewhere', partition: 0, offset: 9n },
    ]);
    expect(readFileSync(join(logDirs[0]!, REPLICATION_OFFSET_CHECKPOINT), 'utf8')).toBe('0\n1\norders 0 7\n');
    expect(readFileSync(join(logDirs[1]!, REPLICATION_OFFSET_CHECKPOINT), 'utf8')).toBe('0\n1\norders 1 3\n');
    // Unclean: the marker is missing, and the high watermarks are still what the last checkpoint wrote.
    manager = await LogManager.open({ logDirs });
    for (let partition = 0; partition < 2; partition++) manager.getOrCreateLog('orders', partition, TOPIC_ID);
    expect([manager.checkpointedHighWatermark('orders', 0), manager.checkpointedHighWatermark('orders', 1)]).toEqual([7n, 3n]);
    expect(manager.checkpointedHighWatermark('elsewhere', 0)).toBeUndefined();
    await manager.deleteLog('orders', 1);
    manager.getOrCreateLog('orders', 1, TOPIC_ID);
    expect(manager.checkpointedHighWatermark('orders', 1)).toBeUndefined();
    await manager.close();
  });

  it('writes the high watermark checkpoint once more with the newest values when asked while a write runs, never two at once', async () => {
    const dir = tempDir();
    const manager = await LogManager.open({ logDirs: [dir] });
    manager.getOrCreateLog('orders', 0, TOPIC_ID);
    const asked = [1n, 2n, 3n, 4n].map((offset) => manager.checkpointHighWatermarks([{ topic: 'orders', partition: 0, offset }]));
    await Promise.all(asked);
    expect(readFileSync(join(dir, REPLICATION_OFFSET_CHECKPOINT), 'utf8')).toBe('0\n1\norders 0 4\n');
    expect(manager.checkpointedHighWatermark('orders', 0)).toBe(4n);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await manager.close();
  });

  it('ignores a torn temporary high watermark checkpoint left by a crash, reading the last complete one', async () => {
    const dir = tempDir();
    let manager = await LogManager.open({ logDirs: [dir] });
    manager.getOrCreateLog('orders', 0, TOPIC_ID);
    manager.getOrCreateLog('orders', 1, TOPIC_ID);
    await manager.checkpointHighWatermarks([
      { topic: 'orders', partition: 0, offset: 7n },
      { topic: 'orders', partition: 1, offset: 5n },
    ]);
    // A crash in the middle of the next write: its temporary file holds a part of the new checkpoint.
    writeFileSync(join(dir, `${REPLICATION_OFFSET_CHECKPOINT}.tmp`), '0\n2\norders 0 9\nord');
    manager = await LogManager.open({ logDirs: [dir] });
    manager.getOrCreateLog('orders', 0, TOPIC_ID);
    manager.getOrCreateLog('orders', 1, TOPIC_ID);
    expect([manager.checkpointedHighWatermark('orders', 0), manager.checkpointedHighWatermark('orders', 1)]).toEqual([7n, 5n]);
    // The next write replaces the torn file.
    await manager.checkpointHighWatermarks([{ topic: 'orders', partition: 0, offset: 9n }]);
    expect(readFileSync(join(dir, REPLICATION_OFFSET_CHECKPOINT), 'utf8')).toBe('0\n1\norders 0 9\n');
    expect(existsSync(join(dir, `${REPLICATION_OFFSET_CHECKPOINT}.tmp`))).toBe(false);
    await manager.close();
  });

  it('recovers after an unclean stop, rescanning past the recovery point', async () => {
    const root = tempDir();
    let manager = await LogManager.open({ logDirs: [root] });
    const log = manager.getOrCreateLog('events', 0, TOPIC_ID);
    for (let i = 0; i < 5; i++) log.append(batch(2), APPEND);
    await log.flush();
    manager.checkpoint();
    log.append(batch(3), APPEND);
    log.close();
    manager = await LogManager.open({ logDirs: [root] });
    const reopened = manager.getLog('events', 0)!;
    expect(reopened.logEndOffset).toBe(13n);
    expect(reopened.recoveryReport?.segmentsChecked).toBe(1);
    await manager.close();
  });

  it('flushes on its own under the interval policy', async () => {
    const manager = await LogManager.open({ logDirs: [tempDir()], flushPolicy: 'interval', flushIntervalMs: 10 });
    const log = manager.getOrCreateLog('events', 0, TOPIC_ID);
    log.append(batch(5), APPEND);
    expect(log.recoveryPoint).toBe(0n);
    await pollUntil(() => log.recoveryPoint === 5n, 'the interval flush');
    await manager.close();
  });

  it('ignores a garbled recovery-point checkpoint and recovers by scanning', async () => {
    const root = tempDir();
    let manager = await LogManager.open({ logDirs: [root] });
    manager.getOrCreateLog('events', 0, TOPIC_ID).append(batch(4), APPEND);
    await manager.close();
    writeFileSync(join(root, RECOVERY_POINT_CHECKPOINT), '0\n7\nbroken');
    rmSync(join(root, CLEAN_SHUTDOWN_MARKER));
    manager = await LogManager.open({ logDirs: [root] });
    expect(manager.getLog('events', 0)!.logEndOffset).toBe(4n);
    await manager.close();
  });

  it('deletes a log by renaming its directory and a re-created topic starts empty under its new id', async () => {
    const root = tempDir();
    const manager = await LogManager.open({ logDirs: [root] });
    const old = manager.getOrCreateLog('t', 0, TOPIC_ID);
    old.append(batch(3), APPEND);
    const held = old.read(0n, 1 << 20, 3n);
    await manager.deleteLog('t', 0);
    await pollUntil(() => !readdirSync(root).some((n) => n.endsWith('-delete')), 'the deleted directory to go');
    expect(held.views[0]!.length).toBeGreaterThan(0);
    held.release();
    const fresh = manager.getOrCreateLog('t', 0, 'ffffffff-0000-1111-2222-333333333333');
    expect(fresh.logEndOffset).toBe(0n);
    let thrown: unknown;
    try {
      manager.getOrCreateLog('t', 0, TOPIC_ID);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as KafkaError).code).toBe(ErrorCode.INCONSISTENT_TOPIC_ID);
    await manager.close();
  });

  it('lists the logs it holds with the topic id each records, unknown where partition.metadata was lost', async () => {
    const root = tempDir();
    const first = await LogManager.open({ logDirs: [root] });
    first.getOrCreateLog('kept', 0, TOPIC_ID);
    first.getOrCreateLog('lost-id', 3, TOPIC_ID);
    await first.close();
    rmSync(join(root, 'lost-id-3', 'partition.metadata'));
    const manager = await LogManager.open({ logDirs: [root] });
    expect(manager.heldLogs().sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
      { topic: 'kept', partition: 0, topicId: TOPIC_ID },
      { topic: 'lost-id', partition: 3, topicId: undefined },
    ]);
    await manager.close();
  });

  it('keeps 1,000 open partitions within bounded descriptors, memory and disk', async () => {
    const root = tempDir();
    const manager = await LogManager.open({ logDirs: [root] });
    const fds = () => readdirSync('/proc/self/fd').length;
    // Anonymous memory (heap); mapped file pages are page cache and show in RssFile instead.
    const rssAnon = () => Number(/RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
    const before = { fds: fds(), rss: rssAnon() };
    for (let partition = 0; partition < 1000; partition++) {
      const log = manager.getOrCreateLog('many', partition, TOPIC_ID);
      log.append(batch(10, 100), APPEND);
      const read = log.read(0n, 1 << 20, log.logEndOffset);
      read.release();
    }
    const during = { fds: fds() - before.fds, rss: rssAnon() - before.rss };
    // One .log, .index and .timeindex descriptor per partition, nothing per read.
    expect(during.fds).toBeLessThanOrEqual(3 * 1000 + 20);
    expect(during.rss).toBeLessThan(128 << 20);
    let allocated = 0;
    for (const name of readdirSync(root)) {
      if (!name.startsWith('many-')) continue;
      for (const file of readdirSync(join(root, name))) allocated += statSync(join(root, name, file)).blocks * 512;
    }
    // Reservations are small chunks ahead of the writer, never a whole segment (1 GiB) per partition.
    expect(allocated).toBeLessThan(1000 * (1 << 20));
    await manager.close();
    expect(fds()).toBeLessThanOrEqual(before.fds + 5);
  });
});

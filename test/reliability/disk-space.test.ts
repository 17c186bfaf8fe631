// A full disk is not a failed disk: Produce to the dir's partitions fails with KAFKA_STORAGE_ERROR (nothing
// acknowledged) while fetches of acknowledged data go on, and writes resume once space is freed (a topic
// deleted); below gregor.log.dir.min.free.bytes Produce is refused before the disk fills. The log dir is a
// 64 MiB tmpfs: mounting needs root; elsewhere those tests are skipped, saying why. A real I/O error does
// take the dir offline, as Kafka does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fillWith } from '../../bench/faults/small-disk.js';
import { RawClient } from '../../bench/lib/raw-client.js';
import { fetchRequest } from '../../bench/lib/fetch-request.js';
import { AdminServer } from '../../src/metrics/admin-server.js';
import { BrokerMetrics } from '../../src/metrics/broker-metrics.js';
import { logDirStates, offlineLogDirs } from '../../src/metrics/broker-state.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { parsePrometheusText, sampleValue } from '../metrics/prometheus-text.js';
import { pollUntil } from '../support/poll.js';
import { startBroker, type TestBroker } from '../support/broker.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'gregor-disk-space-'));
let mountRefused: string | undefined;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mountPoint], { stdio: 'pipe' });
} catch (error) {
  mountRefused = (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
  console.warn(`skipping the disk-space tests: cannot mount a 64 MiB tmpfs (${mountRefused})`);
}

const brokers: TestBroker[] = [];
afterEach(async () => {
  for (const broker of brokers.splice(0)) await broker.broker.close();
  if (mountRefused === undefined) rmSync(join(mountPoint, 'data'), { recursive: true, force: true });
});
afterAll(() => {
  if (mountRefused === undefined) execFileSync('umount', ['--lazy', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const RECORD = Buffer.alloc(64 << 10, 7);

async function produce(client: RawClient, topic: string, partition: number): Promise<number> {
  const response = await client.request(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: native.buildRecordBatch({ values: [RECORD, RECORD] }) }] }],
  });
  return response.responses[0].partitionResponses[0].errorCode;
}

async function fetchAll(client: RawClient, topic: string, partition: number): Promise<{ errorCode: number; highWatermark: bigint; bytes: number }> {
  const response = await client.request(ApiKey.Fetch, 11, fetchRequest({ topic, partition, partitionMaxBytes: 64 << 20 }, { minBytes: 0, maxBytes: 64 << 20 }));
  const answer = response.responses[0].partitions[0];
  const records = answer.records as Buffer | null;
  return { errorCode: answer.errorCode, highWatermark: answer.highWatermark, bytes: records?.length ?? 0 };
}

async function start(minFreeBytes: number): Promise<{ broker: TestBroker; client: RawClient }> {
  const broker = await startBroker({ 'gregor.log.dir.min.free.bytes': minFreeBytes, 'log.segment.bytes': 4 << 20 }, {}, join(mountPoint, 'data'));
  brokers.push(broker);
  return { broker, client: await RawClient.connect(broker.bootstrap) };
}

function freeBytes(): number {
  const { bavail, bsize } = statfsSync(mountPoint);
  return bavail * bsize;
}

describe.skipIf(mountRefused !== undefined)('a full log dir', () => {
  it('fails Produce without taking the dir offline: acknowledged data stays readable and writes resume once a topic is deleted', async () => {
    const { broker, client } = await start(0);
    await broker.broker.metadata.createTopic('kept', { numPartitions: 2 });
    await broker.broker.metadata.createTopic('bulk', { numPartitions: 1 });
    for (let i = 0; i < 8; i++) expect(await produce(client, 'kept', 1)).toBe(ErrorCode.NONE);
    const acked = await fetchAll(client, 'kept', 1);
    expect(acked.highWatermark).toBe(16n);

    let code: number = ErrorCode.NONE;
    let appended = 0;
    while (code === ErrorCode.NONE && appended < 1_000) {
      code = await produce(client, 'bulk', 0);
      if (code === ErrorCode.NONE) appended++;
    }
    expect(code).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(appended).toBeGreaterThan(100);
    expect(await produce(client, 'kept', 0)).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(await fetchAll(client, 'kept', 1)).toEqual(acked);
    expect((await fetchAll(client, 'bulk', 0)).highWatermark).toBe(BigInt(appended * 2));
    // Not a page left, not even for the small checkpoint files: the high-watermark checkpoint, due every few
    // seconds, fails as the appends did and must leave the dir online too.
    fillWith(join(mountPoint, 'filler'));
    expect(freeBytes()).toBe(0);
    await broker.broker.replicaManager.checkpointHighWatermarks();
    expect(broker.broker.logManager.logDirs().map((d) => d.online)).toEqual([true]);
    rmSync(join(mountPoint, 'filler'));

    await broker.broker.metadata.deleteTopic('bulk');
    await pollUntil(async () => (await produce(client, 'kept', 0)) === ErrorCode.NONE, 'produce to resume once space is freed');
    expect(await fetchAll(client, 'kept', 1)).toEqual(acked);
    client.close();
  });

  it('refuses Produce below gregor.log.dir.min.free.bytes, before the disk is full, and takes it again once space is freed', async () => {
    const { broker, client } = await start(16 << 20);
    await broker.broker.metadata.createTopic('kept', { numPartitions: 1 });
    expect(await produce(client, 'kept', 0)).toBe(ErrorCode.NONE);
    const filler = join(mountPoint, 'filler');
    writeFileSync(filler, Buffer.alloc(freeBytes() - (8 << 20)));
    const refusing = (): boolean => {
      try {
        broker.broker.logManager.checkWritable('kept', 0);
        return false;
      } catch {
        return true;
      }
    };
    await pollUntil(refusing, 'the dir to refuse appends below the minimum');
    expect(await produce(client, 'kept', 0)).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(freeBytes()).toBeGreaterThan(4 << 20);
    expect((await fetchAll(client, 'kept', 0)).errorCode).toBe(ErrorCode.NONE);

    rmSync(filler);
    await pollUntil(async () => (await produce(client, 'kept', 0)) === ErrorCode.NONE, 'produce to resume above the minimum');
    client.close();
  });
});

describe('a failed log dir', () => {
  it('goes offline on an I/O error (its files vanished under it), is counted in /metrics and makes /health/ready answer 503 naming it', async () => {
    const broker = await startBroker({ 'log.segment.bytes': 1 << 20 });
    brokers.push(broker);
    const metrics = new BrokerMetrics();
    metrics.setStateSource({ logDirs: () => logDirStates(broker.broker.logManager) });
    const admin = await AdminServer.start({ host: '127.0.0.1', port: 0 }, metrics);
    admin.watchLogDirs(() => offlineLogDirs(logDirStates(broker.broker.logManager)));
    admin.setReady(true);
    const base = `http://127.0.0.1:${admin.address.port}`;
    try {
      await broker.broker.metadata.createTopic('doomed', { numPartitions: 1 });
      const client = await RawClient.connect(broker.bootstrap);
      expect(await produce(client, 'doomed', 0)).toBe(ErrorCode.NONE);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      // The next segment cannot be created where the partition's directory was: ENOENT, an I/O error
      // that is neither a full disk nor a lack of descriptors.
      rmSync(join(broker.dataDir, 'doomed-0'), { recursive: true });
      let code: number = ErrorCode.NONE;
      for (let i = 0; i < 20 && code === ErrorCode.NONE; i++) code = await produce(client, 'doomed', 0);
      expect(code).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect(broker.broker.logManager.logDirs().map((d) => d.online)).toEqual([false]);
      expect((await fetchAll(client, 'doomed', 0)).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'log dirs offline', offlineLogDirs: [broker.dataDir] });
      const scraped = parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
      expect(sampleValue(scraped, 'gregor_offline_log_dirs', {})).toBe(1);
      client.close();
    } finally {
      await admin.close();
    }
  });
});

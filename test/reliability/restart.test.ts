// Restart (reliability scenarios R1, R5 in small): produce with acks=all, stop the broker process with SIGTERM or
// SIGKILL, start it again on the same data dir, read back: every acknowledged record is there exactly once and in
// order, and an idempotent producer's retry of its last batch is still recognised as a duplicate.
import { rmSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { type BrokerProcess, ensureBuilt, spawnBroker, tempDataDir } from '../support/broker.js';
import { consumeAll } from '../support/kcat.js';
import { RawClient } from '../../bench/lib/raw-client.js';

const running: BrokerProcess[] = [];

beforeAll(() => ensureBuilt(), 300_000);
const dirs: string[] = [];

afterEach(async () => {
  for (const broker of running.splice(0)) await broker.stop('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<BrokerProcess> {
  const broker = await spawnBroker(dataDir, { 'num.partitions': 3 });
  running.push(broker);
  return broker;
}

async function stop(broker: BrokerProcess, signal: NodeJS.Signals): Promise<number | string> {
  running.splice(running.indexOf(broker), 1);
  return broker.stop(signal);
}

function produceRequest(topic: string, partition: number, records: Buffer) {
  return { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] };
}

describe.each(['SIGTERM', 'SIGKILL'] as const)('restart after %s', (signal) => {
  it('keeps every acknowledged record once, in order, and the idempotent producer state', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    let broker = await start(dataDir);
    const client = await RawClient.connect(broker.bootstrap);
    await client.request(ApiKey.CreateTopics, 4, {
      topics: [{ name: 'durable', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    const init = await client.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    const acked: { partition: number; offset: bigint; value: string }[] = [];
    const sequences = [0, 0, 0];
    let lastBatch: { partition: number; records: Buffer; offset: bigint } | undefined;
    for (let i = 0; i < 60; i++) {
      const partition = i % 3;
      const values = [`r${i}-a`, `r${i}-b`];
      const records = native.buildRecordBatch(
        { values: values.map((v) => Buffer.from(v)) },
        { producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: sequences[partition] },
      );
      sequences[partition]! += values.length;
      const response = await client.request(ApiKey.Produce, 9, produceRequest('durable', partition, records));
      const result = response.responses[0].partitionResponses[0];
      expect(result.errorCode).toBe(ErrorCode.NONE);
      values.forEach((value, k) => {
        acked.push({ partition, offset: result.baseOffset + BigInt(k), value });
      });
      lastBatch = { partition, records, offset: result.baseOffset };
    }
    client.close();
    const exit = await stop(broker, signal);
    expect(exit).toBe(signal === 'SIGTERM' ? 0 : 'SIGKILL');

    broker = await start(dataDir);
    const records = await consumeAll(broker.bootstrap, 'durable');
    for (let partition = 0; partition < 3; partition++) {
      const expected = acked.filter((a) => a.partition === partition);
      const got = records.filter((r) => r.partition === partition);
      expect(got.map((r) => [BigInt(r.offset), r.payload])).toEqual(expected.map((a) => [a.offset, a.value]));
    }
    const again = await RawClient.connect(broker.bootstrap);
    const retry = await again.request(ApiKey.Produce, 9, produceRequest('durable', lastBatch!.partition, lastBatch!.records));
    expect(retry.responses[0].partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: lastBatch!.offset });
    again.close();
    expect((await consumeAll(broker.bootstrap, 'durable')).length).toBe(acked.length);
  });
});

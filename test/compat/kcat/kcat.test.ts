// kcat 1.7 / librdkafka 2.0.2 from Debian: metadata, produce with every codec, consume, idempotent produce.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../../support/broker.js';
import { consumeAll, kcat } from '../../support/kcat.js';

let broker: TestBroker;

beforeAll(async () => {
  broker = await startBroker({ 'num.partitions': 3 });
});

afterAll(async () => {
  await broker?.close();
});

describe('kcat', () => {
  it('lists metadata (-L) with this broker, its topics and partition leaders', async () => {
    await broker.broker.metadata.createTopic('listed', { numPartitions: 2 });
    const out = JSON.parse(await kcat(['-b', broker.bootstrap, '-L', '-J']));
    expect(out.brokers).toEqual([{ id: broker.broker.metadata.nodeId, name: broker.bootstrap }]);
    const topic = out.topics.find((t: { topic: string }) => t.topic === 'listed');
    expect(topic.partitions.map((p: { partition: number; leader: number }) => [p.partition, p.leader])).toEqual([
      [0, broker.broker.metadata.nodeId],
      [1, broker.broker.metadata.nodeId],
    ]);
  });

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('produces (-P -z %s) and consumes (-C) keyed records', async (codec) => {
    const topic = `kcat-${codec}`;
    const lines = Array.from({ length: 30 }, (_, i) => `k${i % 5}:value-${i}`);
    await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-K:', '-z', codec], `${lines.join('\n')}\n`);
    const records = await consumeAll(broker.bootstrap, topic);
    expect(records).toHaveLength(lines.length);
    for (let k = 0; k < 5; k++) {
      const forKey = records.filter((r) => r.key === `k${k}`);
      expect(new Set(forKey.map((r) => r.partition)).size).toBe(1);
      expect(forKey.map((r) => r.payload)).toEqual(lines.filter((l) => l.startsWith(`k${k}:`)).map((l) => l.slice(l.indexOf(':') + 1)));
    }
  });

  it('produces idempotently (-X enable.idempotence=true)', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `idem-${i}`);
    await kcat(['-b', broker.bootstrap, '-P', '-t', 'kcat-idempotent', '-X', 'enable.idempotence=true', '-p', '0'], `${lines.join('\n')}\n`);
    const records = await consumeAll(broker.bootstrap, 'kcat-idempotent');
    expect(records.map((r) => r.payload)).toEqual(lines);
    expect(records.map((r) => r.offset)).toEqual(lines.map((_, i) => i));
  });

  it('queries offsets by time (-Q) and the end offset', async () => {
    await kcat(['-b', broker.bootstrap, '-P', '-t', 'kcat-times', '-p', '0'], 'a\nb\nc\n');
    const out = await kcat(['-b', broker.bootstrap, '-Q', '-t', `kcat-times:0:${Date.now() - 60_000}`]);
    expect(out).toMatch(/offset 0\b/);
    const tail = await kcat(['-b', broker.bootstrap, '-C', '-t', 'kcat-times', '-p', '0', '-o', '-1', '-e', '-f', '%o %s\n']);
    expect(tail.trim()).toBe('2 c');
  });
});

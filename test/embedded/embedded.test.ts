// The embedded API end to end: topics, producer and consumer in-process, and the same data seen by kafkajs.
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type Gregor, KafkaError, partitionForKey } from '../../src/index.js';
import { pollUntil } from '../support/poll.js';
import { startGregor, stopGregor, take } from './support.js';

let gregor: Gregor;
let kafka: Kafka;

beforeAll(async () => {
  gregor = await startGregor();
  kafka = new Kafka({ clientId: 'embedded-test', brokers: [gregor.bootstrapServers!], logLevel: logLevel.NOTHING });
});

afterAll(async () => {
  await stopGregor(gregor);
});

describe('topics', () => {
  it('creates, lists, describes and deletes', async () => {
    await gregor.createTopic('admin-t', { partitions: 3, config: { 'cleanup.policy': 'compact' } });
    expect(gregor.listTopics()).toContain('admin-t');
    expect(gregor.listTopics()).not.toContain('__consumer_offsets');
    expect(gregor.describeTopic('admin-t')).toMatchObject({ name: 'admin-t', partitions: 3, configs: { 'cleanup.policy': 'compact' } });
    await expect(gregor.createTopic('admin-t')).rejects.toMatchObject({ code: ErrorCode.TOPIC_ALREADY_EXISTS });
    await gregor.deleteTopic('admin-t');
    expect(gregor.describeTopic('admin-t')).toBeUndefined();
  });
});

describe('producer', () => {
  it('gathers concurrent sends into batches and returns consecutive offsets', async () => {
    await gregor.createTopic('p-offsets', { partitions: 1 });
    const producer = gregor.producer({ acks: 1 });
    const sent = await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send('p-offsets', { value: `v${i}` })));
    expect(sent.map((s) => s.offset)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
    const many = await producer.send('p-offsets', [{ value: 'a' }, { value: 'b' }]);
    expect(many.map((m) => m.offset)).toEqual([100n, 101n]);
  });

  it('puts a key in the partition kafkajs DefaultPartitioner chooses', async () => {
    const partitionMetadata = Array.from({ length: 7 }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    const kafkajsPartition = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 200; i++) {
      const key = Buffer.from(`key-${i}-${'x'.repeat(i % 5)}`);
      expect(partitionForKey(key, 7)).toBe(kafkajsPartition({ topic: 't', partitionMetadata, message: { key, value: null } }));
    }
  });

  it('keeps unkeyed records of one batch on one partition and moves on when it closes (sticky)', async () => {
    await gregor.createTopic('p-sticky', { partitions: 3 });
    const producer = gregor.producer({ acks: 1 });
    const first = await producer.send(
      'p-sticky',
      Array.from({ length: 50 }, (_, i) => ({ value: `a${i}` })),
    );
    expect(new Set(first.map((m) => m.partition)).size).toBe(1);
    const second = await producer.send(
      'p-sticky',
      Array.from({ length: 50 }, (_, i) => ({ value: `b${i}` })),
    );
    expect(new Set(second.map((m) => m.partition)).size).toBe(1);
    expect(second[0]!.partition).not.toBe(first[0]!.partition);
    const keyed = await producer.send('p-sticky', [
      { key: 'k', value: 'x' },
      { value: 'y', partition: 2 },
    ]);
    expect(keyed.map((m) => m.partition)).toEqual([partitionForKey(Buffer.from('k'), 3), 2]);
  });

  it.for(['gzip', 'snappy', 'lz4', 'zstd'] as const)('builds one %s batch of a send and it reads back intact', async (compression) => {
    const topic = `p-codec-${compression}`;
    await gregor.createTopic(topic, { partitions: 1 });
    const producer = gregor.producer({ acks: 1, compression });
    const records = Array.from({ length: 300 }, (_, i) => ({
      key: i % 2 ? `k${i}` : null,
      value: `value ${i} `.repeat(20),
      headers: { n: String(i) },
      timestamp: 1_700_000_000_000 + i,
    }));
    const sent = await producer.send(topic, records);
    expect(sent.at(-1)!.offset).toBe(299n);
    const fetched = await gregor.broker.replicaManager.fetch({
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 24,
      isolationLevel: 0,
      partitions: [{ topic, partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 24, currentLeaderEpoch: -1 }],
    });
    // One batch, its attributes (byte 21) naming the codec.
    expect(fetched.partitions[0]!.records.map((batch) => batch.readInt16BE(21) & 7)).toEqual([{ gzip: 1, snappy: 2, lz4: 3, zstd: 4 }[compression]]);
    fetched.release();
    const consumer = await gregor.consumer({ topics: [topic], from: 'earliest' });
    const got = await take(consumer, 300, (r) => [r.key?.toString() ?? null, r.value!.toString(), r.headers.n!.toString(), r.timestamp]);
    expect(got).toEqual(records.map((r, i) => [r.key, r.value, String(i), r.timestamp]));
    await consumer.close();
  });

  it('refuses a negative or fractional timestamp with INVALID_TIMESTAMP, and a send with a bad record whole', async () => {
    await gregor.createTopic('p-timestamp', { partitions: 1 });
    const producer = gregor.producer();
    for (const timestamp of [-5, 1.5]) {
      await expect(producer.send('p-timestamp', { value: 'x', timestamp })).rejects.toSatisfy(
        (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.INVALID_TIMESTAMP,
      );
    }
    // A send is refused whole: the valid record before the bad one is not appended either.
    await expect(producer.send('p-timestamp', [{ value: 'fine' }, { value: 'x', timestamp: -1 }])).rejects.toBeInstanceOf(KafkaError);
    await expect(producer.send('p-timestamp', [{ value: 'fine' }, { value: 'x', partition: 3 }])).rejects.toBeInstanceOf(KafkaError);
    await producer.flush();
    expect(gregor.broker.replicaManager.listOffset('p-timestamp', 0, -1n, 0, -1).offset).toBe(0n);
  });

  it('rejects an unknown topic with a typed error', async () => {
    const producer = gregor.producer();
    await expect(producer.send('no-such-topic', { value: 'x' })).rejects.toSatisfy(
      (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
  });

  it('awaits in send while bufferMemory is full', async () => {
    await gregor.createTopic('p-pressure', { partitions: 1 });
    const producer = gregor.producer({ acks: 1, bufferMemory: 4096, lingerMs: 50 });
    let maxBuffered = 0;
    const sends: Promise<unknown>[] = [];
    let accepted = 0;
    for (let i = 0; i < 40; i++) {
      // send() is async: its returned promise settles late, but it must not accept past the buffer until space frees.
      sends.push(producer.send('p-pressure', { value: Buffer.alloc(1000) }).then(() => accepted++));
      maxBuffered = Math.max(maxBuffered, producer.bufferedBytes);
    }
    await Promise.all(sends);
    await pollUntil(() => producer.bufferedBytes === 0, 'buffer drained');
    expect(accepted).toBe(40);
    expect(maxBuffered).toBeLessThanOrEqual(4096);
    expect(gregor.broker.replicaManager.listOffset('p-pressure', 0, -1n, 0, -1).offset).toBe(40n);
  });
});

describe('consumer without a group', () => {
  it('reads every partition from the earliest offset with keys, values, headers and timestamps', async () => {
    await gregor.createTopic('c-all', { partitions: 3 });
    const producer = gregor.producer();
    await producer.send(
      'c-all',
      Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { h: `x${i}` }, timestamp: 1_700_000_000_000 + i })),
    );
    const consumer = await gregor.consumer({ topics: ['c-all'], from: 'earliest' });
    const got = (await take(consumer, 30, (r) => ({ key: r.key?.toString(), value: r.value?.toString(), h: r.headers.h?.toString(), ts: r.timestamp }))) as {
      key: string;
      value: string;
      h: string;
      ts: number;
    }[];
    await consumer.close();
    expect(got.map((r) => r.value).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
    for (const r of got) {
      const i = Number(r.value.slice(1));
      expect(r).toEqual({ key: `k${i}`, value: `v${i}`, h: `x${i}`, ts: 1_700_000_000_000 + i });
    }
  });

  it('starts at the latest offset, an offset or a timestamp, and seeks', async () => {
    await gregor.createTopic('c-from', { partitions: 1 });
    const producer = gregor.producer();
    await producer.send(
      'c-from',
      Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, timestamp: 1_000 + i })),
    );
    const latest = await gregor.consumer({ topics: ['c-from'], from: 'latest' });
    expect(latest.position('c-from', 0)).toBe(10n);
    await latest.close();
    const byOffset = await gregor.consumer({ topics: ['c-from'], from: { offset: 7n } });
    expect(await take(byOffset, 3, (r) => r.offset)).toEqual([7n, 8n, 9n]);
    await byOffset.close();
    const byTime = await gregor.consumer({ topics: ['c-from'], from: { timestamp: 1_004 } });
    expect(await take(byTime, 1, (r) => r.offset)).toEqual([4n]);
    byTime.seek('c-from', 0, 1n);
    expect(await take(byTime, 1, (r) => r.offset)).toEqual([1n]);
    await byTime.close();
  });

  it('reads every partition again from where it was sought while a fetched response is being handed out, dropping what the response held', async () => {
    await gregor.createTopic('c-seek-held', { partitions: 3 });
    const producer = gregor.producer();
    // Two batches per partition, so a fetch from offset 5 returns only the second.
    for (const partition of [0, 1, 2]) {
      for (const first of [0, 5]) {
        await producer.send(
          'c-seek-held',
          Array.from({ length: 5 }, (_, i) => ({ value: `p${partition}-${first + i}`, partition })),
        );
      }
    }
    // Every partition from offset 5, so the first response holds all three. The seek comes while the second
    // partition's records are out: one partition of the response was handed out before it, one is still to come.
    const consumer = await gregor.consumer({ topics: ['c-seek-held'], from: { offset: 5n } });
    // Records skipped by mistake would never come: the close ends the loop, and the expectations say what is missing.
    const stop = setTimeout(() => void consumer.close(), 5_000);
    const after: string[] = [];
    let batches = 0;
    for await (const batch of consumer.batches()) {
      if (++batches === 2) for (const partition of [0, 1, 2]) consumer.seek('c-seek-held', partition, 0n);
      else if (batches > 2) after.push(...batch.map((r) => r.value!.toString()));
      if (after.length >= 30) break;
    }
    clearTimeout(stop);
    await consumer.close();
    for (const partition of [0, 1, 2]) {
      expect(after.filter((v) => v.startsWith(`p${partition}-`))).toEqual(Array.from({ length: 10 }, (_, i) => `p${partition}-${i}`));
    }
  });

  it('waits for records produced after it started, compressed ones included', async () => {
    await gregor.createTopic('c-live', { partitions: 1 });
    const consumer = await gregor.consumer({ topics: ['c-live'], from: 'latest' });
    const reading = take(consumer, 4, (r) => r.value?.toString());
    await gregor.producer({ compression: 'gzip' }).send('c-live', [{ value: 'a' }, { value: 'b' }]);
    await gregor.producer().send('c-live', [{ value: 'c' }, { value: 'd' }]);
    expect(await reading).toEqual(['a', 'b', 'c', 'd']);
    await consumer.close();
  });

  it('pauses and resumes a partition', async () => {
    await gregor.createTopic('c-pause', { partitions: 2 });
    const producer = gregor.producer();
    await producer.send('c-pause', [
      { value: 'p0', partition: 0 },
      { value: 'p1', partition: 1 },
    ]);
    const consumer = await gregor.consumer({ topics: ['c-pause'], from: 'earliest' });
    consumer.pause([{ topic: 'c-pause', partitions: [0] }]);
    const iterator = consumer[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ partition: 1 });
    consumer.resume([{ topic: 'c-pause', partitions: [0] }]);
    expect((await iterator.next()).value).toMatchObject({ partition: 0 });
    await iterator.return?.();
    await consumer.close();
  });

  it('streams records as a Readable', async () => {
    await gregor.createTopic('c-stream', { partitions: 1 });
    await gregor.producer().send(
      'c-stream',
      Array.from({ length: 5 }, (_, i) => ({ value: `s${i}` })),
    );
    const consumer = await gregor.consumer({ topics: ['c-stream'], from: 'earliest' });
    const stream = consumer.stream();
    const got = await take(stream as AsyncIterable<{ value: Buffer }>, 5, (r) => r.value.toString());
    expect(got).toEqual(['s0', 's1', 's2', 's3', 's4']);
    await consumer.close();
  });
});

describe('consumer back-pressure', () => {
  it('stops reading while the Readable buffer is full', async () => {
    await gregor.createTopic('c-slow', { partitions: 1 });
    await gregor.producer().send(
      'c-slow',
      Array.from({ length: 5000 }, (_, i) => ({ value: `r${i}` })),
    );
    const consumer = await gregor.consumer({ topics: ['c-slow'], from: 'earliest' });
    const stream = consumer.stream();
    stream.read(0); // starts pulling without consuming
    await pollUntil(() => stream.readableLength >= stream.readableHighWaterMark, 'the stream buffer to fill');
    // Pulling stops at the high-water mark: the consumer has handed out the buffered records and one more at most.
    expect(consumer.position('c-slow', 0)).toBeLessThanOrEqual(BigInt(stream.readableHighWaterMark + 1));
    const all = await take(stream as AsyncIterable<{ offset: bigint }>, 5000, (r) => r.offset);
    expect(all).toEqual(Array.from({ length: 5000 }, (_, i) => BigInt(i)));
    await consumer.close();
  });
});

describe('consumer and the event loop', () => {
  it('lets timers run while it reads a backlog', async () => {
    await gregor.createTopic('c-backlog', { partitions: 1 });
    const producer = gregor.producer();
    for (let i = 0; i < 20; i++)
      await producer.send(
        'c-backlog',
        Array.from({ length: 500 }, (_, j) => ({ value: `r${i}-${j}` })),
      );
    // Small fetches, so the backlog takes many fetches that all find records at once.
    const consumer = await gregor.consumer({ topics: ['c-backlog'], from: 'earliest', maxBytes: 8192 });
    let timerFired = false;
    let batchesAfterTimer = 0;
    setTimeout(() => (timerFired = true), 1);
    let read = 0;
    for await (const batch of consumer.batches()) {
      if (timerFired) batchesAfterTimer++;
      if ((read += batch.length) >= 10_000) break;
    }
    expect(read).toBe(10_000);
    expect(batchesAfterTimer).toBeGreaterThan(0);
    await consumer.close();
  });
});

describe('consumer group rebalance', () => {
  it('stops handing out a partition mid-batch once a rebalance takes it, and the new owner resumes after the last record handed out', async () => {
    await gregor.createTopic('g-revoke', { partitions: 1 });
    await gregor.producer().send(
      'g-revoke',
      Array.from({ length: 200 }, (_, i) => ({ value: `r${i}` })),
    );
    const group = { groupId: 'g-revoke', topics: ['g-revoke'], from: 'earliest' as const, heartbeatIntervalMs: 50, sessionTimeoutMs: 10_000 };
    // Both assignors give the only partition to the member whose id sorts first: the newcomer, by its client id.
    const first = await gregor.consumer({ ...group, clientId: 'z-first' });
    const records = first[Symbol.asyncIterator]();
    expect((await records.next()).value?.offset).toBe(0n);
    const second = await gregor.consumer({ ...group, clientId: 'a-second' });
    await pollUntil(() => first.assignment.length === 0, 'the partition to move to the second member');
    // The rest of the held batch is not the first member's any more: closing ends its iteration without a record.
    const next = records.next();
    await first.close();
    expect((await next).done).toBe(true);
    expect(await take(second, 1, (r) => r.offset)).toEqual([1n]);
    await second.close();
  });
});

describe('with kafkajs', () => {
  it('a kafkajs consumer reads what the embedded producer wrote', async () => {
    await gregor.createTopic('k-out', { partitions: 2 });
    await gregor.producer().send(
      'k-out',
      Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    );
    const consumer = kafka.consumer({ groupId: 'k-out-group', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'k-out', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await pollUntil(() => seen.length >= 20, 'kafkajs consumed 20 records', { timeoutMs: 20_000 });
    await consumer.disconnect();
    expect(seen.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`).sort());
  });

  it('the embedded consumer reads what a kafkajs producer wrote, keyed by the same partitioner', async () => {
    await gregor.createTopic('k-in', { partitions: 3 });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: 'k-in', messages: Array.from({ length: 15 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    const consumer = await gregor.consumer({ topics: ['k-in'], from: 'earliest' });
    const got = (await take(consumer, 15, (r) => ({ key: r.key!.toString(), partition: r.partition }))) as { key: string; partition: number }[];
    await consumer.close();
    for (const r of got) expect(r.partition).toBe(partitionForKey(Buffer.from(r.key), 3));
  });

  it('an embedded member and a kafkajs member split a group and resume from its commits', async () => {
    await gregor.createTopic('k-group', { partitions: 4 });
    const embedded = await gregor.consumer({ topics: ['k-group'], groupId: 'mixed', from: 'earliest', heartbeatIntervalMs: 200, sessionTimeoutMs: 10_000 });
    const network = kafka.consumer({ groupId: 'mixed', heartbeatInterval: 200, sessionTimeout: 10_000, maxWaitTimeInMs: 100 });
    let networkPartitions: number[] = [];
    network.on(network.events.GROUP_JOIN, (e) => void (networkPartitions = e.payload.memberAssignment['k-group'] ?? []));
    await network.connect();
    await network.subscribe({ topic: 'k-group', fromBeginning: true });
    const networkSeen: number[] = [];
    await network.run({ eachMessage: async ({ partition }) => void networkSeen.push(partition) });
    const embeddedSeen: number[] = [];
    const reading = (async () => {
      for await (const record of embedded) embeddedSeen.push(record.partition);
    })();
    await pollUntil(() => networkPartitions.length === 2 && embedded.assignment.flatMap((a) => a.partitions).length === 2, 'a 2/2 split', {
      timeoutMs: 20_000,
    });
    const embeddedPartitions = embedded.assignment.flatMap((a) => a.partitions);
    expect([...embeddedPartitions, ...networkPartitions].sort()).toEqual([0, 1, 2, 3]);
    await gregor.producer().send(
      'k-group',
      Array.from({ length: 40 }, (_, i) => ({ value: `v${i}`, partition: i % 4 })),
    );
    await pollUntil(() => embeddedSeen.length + networkSeen.length >= 40, 'all 40 records consumed', { timeoutMs: 20_000 });
    expect(new Set(embeddedSeen)).toEqual(new Set(embeddedPartitions));
    expect(new Set(networkSeen)).toEqual(new Set(networkPartitions));
    await embedded.close();
    await reading;
    await network.disconnect();
    const committed = gregor.broker.services.groupCoordinator.fetchOffsets('mixed', [{ topic: 'k-group', partitions: embeddedPartitions }]);
    expect(committed.offsets.map((o) => o.offset)).toEqual([10n, 10n]);
  });
});

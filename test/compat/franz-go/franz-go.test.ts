// franz-go v1.22 (built from test/compat/franz-go by the Go toolchain): a consumer whose topic is deleted
// under it keeps the broker's long poll, as against Kafka.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { native } from '../../../src/storage/native.js';
import { startBroker, type TestBroker } from '../../support/broker.js';
import { franzGoClient, hasGo, runFranzGo } from '../../support/franz-go.js';
import { pollUntil } from '../../support/poll.js';

/** How long the fetches after a deletion are counted; franz-go waits up to 5 s (its FetchMaxWait) per fetch. */
const WINDOW_MS = 6_000;

let broker: TestBroker;
const requests = new Map<number, number>();

beforeAll(async () => {
  if (!hasGo()) return;
  franzGoClient();
  broker = await startBroker({}, { observeRequest: { requestCompleted: ({ apiKey }) => void requests.set(apiKey, (requests.get(apiKey) ?? 0) + 1) } });
}, 600_000);

afterAll(async () => {
  await broker?.close();
});

async function produce(topic: string, value: string): Promise<void> {
  await broker.broker.metadata.createTopic(topic, { numPartitions: 1 });
  const [result] = await broker.broker.replicaManager.appendRecords(
    [{ topic, partition: 0, records: native.buildRecordBatch({ values: [Buffer.from(value)] }) }],
    { acks: 1, timeoutMs: 5_000 },
  );
  expect(result!.errorCode).toBe(0);
}

const fetches = () => requests.get(ApiKey.Fetch) ?? 0;

describe.skipIf(!hasGo())('franz-go (skipped without a Go toolchain)', () => {
  it('a consumer of two topics, one deleted under it, keeps the long poll instead of storming the broker', async () => {
    const topics = ['deleted', 'kept'];
    for (const topic of topics) await produce(topic, `first of ${topic}`);
    const consumer = runFranzGo(['consume', broker.bootstrap, ...topics]);
    await pollUntil(() => consumer.events.some((e) => e.event === 'consumed'), 'franz-go to consume every topic', { timeoutMs: 30_000 });
    await broker.broker.metadata.deleteTopic('deleted');
    const before = fetches();
    await sleep(WINDOW_MS); // the measurement itself: requests counted over a fixed window, not a wait for a condition
    const counted = fetches() - before;
    expect(await consumer.stop()).toMatchObject({ event: 'done', records: 2, errors: 0 });
    // Kafka: 8 fetches in 40 s and no error. Answering at once for the deleted topic gave 16,757 fetches in these
    // 6 s and as many UNKNOWN_TOPIC_ID errors handed to the application.
    expect(counted).toBeLessThanOrEqual(10);
  });
});

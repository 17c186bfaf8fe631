// Issue 12, item 3: a connection sending compressed batches that inflate to tens of MiB (valid ones and bombs
// past the 64 MiB limit) must not stall another client. The healthy client's worst ApiVersions + Metadata
// round trip under that load is bounded relative to its own baseline, measured in the same test. Before
// compressed batches were validated off the event loop, each such batch held the loop 100–200 ms and the
// worst round trip here was above a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthyRoundTrips, inflatingBatch } from '../../bench/lib/healthy-client.js';
import { RawClient } from '../../bench/lib/raw-client.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { startBroker, type TestBroker } from '../support/broker.js';

const TOPIC = 'inflating';
/** Batches the sender keeps in flight at once: the old code spent them back to back on the event loop. */
const PIPELINE = 6;
const ROUNDS = 4;

let server: TestBroker;

beforeAll(async () => {
  server = await startBroker();
  await server.broker.metadata.createTopic(TOPIC, { numPartitions: 1 });
});

afterAll(async () => {
  await server?.close();
});

function produce(client: RawClient, records: Buffer): Promise<{ responses: { partitionResponses: { errorCode: number }[] }[] }> {
  return client.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
}

function p99(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
}

describe('compressed batches that inflate to tens of MiB', () => {
  it("do not stall another connection's requests", { timeout: 120_000 }, async () => {
    const healthy = await RawClient.connect(server.bootstrap);
    const sender = await RawClient.connect(server.bootstrap);
    try {
      const valid = inflatingBatch(60 << 20);
      const bomb = inflatingBatch(100 << 20);
      const baseline = await healthyRoundTrips(healthy, TOPIC, { count: 200 });

      const codes: number[] = [];
      const sending = (async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const batches = Array.from({ length: PIPELINE }, (_, i) => (i % 2 === 0 ? valid : bomb));
          for (const response of await Promise.all(batches.map((batch) => produce(sender, batch))))
            codes.push(response.responses[0]!.partitionResponses[0]!.errorCode);
        }
      })();
      const loaded = await healthyRoundTrips(healthy, TOPIC, { settled: sending });
      await sending;

      expect(codes).toEqual(Array.from({ length: PIPELINE * ROUNDS }, (_, i) => (i % 2 === 0 ? ErrorCode.NONE : ErrorCode.INVALID_RECORD)));
      const bound = Math.max(10 * p99(baseline), 250);
      expect(Math.max(...loaded), `worst of ${loaded.length} round trips; baseline p99 ${p99(baseline).toFixed(1)} ms`).toBeLessThanOrEqual(bound);
    } finally {
      healthy.close();
      sender.close();
    }
  });
});

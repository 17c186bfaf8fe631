/** What a bystander client sees while another connection loads the broker: a bench and a test measure it alike. */
import { performance } from 'node:perf_hooks';
import { Compression } from '../../src/record/compression.js';
import { buildRecordBatch } from '../../src/record/builder.js';
import type { RawClient } from './raw-client.js';

/** One zstd batch of one record of `bytes` zeros: a few KiB on the wire that inflate to `bytes`. */
export function inflatingBatch(bytes: number): Buffer {
  return buildRecordBatch({ values: [Buffer.alloc(bytes)] }, { compression: Compression.Zstd });
}

/** ApiVersions + Metadata (of `topic`) round trips in ms, back to back: `count` of them, or until `settled` settles. */
export async function healthyRoundTrips(client: RawClient, topic: string, until: { count?: number; settled?: Promise<unknown> }): Promise<number[]> {
  let done = false;
  void until.settled?.finally(() => (done = true));
  const times: number[] = [];
  while (!done && times.length < (until.count ?? Number.POSITIVE_INFINITY)) {
    const started = performance.now();
    await client.request(18, 3, { clientSoftwareName: 'healthy', clientSoftwareVersion: '1' });
    await client.request(3, 12, {
      topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: topic }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    times.push(performance.now() - started);
  }
  return times;
}

/**
 * Log aggregation with an embedded gregor: a service ingests log lines into a keyed topic (one partition
 * per host, by Kafka's key partitioner) and a consumer group counts lines per level. Kafka clients could
 * join the same group at `gregor.bootstrapServers`.
 *
 * Run: npm run build:ts && node dist/examples/log-aggregation.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gregor } from '../src/index.js';

const dataDir = mkdtempSync(join(tmpdir(), 'gregor-example-'));
const gregor = await Gregor.start({ dataDir });
try {
  await gregor.createTopic('logs', { partitions: 4, config: { 'retention.ms': String(24 * 3600 * 1000) } });
  console.log(`broker listening at ${gregor.bootstrapServers}`);

  // Ingest: concurrent sends are gathered into batches per partition.
  const producer = gregor.producer({ acks: 'all', lingerMs: 5 });
  const hosts = ['web-1', 'web-2', 'db-1'];
  const levels = ['INFO', 'INFO', 'INFO', 'WARN', 'ERROR'];
  const lines = Array.from({ length: 1000 }, (_, i) => ({
    key: hosts[i % hosts.length]!,
    value: JSON.stringify({ level: levels[i % levels.length], message: `request ${i} served` }),
    headers: { source: 'example' },
  }));
  const sent = await producer.send('logs', lines);
  console.log(`ingested ${sent.length} lines, last at ${sent.at(-1)!.partition}/${sent.at(-1)!.offset}`);

  // Aggregate: a consumer group member reading from the beginning, committing its position on close.
  const consumer = await gregor.consumer({ topics: ['logs'], groupId: 'log-aggregator', from: 'earliest' });
  const counts = new Map<string, number>();
  let seen = 0;
  for await (const record of consumer) {
    // record.value is a view into the log segment: parse it before moving on, keep no reference to it.
    const { level } = JSON.parse(record.value!.toString()) as { level: string };
    counts.set(level, (counts.get(level) ?? 0) + 1);
    if (++seen === lines.length) break;
  }
  await consumer.close();
  console.log('lines per level:', Object.fromEntries(counts));
} finally {
  await gregor.close();
  rmSync(dataDir, { recursive: true, force: true });
}

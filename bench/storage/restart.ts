/**
 * Restart time of a broker holding many partitions, after a clean stop (SIGTERM) and after SIGKILL: from the
 * spawn of `gregor serve` until its port accepts and a Metadata request is answered. Each partition holds a
 * few records, some of them unflushed at the kill. Issue 12, item 9.
 *
 * Usage: node dist/bench/storage/restart.js [--partitions 1000] [--rounds 3] [--cpu-prof <dir>]
 *   --cpu-prof writes a V8 CPU profile of each restart into <dir>.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildRecordBatch } from '../../src/record/builder.js';
import { RawClient } from '../lib/raw-client.js';
import { freePort } from '../lib/ports.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const PARTITIONS = Number(option('partitions') ?? 1000);
const ROUNDS = Number(option('rounds') ?? 3);
const CPU_PROF = option('cpu-prof');
const TOPIC = 'restart';
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

function serve(dataDir: string, port: number): ChildProcess {
  const profile = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [];
  return spawn(process.execPath, [...profile, MAIN, 'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], {
    stdio: 'ignore',
  });
}

/** Milliseconds from now until the broker on `port` answers Metadata; the connected client is returned too. */
async function untilServing(port: number, started: number): Promise<{ ms: number; client: RawClient }> {
  for (;;) {
    try {
      const client = await RawClient.connect(`127.0.0.1:${port}`);
      await client.request(3, 12, {
        topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: TOPIC }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      return { ms: performance.now() - started, client };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

function stopped(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** One record per partition, as one produce request per 100 partitions. */
async function produceToAll(client: RawClient): Promise<void> {
  const records = buildRecordBatch({ values: [Buffer.from('x'.repeat(100))] });
  for (let first = 0; first < PARTITIONS; first += 100) {
    const partitionData = Array.from({ length: Math.min(100, PARTITIONS - first) }, (_, i) => ({ index: first + i, records: Buffer.from(records) }));
    await client.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: TOPIC, partitionData }] });
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gregor-restart-'));
  const port = await freePort();
  let broker = serve(dataDir, port);
  try {
    const { client } = await untilServing(port, performance.now());
    await client.request(19, 5, {
      topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 60_000,
      validateOnly: false,
    });
    await produceToAll(client);
    client.close();
    const times: Record<'clean' | 'unclean', number[]> = { clean: [], unclean: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [kind, signal] of [
        ['clean', 'SIGTERM'],
        ['unclean', 'SIGKILL'],
      ] as const) {
        await stopped(broker, signal);
        const started = performance.now();
        broker = serve(dataDir, port);
        const serving = await untilServing(port, started);
        times[kind].push(serving.ms);
        // Unflushed records at the next kill: every partition gets one more.
        await produceToAll(serving.client);
        serving.client.close();
      }
    }
    for (const [kind, values] of Object.entries(times)) {
      console.log(`${PARTITIONS} partitions, ${kind} restart until Metadata answers: ${values.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    }
  } finally {
    await stopped(broker, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

/**
 * Follower catch-up rate of a three-broker target: broker 3 is stopped (SIGTERM), and once it has left every
 * ISR, 1 GiB is written with acks=1 to an RF 3 topic (min.insync.replicas 2) by the native load generator,
 * routed to the partitions' leaders; broker 3 is then started again on its data, and Metadata is polled until
 * it is back in every partition's ISR. Brokers on the broker cores, load generator and this process on the
 * others. Prints a JSON report (and writes it with --out): what was written while it was down, seconds from
 * its start to ready and to back in every ISR, each partition's rejoin time, and the catch-up rate.
 *
 *   node dist/bench/cluster/catch-up.js [--target gregor-cluster|kafka-cluster] [--bytes 1073741824]
 *                                       [--partitions 16] [--record-size 1024] [--out FILE]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Admin } from '@platformatic/kafka';
import { createTopic, partitionLeaders, waitForServingLeaders, withAdmin } from '../drivers/admin.js';
import { runLoadgen } from '../drivers/loadgen.js';
import { cpuSets, describeMachine } from '../lib/machine.js';
import { freePort } from '../lib/ports.js';
import { pollUntil } from '../lib/poll.js';
import { pinProcess } from '../lib/process.js';
import { makeTarget } from '../targets/index.js';
import type { ClusterNodes, RunningBroker } from '../targets/target.js';

const FOLLOWER = 3;
const TOPIC = 'catch-up';
const MiB = 1 << 20;
/** Metadata is polled this often while the follower catches up (the rejoin times' resolution). */
const POLL_MS = 100;
const TARGETS = ['gregor-cluster', 'kafka-cluster'] as const;
/** Load generator runs to write the whole amount, each after a fresh look at the leaders. */
const MAX_WRITES = 5;

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'gregor-cluster' },
    bytes: { type: 'string', default: String(1 << 30) },
    partitions: { type: 'string', default: '16' },
    'record-size': { type: 'string', default: '1024' },
    out: { type: 'string' },
  },
});
const targetName = values.target as (typeof TARGETS)[number];
if (!TARGETS.includes(targetName)) throw new Error(`--target must be one of ${TARGETS.join(', ')}`);
const partitions = Number(values.partitions);
const recordSize = Number(values['record-size']);
const records = Math.ceil(Number(values.bytes) / recordSize);

const seconds = (fromMs: number, toMs: number): number => Math.round((toMs - fromMs) / 10) / 100;

/** Each partition's leader and ISR, as the broker answers now. */
async function partitionStates(admin: Admin): Promise<{ leader: number; isr: number[] }[] | undefined> {
  const md = await admin.metadata({ topics: [TOPIC], forceUpdate: true }).catch(() => undefined);
  return md?.topics.get(TOPIC)?.partitions.map((p) => ({ leader: p.leader, isr: p.isr }));
}

/**
 * Records in the topic once the brokers still up have replicated all of it: the sum of the partitions' high
 * watermarks (the topic is new, so it starts at 0), read until it stops rising. ListOffsets answers the high
 * watermark, which trails the leaders' ends while the other follower catches up with an acks=1 write.
 */
async function replicatedRecords(bootstrap: string): Promise<number> {
  return withAdmin(bootstrap, async (admin) => {
    const request = Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n }));
    const sum = async () => {
      const [topic] = await admin.listOffsets({ topics: [{ name: TOPIC, partitions: request }] });
      return (topic?.partitions ?? []).reduce((total, p) => total + Number(p.offset), 0);
    };
    let last = -1;
    let now = await sum();
    await pollUntil(
      async () => {
        [last, now] = [now, await sum()];
        return now === last;
      },
      'the high watermarks to stop rising',
      { timeoutMs: 600_000, intervalMs: 1_000 },
    );
    return now;
  });
}

async function measure(broker: RunningBroker, nodes: ClusterNodes, clientCpus: string | undefined) {
  await createTopic(broker.bootstrap, { name: TOPIC, partitions, replicas: 3, configs: { 'min.insync.replicas': '2' } });
  const stoppedAt = performance.now();
  await nodes.stop(FOLLOWER);
  await withAdmin(broker.bootstrap, (admin) =>
    pollUntil(
      async () => {
        const states = await partitionStates(admin);
        return states?.length === partitions && states.every((p) => p.leader >= 0 && p.leader !== FOLLOWER && !p.isr.includes(FOLLOWER));
      },
      `broker ${FOLLOWER} out of every ISR and a leader for every partition`,
      { timeoutMs: 180_000, intervalMs: POLL_MS },
    ),
  );
  const leftIsrAt = performance.now();
  await withAdmin(broker.bootstrap, (admin) => waitForServingLeaders(admin, TOPIC, partitions));
  // Leadership can still move while the write runs: what a leader refused is written again to the new leaders.
  const writes: { command: string; mibPerSec: number; error?: string }[] = [];
  let written = 0;
  while (written < records) {
    if (writes.length === MAX_WRITES) throw new Error(`${written} of ${records} records written after ${MAX_WRITES} attempts: ${JSON.stringify(writes)}`);
    const write = await runLoadgen({
      scenario: 'catch-up',
      target: broker.target,
      repeat: 1,
      mode: 'produce',
      cpus: clientCpus,
      args: {
        bootstrap: broker.bootstrap,
        leaders: (await partitionLeaders(broker.bootstrap, TOPIC)).join(','),
        topic: TOPIC,
        partitions,
        connections: 1,
        'record-size': recordSize,
        acks: 1,
        'warmup-s': 0,
        'duration-s': 600,
        'max-records': records - written,
      },
    });
    writes.push({ command: write.command, mibPerSec: Math.round(write.mbPerSec * 10) / 10, ...(write.ok && !write.error ? {} : { error: write.error }) });
    written = await replicatedRecords(broker.bootstrap);
  }
  const startedAt = performance.now();
  await nodes.start(FOLLOWER);
  const readyAt = performance.now();
  const rejoinedAt = new Array<number | undefined>(partitions).fill(undefined);
  await withAdmin(broker.bootstrap, (admin) =>
    pollUntil(
      async () => {
        const states = await partitionStates(admin);
        const now = performance.now();
        states?.forEach((p, i) => {
          if (p.isr.includes(FOLLOWER)) rejoinedAt[i] ??= now;
        });
        return rejoinedAt.every((t) => t !== undefined);
      },
      `broker ${FOLLOWER} back in every ISR`,
      { timeoutMs: 900_000, intervalMs: POLL_MS },
    ),
  );
  const inIsrAt = Math.max(...(rejoinedAt as number[]));
  const bytesBehind = written * recordSize;
  return {
    recordsWritten: written,
    bytesBehind,
    writes,
    secondsToLeaveIsr: seconds(stoppedAt, leftIsrAt),
    secondsFromStartToReady: seconds(startedAt, readyAt),
    secondsFromStartToIsr: seconds(startedAt, inIsrAt),
    secondsFromReadyToIsr: seconds(readyAt, inIsrAt),
    partitionRejoinSecondsFromStart: rejoinedAt.map((t) => seconds(startedAt, t!)),
    catchUpMiBPerSecFromStart: Math.round((bytesBehind / MiB / ((inIsrAt - startedAt) / 1000)) * 10) / 10,
    catchUpMiBPerSecFromReady: Math.round((bytesBehind / MiB / ((inIsrAt - readyAt) / 1000)) * 10) / 10,
  };
}

async function main(): Promise<void> {
  const { brokerCpus, clientCpus } = cpuSets();
  pinProcess(process.pid, clientCpus);
  const target = makeTarget(targetName);
  const why = await target.unavailable();
  if (why) throw new Error(`${targetName} cannot run here: ${why}`);
  const dataRoot = mkdtempSync(join(tmpdir(), 'gregor-catch-up-'));
  const startedAt = new Date().toISOString();
  try {
    const broker = await target.start({ dataRoot, cpus: brokerCpus, port: await freePort() });
    try {
      if (!broker.nodes) throw new Error(`${targetName} cannot stop and start its brokers one by one`);
      const result = await measure(broker, broker.nodes, clientCpus);
      const report = {
        benchmark: 'follower catch-up',
        command: `node dist/bench/cluster/catch-up.js --target ${targetName} --bytes ${values.bytes} --partitions ${partitions} --record-size ${recordSize}`,
        target: targetName,
        settings: target.describe(),
        topic: { partitions, replicationFactor: 3, minInsyncReplicas: 2, recordSize, acks: 1 },
        follower: FOLLOWER,
        brokerCpus: brokerCpus ?? null,
        clientCpus: clientCpus ?? null,
        machine: describeMachine(),
        startedAt,
        finishedAt: new Date().toISOString(),
        ...result,
      };
      const json = JSON.stringify(report, null, 2);
      console.log(json);
      if (values.out) writeFileSync(values.out, `${json}\n`);
    } finally {
      await broker.stop();
    }
  } finally {
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(`catch-up: ${e.stack ?? e.message}`);
  process.exitCode = 1;
});

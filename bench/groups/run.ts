/**
 * Consumer-group figures: how long a group takes to become Stable, memory per group, and sustained offset
 * commits per second. The broker runs as `gregor serve` in its own process (pinned with taskset when there
 * are cores to spare), with group.initial.rebalance.delay.ms=0; members are raw protocol clients over TCP
 * (one connection each, the codec's own encoder), so what is timed is the broker, not a client library.
 *
 *   npm run build:ts && node --expose-gc dist/bench/groups/run.js [--members 2,10,50] [--heartbeat-ms 100]
 *       [--commit-seconds 5] [--groups 10000]
 *
 * 1. Stable: N members send JoinGroup v9 at once (KIP-394 handshake, the leader assigns, SyncGroup v5),
 *    heartbeating every --heartbeat-ms as a client does; the time from the first JoinGroup to the leader's
 *    SyncGroup answer for a generation of all N (the moment the group turns Stable). Then one more member
 *    joins the Stable group: the others learn of it by heartbeat, so that time includes up to one interval.
 * 2. Memory: groups created in this process against a coordinator whose log is a no-op, heap used per
 *    group (one member, a 100-byte assignment, ten committed offsets) and per further member.
 * 3. Commits: C connections each commit one partition's offset after the previous answer, for
 *    --commit-seconds; commits/s and latency percentiles, with gregor's default durability (a commit is an
 *    acks=all append to __consumer_offsets answered once flushed) and with Kafka's (answered once
 *    appended). The same loop in process, straight into the coordinator of an in-process broker, shows
 *    what the coordinator and storage cost without the network and codec.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { GroupCoordinator } from '../../src/group/group-coordinator.js';
import { Broker } from '../../src/broker/broker.js';
import { encodeData } from '../../src/protocol/codec.js';
import { consumerProtocolSubscription } from '../../src/protocol/definitions/consumer-protocol.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { RawClient } from '../lib/raw-client.js';
import { freePort } from '../lib/ports.js';
import { GregorTarget } from '../targets/gregor.js';

const { values: args } = parseArgs({
  options: {
    members: { type: 'string', default: '2,10,50' },
    'heartbeat-ms': { type: 'string', default: '100' },
    'commit-seconds': { type: 'string', default: '5' },
    groups: { type: 'string', default: '10000' },
  },
});
const HEARTBEAT_MS = Number(args['heartbeat-ms']);
const JOIN_GROUP = 11;
const SYNC_GROUP = 14;
const HEARTBEAT = 12;
const OFFSET_COMMIT = 8;
const CREATE_TOPICS = 19;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A group member speaking JoinGroup v9 / SyncGroup v5 / Heartbeat v4 the way a consumer does. */
class WireMember {
  memberId = '';
  stopped = false;

  constructor(
    readonly client: RawClient,
    readonly groupId: string,
    readonly onLeaderSynced: (memberCount: number) => void,
  ) {}

  async run(): Promise<void> {
    const subscription = encodeData(consumerProtocolSubscription, 0, { topics: ['bench-commits'], userData: null });
    while (!this.stopped) {
      const joined = await this.client.request(JOIN_GROUP, 9, {
        groupId: this.groupId,
        sessionTimeoutMs: 30_000,
        rebalanceTimeoutMs: 60_000,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: subscription }],
        reason: null,
      });
      if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = joined.memberId;
        continue;
      }
      if (joined.errorCode !== ErrorCode.NONE) throw new Error(`JoinGroup answered ${ErrorCode[joined.errorCode]}`);
      const isLeader = joined.leader === joined.memberId;
      const synced = await this.client.request(SYNC_GROUP, 5, {
        groupId: this.groupId,
        generationId: joined.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: joined.protocolName,
        assignments: isLeader ? joined.members.map((m: { memberId: string }) => ({ memberId: m.memberId, assignment: Buffer.alloc(16) })) : [],
      });
      if (synced.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) continue;
      if (synced.errorCode !== ErrorCode.NONE) throw new Error(`SyncGroup answered ${ErrorCode[synced.errorCode]}`);
      if (isLeader) this.onLeaderSynced(joined.members.length);
      for (;;) {
        await sleep(HEARTBEAT_MS);
        if (this.stopped) return;
        const beat = await this.client.request(HEARTBEAT, 4, {
          groupId: this.groupId,
          generationId: joined.generationId,
          memberId: this.memberId,
          groupInstanceId: null,
        });
        if (beat.errorCode !== ErrorCode.NONE) break;
      }
    }
  }
}

/** Resolves when a leader has synced a generation of `count` members. */
class StableWatch {
  #waiters: { count: number; resolve: () => void }[] = [];
  synced = (count: number): void => {
    for (const w of this.#waiters.filter((w) => w.count === count)) w.resolve();
    this.#waiters = this.#waiters.filter((w) => w.count !== count);
  };
  stableWith(count: number): Promise<void> {
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}

async function timeToStable(bootstrap: string, size: number): Promise<{ formMs: number; joinOneMs: number }> {
  const groupId = `bench-${size}-${Date.now()}`;
  const watch = new StableWatch();
  const clients = await Promise.all(Array.from({ length: size + 1 }, () => RawClient.connect(bootstrap)));
  const members = clients.map((c) => new WireMember(c, groupId, watch.synced));
  const runs: Promise<void>[] = [];
  const formed = watch.stableWith(size);
  const t0 = performance.now();
  for (const m of members.slice(0, size)) runs.push(m.run());
  await formed;
  const formMs = performance.now() - t0;
  const grown = watch.stableWith(size + 1);
  const t1 = performance.now();
  runs.push(members[size]!.run());
  await grown;
  const joinOneMs = performance.now() - t1;
  // Requests in flight when the sockets close are never answered: stop without waiting for them.
  for (const m of members) m.stopped = true;
  for (const c of clients) c.close();
  void Promise.allSettled(runs);
  return { formMs, joinOneMs };
}

async function commitsPerSecond(bootstrap: string, connections: number, seconds: number): Promise<{ rate: number; p50: number; p99: number }> {
  const clients = await Promise.all(Array.from({ length: connections }, () => RawClient.connect(bootstrap)));
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (client, i) => {
      for (let offset = 0n; performance.now() < deadline; offset++) {
        const started = performance.now();
        const response = await client.request(OFFSET_COMMIT, 9, {
          groupId: `commit-bench-${i}`,
          generationIdOrMemberEpoch: -1,
          memberId: '',
          groupInstanceId: null,
          retentionTimeMs: -1n,
          topics: [
            {
              name: 'bench-commits',
              partitions: [{ partitionIndex: i % 8, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }],
            },
          ],
        });
        const code = response.topics[0].partitions[0].errorCode;
        if (code !== ErrorCode.NONE) throw new Error(`OffsetCommit answered ${ErrorCode[code]}`);
        latencies.push(performance.now() - started);
      }
    }),
  );
  for (const c of clients) c.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { rate: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

async function commitsInProcess(dataRoot: string, concurrency: number, seconds: number): Promise<number> {
  const broker = await Broker.start({
    config: { 'log.dir': mkdtempSync(join(dataRoot, 'in-process-')), 'gregor.flush.before.acks.all.enable': false },
    listen: false,
    logger: pino({ level: 'warn' }),
  });
  try {
    await broker.metadata.createTopic('bench-commits', { numPartitions: 8 });
    const coordinator = broker.services.groupCoordinator;
    const deadline = performance.now() + seconds * 1000;
    let commits = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        for (let offset = 0n; performance.now() < deadline; offset++) {
          const [code] = await coordinator.commitOffsets(`commit-bench-${i}`, {
            memberId: '',
            groupInstanceId: null,
            generationId: -1,
            offsets: [{ topic: 'bench-commits', partition: i % 8, offset, leaderEpoch: -1, metadata: '' }],
          });
          if (code !== ErrorCode.NONE) throw new Error(`commit answered ${ErrorCode[code!]}`);
          commits++;
        }
      }),
    );
    return commits / seconds;
  } finally {
    await broker.close();
  }
}

async function memoryPerGroup(groups: number): Promise<{ perGroup: number; perMember: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc for the memory figures');
  const coordinator = new GroupCoordinator({
    config: {
      initialRebalanceDelayMs: 0,
      minSessionTimeoutMs: 6000,
      maxSessionTimeoutMs: 1_800_000,
      maxGroupSize: 1000,
      offsetsRetentionMs: 7 * 86_400_000,
      offsetsRetentionCheckIntervalMs: 600_000,
    },
    log: { append: async () => undefined, replay: async () => undefined },
    topics: { partitionExists: () => true, logEndOffset: () => 0n },
  });
  await coordinator.start();
  const join = async (groupId: string, clientId: string) => {
    const joined = await coordinator.joinGroup(groupId, {
      memberId: '',
      groupInstanceId: null,
      clientId,
      clientHost: '/127.0.0.1',
      sessionTimeoutMs: 1_800_000,
      rebalanceTimeoutMs: 60_000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(32) }],
      requireKnownMemberId: false,
    });
    return joined;
  };
  const heap = () => {
    gc();
    return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  };
  const before = heap();
  for (let g = 0; g < groups; g++) {
    const groupId = `group-${g}`;
    const joined = await join(groupId, 'consumer-1');
    await coordinator.syncGroup(groupId, {
      memberId: joined.memberId,
      groupInstanceId: null,
      generationId: joined.generationId,
      protocolType: null,
      protocolName: null,
      assignments: new Map([[joined.memberId, Buffer.alloc(100)]]),
    });
    await coordinator.commitOffsets(groupId, {
      memberId: joined.memberId,
      groupInstanceId: null,
      generationId: joined.generationId,
      offsets: Array.from({ length: 10 }, (_, p) => ({ topic: 'events', partition: p, offset: 1000n, leaderEpoch: 0, metadata: '' })),
    });
  }
  const afterGroups = heap();
  // One more member per group (it waits in PreparingRebalance: the first member never rejoins here).
  for (let g = 0; g < groups; g++) void join(`group-${g}`, 'consumer-2');
  const afterMembers = heap();
  coordinator.shutdown();
  return { perGroup: (afterGroups - before) / groups, perMember: (afterMembers - afterGroups) / groups };
}

async function main(): Promise<void> {
  const sizes = args.members.split(',').map(Number);
  const cpus = availableParallelism() > 2 ? '0' : undefined;
  process.env.GREGOR_GROUP_INITIAL_REBALANCE_DELAY_MS = '0';
  const dataRoot = mkdtempSync(join(tmpdir(), 'gregor-group-bench-'));
  try {
    // gregor's default (commits fsynced before the answer), then Kafka's (answered once appended).
    for (const flushOnAck of [true, false]) {
      const broker = await new GregorTarget(flushOnAck).start({ dataRoot, port: await freePort(), cpus });
      try {
        const admin = await RawClient.connect(broker.bootstrap);
        await admin.request(CREATE_TOPICS, 7, {
          topics: [{ name: 'bench-commits', numPartitions: 8, replicationFactor: 1, assignments: [], configs: [] }],
          timeoutMs: 10_000,
          validateOnly: false,
        });
        admin.close();
        console.log(`\n# ${broker.target} (node ${process.version}), heartbeat every ${HEARTBEAT_MS} ms, group.initial.rebalance.delay.ms=0`);
        console.log('| members | all join → Stable (ms) | one more joins a Stable group → Stable (ms) |');
        console.log('|---:|---:|---:|');
        for (const size of sizes) {
          const { formMs, joinOneMs } = await timeToStable(broker.bootstrap, size);
          console.log(`| ${size} | ${formMs.toFixed(1)} | ${joinOneMs.toFixed(1)} |`);
        }
        console.log('\n| commit connections | offset commits/s | p50 (ms) | p99 (ms) |');
        console.log('|---:|---:|---:|---:|');
        for (const connections of [1, 16]) {
          const { rate, p50, p99 } = await commitsPerSecond(broker.bootstrap, connections, Number(args['commit-seconds']));
          console.log(`| ${connections} | ${rate.toFixed(0)} | ${p50.toFixed(2)} | ${p99.toFixed(2)} |`);
        }
      } finally {
        await broker.stop();
      }
    }
    console.log('\n| in-process committers (no flush) | offset commits/s |');
    console.log('|---:|---:|');
    for (const concurrency of [1, 16])
      console.log(`| ${concurrency} | ${(await commitsInProcess(dataRoot, concurrency, Number(args['commit-seconds']))).toFixed(0)} |`);
  } finally {
    rmSync(dataRoot, { recursive: true, force: true });
  }
  const { perGroup, perMember } = await memoryPerGroup(Number(args.groups));
  console.log(
    `\nmemory: ${(perGroup / 1024).toFixed(2)} KiB per group (1 member, 100-byte assignment, 10 offsets), ${(perMember / 1024).toFixed(2)} KiB per further member`,
  );
}

await main();

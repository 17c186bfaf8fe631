// Debian's kcat 1.7 (librdkafka 2.0.2: JoinGroup v5, SyncGroup v3, LeaveGroup v1, OffsetCommit v7) as a
// balanced consumer (-G): joins, consumes and commits; two kcat members split the partitions.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeData } from '../../src/protocol/codec.js';
import { consumerProtocolAssignment } from '../../src/protocol/definitions/consumer-protocol.js';
import { pollUntil } from '../support/poll.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { hasKcat, kcat } from '../support/kcat.js';

let broker: TestBroker;
const children: ChildProcess[] = [];

beforeAll(async () => {
  broker = await startBroker({ 'group.initial.rebalance.delay.ms': 0 });
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await broker?.close();
});

/** A long-running `kcat -G` member; its output lines are collected. */
function member(group: string, topic: string): { child: ChildProcess; lines: string[] } {
  const child = spawn(
    'kcat',
    [
      '-b',
      broker.bootstrap,
      '-G',
      group,
      topic,
      '-q',
      '-u',
      '-f',
      '%p %o %s\\n',
      '-X',
      'auto.offset.reset=earliest',
      '-X',
      'session.timeout.ms=6000',
      '-X',
      'heartbeat.interval.ms=500',
    ],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  children.push(child);
  const lines: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop()!;
    lines.push(...parts.filter((l) => l !== ''));
  });
  return { child, lines };
}

const coordinator = () => broker.broker.services.groupCoordinator;

describe.skipIf(!hasKcat())('kcat -G (librdkafka 2.0.2 balanced consumer)', () => {
  it('joins, consumes every record and commits its offsets', async () => {
    await broker.broker.metadata.createTopic('kcat-group', { numPartitions: 3 });
    await kcat(['-b', broker.bootstrap, '-P', '-t', 'kcat-group', '-p', '0'], 'a\nb\nc\n');
    await kcat(['-b', broker.bootstrap, '-P', '-t', 'kcat-group', '-p', '2'], 'd\ne\n');
    const m = member('kcat-g1', 'kcat-group');
    await pollUntil(() => m.lines.length >= 5, 'kcat consumed every record', { timeoutMs: 30_000 });
    expect(m.lines.sort()).toEqual(['0 0 a', '0 1 b', '0 2 c', '2 0 d', '2 1 e']);
    // librdkafka auto-commits every 5 s and on close.
    m.child.kill('SIGTERM');
    await pollUntil(
      () => {
        const offsets = coordinator().fetchOffsets('kcat-g1', [{ topic: 'kcat-group', partitions: [0, 2] }]).offsets;
        return offsets[0]!.offset === 3n && offsets[1]!.offset === 2n;
      },
      'offsets committed',
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  });

  it('two kcat members split the partitions', async () => {
    await broker.broker.metadata.createTopic('kcat-split', { numPartitions: 4 });
    member('kcat-g2', 'kcat-split');
    member('kcat-g2', 'kcat-split');
    let owned: number[][] = [];
    await pollUntil(
      () => {
        const d = coordinator().describeGroup('kcat-g2').description;
        if (d.state !== 'Stable' || d.members.length !== 2) return false;
        owned = d.members.map((mem) =>
          (decodeData(consumerProtocolAssignment, mem.assignment).body.assignedPartitions as { partitions: number[] }[]).flatMap((tp) => tp.partitions),
        );
        return true;
      },
      'kcat-g2 Stable with two members',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(owned.every((p) => p.length === 2)).toBe(true);
    expect(owned.flat().sort()).toEqual([0, 1, 2, 3]);
  });
});

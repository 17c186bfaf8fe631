/** `gregor group …`: list, describe (members, assignments, lag per partition), delete and seek consumer groups. */
import type { Admin, Group } from '@platformatic/kafka';
import { withAdmin } from '../kafka-client.js';
import { LATEST, listOffsets, parsePosition, resolvePosition } from '../offsets.js';
import { partitionsOf } from '../topics.js';
import { formatPairs, formatTable } from '../output/table.js';
import { render, type OutputFormat } from '../output/render.js';

export async function list(brokers: string[], options: { format: OutputFormat }): Promise<void> {
  const groups = await withAdmin(brokers, (admin) => admin.listGroups());
  const rows = [...groups.values()]
    .map((g) => ({ group: g.id, state: g.state, protocolType: g.protocolType, type: g.groupType }))
    .sort((a, b) => a.group.localeCompare(b.group));
  render(options.format, rows, (r) =>
    formatTable(
      [
        { header: 'group', value: (g) => g.group },
        { header: 'state', value: (g) => g.state },
        { header: 'protocol-type', value: (g) => g.protocolType },
      ],
      r,
    ),
  );
}

interface PartitionLag {
  topic: string;
  partition: number;
  /** null when the group has committed nothing for the partition. */
  committedOffset: bigint | null;
  logEndOffset: bigint;
  lag: bigint | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

interface GroupDescription {
  group: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: { memberId: string; instanceId: string | null; clientId: string; host: string; assignments: { topic: string; partitions: number[] }[] }[];
  totalLag: bigint;
  partitions: PartitionLag[];
}

export async function describe(brokers: string[], groups: string[], options: { format: OutputFormat }): Promise<void> {
  const descriptions = await withAdmin(brokers, async (admin) => {
    const described = await admin.describeGroups({ groups });
    return Promise.all(groups.map((id) => describeOne(admin, id, described.get(id))));
  });
  render(options.format, descriptions, (all) => all.map(groupText).join('\n'));
}

async function describeOne(admin: Admin, id: string, group: Group | undefined): Promise<GroupDescription> {
  const members = [...(group?.members.values() ?? [])].map((m) => ({
    memberId: m.id,
    instanceId: m.groupInstanceId ?? null,
    clientId: m.clientId,
    host: m.clientHost,
    assignments: [...(m.assignments?.values() ?? [])].map((a) => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) })),
  }));
  const owner = new Map<string, (typeof members)[number]>();
  for (const m of members) for (const a of m.assignments) for (const p of a.partitions) owner.set(`${a.topic}:${p}`, m);

  const [committed] = await admin.listConsumerGroupOffsets({ groups: [id] });
  const byTopic = new Map<string, Map<number, bigint>>();
  for (const t of committed?.topics ?? []) {
    byTopic.set(t.name, new Map(t.partitions.map((p) => [p.partitionIndex, p.committedOffset])));
  }
  for (const m of members) for (const a of m.assignments) if (!byTopic.has(a.topic)) byTopic.set(a.topic, new Map());

  const partitions: PartitionLag[] = [];
  for (const [topic, commits] of [...byTopic].sort(([a], [b]) => a.localeCompare(b))) {
    const numbers = await partitionsOf(admin, topic);
    const assigned = numbers.filter((p) => commits.has(p) || owner.has(`${topic}:${p}`));
    const ends = await listOffsets(admin, topic, assigned, LATEST);
    for (const partition of assigned) {
      const raw = commits.get(partition);
      const committedOffset = raw === undefined || raw < 0n ? null : raw;
      const logEndOffset = ends.get(partition) ?? -1n;
      const m = owner.get(`${topic}:${partition}`);
      partitions.push({
        topic,
        partition,
        committedOffset,
        logEndOffset,
        lag: committedOffset === null ? null : logEndOffset - committedOffset,
        memberId: m?.memberId ?? null,
        clientId: m?.clientId ?? null,
        host: m?.host ?? null,
      });
    }
  }
  return {
    group: id,
    state: group?.state ?? 'DEAD',
    protocolType: group?.protocolType ?? '',
    protocol: group?.protocol ?? '',
    members,
    totalLag: partitions.reduce((sum, p) => sum + (p.lag ?? 0n), 0n),
    partitions,
  };
}

function groupText(g: GroupDescription): string {
  const summary = formatPairs([
    ['group', g.group],
    ['state', g.state],
    ['protocol', g.protocol],
    ['members', g.members.length],
    ['total-lag', g.totalLag],
  ]);
  const table = formatTable(
    [
      { header: 'topic', value: (p: PartitionLag) => p.topic },
      { header: 'partition', value: (p) => p.partition, numeric: true },
      { header: 'current-offset', value: (p) => p.committedOffset, numeric: true },
      { header: 'log-end-offset', value: (p) => p.logEndOffset, numeric: true },
      { header: 'lag', value: (p) => p.lag, numeric: true },
      { header: 'member-id', value: (p) => p.memberId },
      { header: 'client-id', value: (p) => p.clientId },
      { header: 'host', value: (p) => p.host },
    ],
    g.partitions,
  );
  return `${summary}\n${table}`;
}

export async function remove(brokers: string[], groups: string[]): Promise<void> {
  await withAdmin(brokers, (admin) => admin.deleteGroups({ groups }));
}

export async function seek(brokers: string[], group: string, options: { topic: string[]; to: string }): Promise<void> {
  const position = parsePosition(options.to);
  await withAdmin(brokers, async (admin) => {
    const topics = await Promise.all(
      options.topic.map(async (name) => {
        const offsets = await resolvePosition(admin, name, await partitionsOf(admin, name), position);
        return { name, partitionOffsets: [...offsets].map(([partition, offset]) => ({ partition, offset })) };
      }),
    );
    await admin.alterConsumerGroupOffsets({ groupId: group, topics });
  });
}

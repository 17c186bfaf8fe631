/** `gregor cluster info` (cluster id, controller, brokers and partition leaders) and `gregor cluster config` (a broker's settings). */
import { ConfigResourceTypes } from '@platformatic/kafka';
import { type ConfigRow, configsTable, describeConfigs } from '../configs.js';
import { withAdmin } from '../kafka-client.js';
import { formatPairs, formatTable } from '../output/table.js';
import { render, type OutputFormat } from '../output/render.js';

interface PartitionLeader {
  readonly topic: string;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: number[];
  readonly isr: number[];
}

export async function info(brokers: string[], options: { internal?: boolean; format: OutputFormat }): Promise<void> {
  const cluster = await withAdmin(brokers, async (admin) => {
    const names = (await admin.listTopics({ includeInternals: options.internal ?? false })).sort();
    const metadata = await admin.metadata({ topics: names });
    const partitions: PartitionLeader[] = names.flatMap((topic) =>
      (metadata.topics.get(topic)?.partitions ?? []).map((p, partition) => ({
        topic,
        partition,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicas,
        isr: p.isr,
      })),
    );
    return {
      clusterId: metadata.id,
      controllerId: metadata.controllerId,
      brokers: [...metadata.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port, rack: b.rack ?? null })).sort((a, b) => a.nodeId - b.nodeId),
      partitions,
    };
  });
  render(options.format, cluster, (c) => {
    const summary = formatPairs([
      ['cluster-id', c.clusterId],
      ['controller', c.controllerId],
    ]);
    const table = formatTable(
      [
        { header: 'id', value: (b: (typeof c.brokers)[number]) => (b.nodeId === c.controllerId ? `${b.nodeId}*` : b.nodeId) },
        { header: 'host', value: (b) => b.host },
        { header: 'port', value: (b) => b.port, numeric: true },
        { header: 'rack', value: (b) => b.rack },
      ],
      c.brokers,
    );
    if (c.partitions.length === 0) return `${summary}\n${table}`;
    const leaders = formatTable(
      [
        { header: 'topic', value: (p: PartitionLeader) => p.topic },
        { header: 'partition', value: (p) => p.partition, numeric: true },
        { header: 'leader', value: (p) => p.leader, numeric: true },
        { header: 'epoch', value: (p) => p.leaderEpoch, numeric: true },
        { header: 'replicas', value: (p) => p.replicas.join(',') },
        { header: 'isr', value: (p) => p.isr.join(',') },
      ],
      c.partitions,
    );
    return `${summary}\n${table}\n${leaders}`;
  });
}

/** The settings of a broker (the first one contacted unless `broker` names a node id), with their sources. */
export async function config(brokers: string[], options: { broker?: number; format: OutputFormat }): Promise<void> {
  const rows: ConfigRow[] = await withAdmin(brokers, async (admin) => {
    const nodeId = options.broker ?? [...(await admin.metadata({ topics: [] })).brokers.keys()].sort((a, b) => a - b)[0];
    return describeConfigs(admin, ConfigResourceTypes.BROKER, String(nodeId));
  });
  render(options.format, rows, configsTable);
}

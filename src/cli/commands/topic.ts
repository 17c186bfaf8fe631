/** `gregor topic …`: create, list, describe, delete, alter-config, add-partitions, through the Admin API. */
import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes, type IncrementalAlterConfigsOptions } from '@platformatic/kafka';
import { type ConfigRow, configsTable, describeConfigs } from '../configs.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { withAdmin } from '../kafka-client.js';
import { parseKeyValue } from '../key-value.js';
import { EARLIEST, LATEST, listOffsets } from '../offsets.js';
import { topicMetadata } from '../topics.js';
import { formatPairs, formatTable } from '../output/table.js';
import { render, type OutputFormat } from '../output/render.js';

export async function create(
  brokers: string[],
  topics: string[],
  options: { partitions?: number; replicas?: number; config?: string[]; format: OutputFormat },
): Promise<void> {
  const configs = (options.config ?? []).map((text) => {
    const [name, value] = parseKeyValue(text, '--config');
    return { name, value };
  });
  const created = await withAdmin(brokers, (admin) =>
    admin.createTopics({ topics, partitions: options.partitions ?? -1, replicas: options.replicas ?? -1, configs }),
  );
  const rows = created.map((t) => ({ topic: t.name, id: t.id, partitions: t.partitions, replicas: t.replicas }));
  render(options.format, rows, (r) =>
    formatTable(
      [
        { header: 'topic', value: (t) => t.topic },
        { header: 'partitions', value: (t) => t.partitions, numeric: true },
        { header: 'replicas', value: (t) => t.replicas, numeric: true },
        { header: 'id', value: (t) => t.id },
      ],
      r,
    ),
  );
}

export async function list(brokers: string[], options: { internal?: boolean; format: OutputFormat }): Promise<void> {
  const rows = await withAdmin(brokers, async (admin) => {
    const names = (await admin.listTopics({ includeInternals: options.internal ?? false })).sort();
    if (names.length === 0) return [];
    const metadata = await admin.metadata({ topics: names });
    return names.map((name) => {
      const topic = metadata.topics.get(name);
      return { topic: name, id: topic?.id, partitions: topic?.partitionsCount ?? 0, replicas: topic?.partitions[0]?.replicas.length ?? 0 };
    });
  });
  render(options.format, rows, (r) =>
    formatTable(
      [
        { header: 'topic', value: (t) => t.topic },
        { header: 'partitions', value: (t) => t.partitions, numeric: true },
        { header: 'replicas', value: (t) => t.replicas, numeric: true },
      ],
      r,
    ),
  );
}

interface TopicDescription {
  readonly topic: string;
  readonly id: string;
  readonly partitionCount: number;
  readonly replicationFactor: number;
  readonly configs: ConfigRow[];
  readonly partitions: {
    partition: number;
    leader: number;
    leaderEpoch: number;
    replicas: number[];
    isr: number[];
    logStartOffset: bigint;
    highWatermark: bigint;
  }[];
}

export async function describe(brokers: string[], name: string, options: { configs?: boolean; partitions?: boolean; format: OutputFormat }): Promise<void> {
  const description = await withAdmin(brokers, async (admin): Promise<TopicDescription> => {
    const topic = await topicMetadata(admin, name);
    const indexes = topic.partitions.map((_, i) => i);
    const [configs, starts, ends] = await Promise.all([
      describeConfigs(admin, ConfigResourceTypes.TOPIC, name),
      listOffsets(admin, name, indexes, EARLIEST),
      listOffsets(admin, name, indexes, LATEST),
    ]);
    return {
      topic: name,
      id: topic.id,
      partitionCount: topic.partitionsCount,
      replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
      configs,
      partitions: topic.partitions.map((p, partition) => ({
        partition,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicas,
        isr: p.isr,
        logStartOffset: starts.get(partition) ?? -1n,
        highWatermark: ends.get(partition) ?? -1n,
      })),
    };
  });
  render(options.format, description, (d) => {
    const configs = configsTable(d.configs);
    const partitions = formatTable(
      [
        { header: 'partition', value: (p: TopicDescription['partitions'][number]) => p.partition, numeric: true },
        { header: 'leader', value: (p) => p.leader, numeric: true },
        { header: 'epoch', value: (p) => p.leaderEpoch, numeric: true },
        { header: 'replicas', value: (p) => p.replicas.join(',') },
        { header: 'isr', value: (p) => p.isr.join(',') },
        { header: 'log-start-offset', value: (p) => p.logStartOffset, numeric: true },
        { header: 'high-watermark', value: (p) => p.highWatermark, numeric: true },
      ],
      d.partitions,
    );
    if (options.configs) return configs;
    if (options.partitions) return partitions;
    const summary = formatPairs([
      ['name', d.topic],
      ['id', d.id],
      ['partitions', d.partitionCount],
      ['replicas', d.replicationFactor],
    ]);
    return `SUMMARY\n=======\n${summary}\nCONFIGS\n=======\n${configs}\nPARTITIONS\n==========\n${partitions}`;
  });
}

export async function remove(brokers: string[], topics: string[]): Promise<void> {
  await withAdmin(brokers, (admin) => admin.deleteTopics({ topics }));
}

type AlterConfig = IncrementalAlterConfigsOptions['resources'][number]['configs'][number];

export async function alterConfig(brokers: string[], name: string, options: { set?: string[]; delete?: string[] }): Promise<void> {
  const configs: AlterConfig[] = [
    ...(options.set ?? []).map((text): AlterConfig => {
      const [key, value] = parseKeyValue(text, '--set');
      return { name: key, value, configOperation: IncrementalAlterConfigOperationTypes.SET };
    }),
    ...(options.delete ?? []).map((key): AlterConfig => ({ name: key, configOperation: IncrementalAlterConfigOperationTypes.DELETE })),
  ];
  if (configs.length === 0) throw new CliError('nothing to change', 'give --set key=value or --delete key', EXIT_USAGE);
  await withAdmin(brokers, (admin) => admin.incrementalAlterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name, configs }] }));
}

export async function addPartitions(brokers: string[], name: string, options: { num: number }): Promise<void> {
  await withAdmin(brokers, async (admin) => {
    const current = (await topicMetadata(admin, name)).partitionsCount;
    await admin.createPartitions({ topics: [{ name, count: current + options.num }] });
  });
}

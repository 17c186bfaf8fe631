/** `gregor cluster info` (cluster id, controller and brokers) and `gregor cluster config` (a broker's settings). */
import { ConfigResourceTypes } from '@platformatic/kafka';
import { type ConfigRow, configsTable, describeConfigs } from '../configs.js';
import { withAdmin } from '../kafka-client.js';
import { formatPairs, formatTable } from '../output/table.js';
import { render, type OutputFormat } from '../output/render.js';

export async function info(brokers: string[], options: { format: OutputFormat }): Promise<void> {
  const cluster = await withAdmin(brokers, async (admin) => {
    const metadata = await admin.metadata({ topics: [] });
    return {
      clusterId: metadata.id,
      controllerId: metadata.controllerId,
      brokers: [...metadata.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port, rack: b.rack ?? null })).sort((a, b) => a.nodeId - b.nodeId),
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
    return `${summary}\n${table}`;
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

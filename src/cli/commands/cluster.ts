/** `gregor cluster info`: cluster id, controller and brokers from Metadata. */
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

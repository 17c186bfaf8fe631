/** A resource's configuration as DescribeConfigs reports it (value, source, read-only), and its table. */
import { type Admin, type ConfigResourceTypeValue, ConfigSources } from '@platformatic/kafka';
import { formatTable } from './output/table.js';

export interface ConfigRow {
  readonly name: string;
  /** null when unset or sensitive. */
  readonly value: string | null;
  /** Kafka's ConfigSource name: TOPIC_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG, … */
  readonly source: string;
  readonly readOnly: boolean;
  readonly sensitive: boolean;
}

const SOURCE_NAMES = new Map<number, string>(Object.entries(ConfigSources).map(([name, value]) => [value, name]));

export async function describeConfigs(admin: Admin, resourceType: ConfigResourceTypeValue, resourceName: string): Promise<ConfigRow[]> {
  const [described] = await admin.describeConfigs({ resources: [{ resourceType, resourceName }] });
  return (described?.configs ?? [])
    .map((c) => ({
      name: c.name,
      value: c.isSensitive ? null : (c.value ?? null),
      source: SOURCE_NAMES.get(c.configSource) ?? String(c.configSource),
      readOnly: c.readOnly,
      sensitive: c.isSensitive,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function configsTable(rows: readonly ConfigRow[]): string {
  return formatTable(
    [
      { header: 'key', value: (c: ConfigRow) => c.name },
      { header: 'value', value: (c) => (c.sensitive ? '(sensitive)' : c.value) },
      { header: 'source', value: (c) => c.source },
    ],
    rows,
  );
}

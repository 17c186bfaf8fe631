/**
 * The `gregor` command end to end: a broker started by `gregor serve` on ephemeral ports, driven by the CLI
 * in child processes, as an operator would.
 */
import { writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../metrics/prometheus-text.js';
import { type CliResult, requireBuild, runCli, serveBroker, stopAll, tempDir, type ServedBroker } from './cli-process.js';

let broker: ServedBroker;
const cli = (args: string[], input?: string) => runCli(['--brokers', broker.brokers, ...args], { input });

beforeAll(async () => {
  requireBuild();
  broker = await serveBroker();
});

afterAll(stopAll);

/** The JSON a successful command printed; a failed one fails the test with its stderr. */
function jsonOf(result: CliResult): any {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

async function scrape() {
  const response = await fetch(`${broker.adminUrl}/metrics`);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

describe('gregor serve', () => {
  it('prints where it listens and commands to try', () => {
    expect(broker.brokers).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(broker.stdout()).toContain(`produce --brokers ${broker.brokers} quickstart`);
    expect(broker.stdout()).toContain(`consume --brokers ${broker.brokers} quickstart`);
  });

  it('prints produce and consume commands that work when pasted into a shell', async () => {
    const commands = broker
      .stdout()
      .split('try:\n')[1]!
      .trim()
      .split('\n')
      .map((line) => line.trim());
    expect(commands).toHaveLength(2);
    const sh = (command: string) => runCli([], { shell: command });
    const produced = await sh(commands[0]!);
    expect({ code: produced.code, stderr: produced.stderr }).toEqual({ code: 0, stderr: '' });
    const consumed = await sh(commands[1]!);
    expect({ code: consumed.code, stdout: consumed.stdout, stderr: consumed.stderr }).toEqual({ code: 0, stdout: 'hello gregor\n', stderr: '' });
  });

  it('answers the health endpoints', async () => {
    expect((await fetch(`${broker.adminUrl}/health/live`)).status).toBe(200);
    const ready = await fetch(`${broker.adminUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });
});

describe('topics', () => {
  it('creates a topic, lists it as JSON, and refuses to create it twice with the Kafka error name', async () => {
    const created = await cli(['topic', 'create', 'orders', '-p', '3']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout.split('\n')[0]).toMatch(/^TOPIC\s+PARTITIONS\s+REPLICAS\s+ID$/);
    expect(created.stdout).toMatch(/^orders\s+3\s+1\s+\S+$/m);

    const listed = await cli(['topic', 'list', '--format', 'json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ topic: 'orders', partitions: 3, replicas: 1 }));

    const again = await cli(['topic', 'create', 'orders']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('TOPIC_ALREADY_EXISTS');
    expect(again.stderr).toContain('gregor topic delete orders');
  });

  it('describes partitions with their offsets, as a table awk can read', async () => {
    await cli(['topic', 'create', 'described', '-p', '2']);
    const text = await cli(['topic', 'describe', 'described', '--partitions']);
    expect(text.code).toBe(0);
    const rows = text.stdout.trim().split('\n');
    expect(rows[0]!.split(/\s+/)).toEqual(['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'LOG-START-OFFSET', 'HIGH-WATERMARK']);
    expect(rows.slice(1).map((row) => row.trim().split(/\s+/)[0])).toEqual(['0', '1']);
  });

  it('fails with UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist', async () => {
    const result = await cli(['topic', 'describe', 'no-such-topic']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('adds partitions and alters configs', async () => {
    await cli(['topic', 'create', 'growing', '-p', '1']);
    expect((await cli(['topic', 'add-partitions', 'growing', '-n', '2'])).code).toBe(0);
    expect((await cli(['topic', 'alter-config', 'growing', '--set', 'retention.ms=60000'])).code).toBe(0);
    const described = jsonOf(await cli(['topic', 'describe', 'growing', '--format', 'json']));
    expect(described.partitionCount).toBe(3);
    expect(described.configs).toContainEqual(expect.objectContaining({ name: 'retention.ms', value: '60000', source: 'TOPIC_CONFIG' }));
    expect((await cli(['topic', 'delete', 'growing'])).code).toBe(0);
    expect(jsonOf(await cli(['topic', 'list', '--format', 'json'])).map((t: { topic: string }) => t.topic)).not.toContain('growing');
  });
});

describe('produce and consume', () => {
  const lines = Array.from({ length: 10 }, (_, i) => `key-${i}:value-${i}`);

  beforeAll(async () => {
    expect((await cli(['topic', 'create', 'lines', '-p', '1'])).code).toBe(0);
  });

  it('produces stdin lines with keys and headers, and the metrics count them', async () => {
    const before = await scrape();
    const produced = await cli(['produce', 'lines', '-k', ':', '-H', 'source=cli', '--acks', 'all'], `${lines.join('\n')}\n`);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    const after = await scrape();
    const requests = (samples: typeof after) => samples.filter((s) => s.name === 'gregor_request_duration_seconds_count').reduce((sum, s) => sum + s.value, 0);
    expect(requests(after)).toBeGreaterThan(requests(before));
    expect(sampleValue(after, 'gregor_topic_records_in_total', { topic: 'lines' })).toBe(10);
    expect(sampleValue(after, 'gregor_topic_bytes_in_total', { topic: 'lines' })).toBeGreaterThan(0);
    expect(sampleValue(after, 'gregor_topic_partitions', { topic: 'lines' })).toBe(1);
    expect(sampleValue(after, 'gregor_topic_log_records', { topic: 'lines' })).toBe(10);
    expect(sampleValue(after, 'gregor_topic_log_size_bytes', { topic: 'lines' })).toBe(sampleValue(after, 'gregor_topic_bytes_in_total', { topic: 'lines' }));
    expect(sampleValue(after, 'gregor_request_duration_seconds_count', { api: 'Produce' })).toBeGreaterThan(0);
    expect(sampleValue(after, 'gregor_mapped_bytes', { file: 'log' })).toBeGreaterThan(0);
  });

  it('consumes N records with a kcat-style format string', async () => {
    const consumed = await cli(['consume', 'lines', '-n', '10', '-f', '%t %p %o %k=%s %h\\n']);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trimEnd().split('\n')).toEqual(lines.map((line, i) => `lines 0 ${i} ${line.replace(':', '=')} source=cli`));
  });

  it('consumes the last N records as JSON lines that parse', async () => {
    const consumed = await cli(['consume', 'lines', '-o', '-3', '-n', '3', '--format', 'json']);
    expect(consumed.code).toBe(0);
    const records = consumed.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.map((r) => [r.offset, r.key, r.value])).toEqual([
      [7, 'key-7', 'value-7'],
      [8, 'key-8', 'value-8'],
      [9, 'key-9', 'value-9'],
    ]);
    expect(records[0].headers).toEqual([{ key: 'source', value: 'cli' }]);
  });
});

describe('groups', () => {
  beforeAll(async () => {
    expect((await cli(['topic', 'create', 'lagging', '-p', '1'])).code).toBe(0);
    const values = Array.from({ length: 10 }, (_, i) => `v${i}`).join('\n');
    expect((await cli(['produce', 'lagging'], `${values}\n`)).code).toBe(0);
  });

  it('describes the lag of a group that consumed part of a topic', async () => {
    const consumed = await cli(['consume', 'lagging', '-g', 'readers', '-n', '4']);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout).toBe('v0\nv1\nv2\nv3\n');

    const json = await cli(['group', 'describe', 'readers', '--format', 'json']);
    expect(json.code).toBe(0);
    const [group] = JSON.parse(json.stdout);
    expect(group.totalLag).toBe(6);
    expect(group.partitions).toEqual([expect.objectContaining({ topic: 'lagging', partition: 0, committedOffset: 4, logEndOffset: 10, lag: 6 })]);

    const text = await cli(['group', 'describe', 'readers']);
    const header = text.stdout
      .split('\n')
      .find((line) => line.startsWith('TOPIC'))!
      .split(/\s+/);
    const row = text.stdout
      .split('\n')
      .find((line) => line.startsWith('lagging'))!
      .split(/\s+/);
    expect(row[header.indexOf('LAG')]).toBe('6');

    const listed = jsonOf(await cli(['group', 'list', '--format', 'json']));
    expect(listed).toContainEqual(expect.objectContaining({ group: 'readers' }));
  });

  it('resumes a group where it committed, and seeks it back to the start', async () => {
    expect((await cli(['consume', 'lagging', '-g', 'resumers', '-n', '2'])).stdout).toBe('v0\nv1\n');
    expect((await cli(['consume', 'lagging', '-g', 'resumers', '-n', '2'])).stdout).toBe('v2\nv3\n');
    expect((await cli(['group', 'seek', 'resumers', '-t', 'lagging', '--to', 'start'])).code).toBe(0);
    expect((await cli(['consume', 'lagging', '-g', 'resumers', '-n', '1'])).stdout).toBe('v0\n');
  });

  it('fails with the Kafka error name for a group that does not exist', async () => {
    const result = await cli(['group', 'delete', 'nobody']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/GROUP_ID_NOT_FOUND/);
  });
});

describe('cluster and errors', () => {
  it('shows the cluster', async () => {
    const info = jsonOf(await cli(['cluster', 'info', '--format', 'json']));
    expect(info.brokers).toEqual([expect.objectContaining({ host: '127.0.0.1', port: Number(broker.brokers.split(':')[1]) })]);
    expect(typeof info.clusterId).toBe('string');
  });

  it('explains an unreachable broker and exits non-zero', async () => {
    const result = await runCli(['--brokers', '127.0.0.1:1', 'topic', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach 127.0.0.1:1');
  });

  it('hands `gregor bench` and its arguments to the harness', async () => {
    const result = await runCli(['bench', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--suite');
  });

  it('exits 2 on a usage error', async () => {
    const result = await cli(['consume', 'lines', '-o', 'soon']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read position');
    const unknown = await cli(['topic', 'list', '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--no-such-flag'");
  });
});

describe('configuration', () => {
  it('starts from a Kafka server.properties, warning about the keys it does not know', async () => {
    const dir = tempDir('gregor-cli-props-');
    const file = join(dir, 'server.properties');
    writeFileSync(
      file,
      [
        '# a Kafka KRaft server.properties, as shipped, trimmed',
        'process.roles=broker,controller',
        'node.id=7',
        'listeners=PLAINTEXT://127.0.0.1:0',
        `log.dirs=${join(dir, 'logs')}`,
        'num.partitions=4',
        'auto.create.topics.enable=false',
        'gregor.metrics.kafka.names.enable=true',
      ].join('\n'),
    );
    const fromFile = await serveBroker(['--config', file], { flags: false, env: { GREGOR_ADMIN_LISTENER: '127.0.0.1:0' } });
    try {
      expect(fromFile.stderr()).toContain('unknown broker config process.roles ignored');
      expect(fromFile.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const run = (args: string[], input?: string) => runCli(['--brokers', fromFile.brokers, ...args], { input });
      expect((await run(['topic', 'create', 'defaults'])).code).toBe(0);
      const described = jsonOf(await run(['topic', 'describe', 'defaults', '--format', 'json']));
      expect(described.partitionCount).toBe(4);
      const cluster = jsonOf(await run(['cluster', 'info', '--format', 'json']));
      expect(cluster.brokers[0].nodeId).toBe(7);
      // DescribeConfigs reports each value with its source: the file and the environment are static config.
      const settings = new Map<string, { value: string | null; source: string }>(
        jsonOf(await run(['cluster', 'config', '--format', 'json'])).map((c: { name: string }) => [c.name, c]),
      );
      expect(settings.get('num.partitions')).toMatchObject({ value: '4', source: 'STATIC_BROKER_CONFIG' });
      expect(settings.get('gregor.admin.listener')).toMatchObject({ value: '127.0.0.1:0', source: 'STATIC_BROKER_CONFIG' });
      expect(settings.get('message.max.bytes')).toMatchObject({ value: '1048588', source: 'DEFAULT_CONFIG' });
      expect(settings.has('process.roles')).toBe(false);
      const produced = await run(['produce', 'not-created'], 'x\n');
      expect(produced.code).toBe(1);
      expect(produced.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
      expect(readdirSync(join(dir, 'logs'))).toContain('defaults-0');
      expect((await run(['produce', 'defaults'], 'a\nb\n')).code).toBe(0);
      const samples = parsePrometheusText(await (await fetch(`${fromFile.adminUrl}/metrics`)).text());
      expect(sampleValue(samples, 'kafka_server_brokertopicmetrics_messagesin_total', { topic: 'defaults' })).toBe(2);
      expect(sampleValue(samples, 'gregor_connections')).toBeTypeOf('number');
    } finally {
      expect((await fromFile.stop()).code).toBe(0);
    }
  });

  it('shuts down gracefully on SIGTERM within the budget', async () => {
    const other = await serveBroker();
    const { code, ms } = await other.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  });
});

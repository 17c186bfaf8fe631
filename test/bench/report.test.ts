/**
 * The summary table's layout on made-up runs: where the embedded target's points go and what its ratios compare,
 * and a cluster suite's gregor-cluster/kafka-cluster columns and its RF 3 against RF 1 table.
 */
import { describe, expect, it } from 'vitest';
import type { LoadGeneratorName, Measurement } from '../../bench/lib/measurement.js';
import { aggregate } from '../../bench/report/aggregate.js';
import { markdownReport } from '../../bench/report/markdown.js';
import type { SuiteRun } from '../../bench/runner.js';

function point(
  target: string,
  loadGenerator: LoadGeneratorName,
  metric: string,
  mbPerSec: number,
  p99: number | null,
  scenario = 'produce-1k-1p',
): Measurement {
  return {
    scenario,
    target,
    loadGenerator,
    metric,
    repeat: 1,
    ok: true,
    recordsPerSec: mbPerSec * 1024,
    mbPerSec,
    latency: p99 === null ? null : { avg: p99 / 2, p50: p99 / 2, p95: p99, p99, p999: p99, max: p99, kind: 'produce-request' },
    series: [],
    broker: { cpuPercent: 90, maxRssMiB: 100, maxRssAnonMiB: 50 },
    command: `${loadGenerator} against ${target}`,
  };
}

const run: SuiteRun = {
  suite: 'made-up',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:01:00.000Z',
  machine: { cpuModel: 'test CPU', cores: 2, memoryGiB: 4, kernel: '6.0', node: 'v20', java: null, hostnameHash: 'x' },
  parameters: {
    warmupSeconds: 1,
    durationSeconds: 2,
    repeats: 1,
    brokerCpus: '0',
    clientCpus: '1',
    clientSettings: {},
    scenarios: [{ id: 'produce-1k-1p', recordSize: 1024, partitions: 1 }],
  },
  targets: ['kafka', 'gregor', 'embedded'].map((name) => ({ name, settings: { broker: name } })),
  measurements: [
    point('kafka', 'loadgen', 'produce', 100, 10),
    point('gregor', 'loadgen', 'produce', 200, 5),
    point('embedded', 'embedded', 'produce', 300, 2.5),
    point('kafka', 'java', 'produce', 50, 40),
  ],
};

describe('summary.md', () => {
  const md = markdownReport(run, aggregate(run), 'made-up command');
  const rows = md.split('\n').filter((l) => l.startsWith('| produce-1k-1p |'));

  it('has gregor/Kafka and embedded/Kafka ratio columns', () => {
    expect(md).toContain(
      '| scenario | load generator | kafka | gregor | embedded | gregor/Kafka throughput | gregor/Kafka p99 | embedded/Kafka throughput | embedded/Kafka p99 |',
    );
  });

  it('puts the embedded target in the native load generator row, its ratios against Kafka measured by that load generator', () => {
    const native = rows.find((l) => l.includes('loadgen/produce'))!;
    expect(native.startsWith('| produce-1k-1p | embedded/produce, loadgen/produce | 100.0 MB/s')).toBe(true);
    expect(native.endsWith('| 2.00× | 0.50× | 3.00× | 0.25× |')).toBe(true);
  });

  it('marks the ratios of two points whose page-cache probes differ by more than 2×, and explains the mark', () => {
    const withProbe = (m: Measurement, pageCacheMBps: number): Measurement => ({ ...m, conditions: { pageCacheMBps, stealPercent: 1 } });
    const probed = (gregorProbe: number) => {
      const uneven: SuiteRun = {
        ...run,
        measurements: [withProbe(point('kafka', 'loadgen', 'produce', 100, 10), 1_000), withProbe(point('gregor', 'loadgen', 'produce', 200, 5), gregorProbe)],
      };
      return markdownReport(uneven, aggregate(uneven), 'made-up command');
    };
    const marked = probed(300);
    expect(marked.split('\n').find((l) => l.startsWith('| produce-1k-1p |'))).toContain('| 2.00×† | 0.50×† |');
    expect(marked).toContain('† The two points');
    expect(marked).toMatch(/\| produce-1k-1p \| gregor \| 90 \| 50 \| 100 \| 300 \| 1\.0 \|/);
    const even = probed(600);
    expect(even).toContain('| 2.00× | 0.50× |');
    expect(even).not.toContain('†');
  });

  it('leaves the ratios of a target a load generator did not measure empty', () => {
    const java = rows.find((l) => l.includes('java/produce'))!;
    expect(java.endsWith('| – | – | – | – |')).toBe(true);
  });
});

describe('summary.md of the cluster suite', () => {
  const clusterRun: SuiteRun = {
    ...run,
    parameters: {
      ...run.parameters,
      scenarios: [
        { id: 'rf3', recordSize: 1024, partitions: 16, comparedWith: 'rf1' },
        { id: 'rf1', recordSize: 1024, partitions: 16 },
      ],
    },
    targets: ['kafka-cluster', 'gregor-cluster'].map((name) => ({ name, settings: { broker: name } })),
    measurements: [
      point('kafka-cluster', 'loadgen', 'produce', 100, 10, 'rf3'),
      point('gregor-cluster', 'loadgen', 'produce', 50, 40, 'rf3'),
      point('kafka-cluster', 'loadgen', 'produce', 200, 5, 'rf1'),
      point('gregor-cluster', 'loadgen', 'produce', 200, 10, 'rf1'),
    ],
  };
  const md = markdownReport(clusterRun, aggregate(clusterRun), 'made-up command');

  it('compares the gregor cluster with the Kafka cluster', () => {
    expect(md).toContain(
      '| scenario | load generator | kafka-cluster | gregor-cluster | gregor-cluster/kafka-cluster throughput | gregor-cluster/kafka-cluster p99 |',
    );
    expect(
      md
        .split('\n')
        .find((l) => l.startsWith('| rf3 |'))!
        .endsWith('| 0.50× | 4.00× |'),
    ).toBe(true);
  });

  it('reports a scenario against the one it is compared with, per target', () => {
    expect(md).toContain('rf3 against rf1:');
    expect(md).toContain('| kafka-cluster | loadgen/produce | 0.50× | 2.00× |');
    expect(md).toContain('| gregor-cluster | loadgen/produce | 0.25× | 4.00× |');
  });
});

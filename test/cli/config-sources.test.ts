import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigSource } from '../../src/config/config-def.js';
import { environmentSettings, keyForVariable } from '../../src/config/sources/env-source.js';
import { ConfigFileError } from '../../src/config/sources/file-source.js';
import { ConfigValueError, loadBrokerConfig } from '../../src/config/sources/load.js';
import { parseOverride } from '../../src/config/sources/override-source.js';
import { parseProperties, PropertiesSyntaxError } from '../../src/config/sources/properties.js';

describe('parseProperties (java.util.Properties syntax)', () => {
  it('reads comments, separators, whitespace and line numbers', () => {
    const text = ['# a comment', '   ! another comment', '', 'a=1', 'b : 2', 'c 3', '  d\t=\t4  ', 'e=', 'f', 'g=x=y:z'].join('\n');
    expect(parseProperties(text)).toEqual([
      { key: 'a', value: '1', line: 4 },
      { key: 'b', value: '2', line: 5 },
      { key: 'c', value: '3', line: 6 },
      { key: 'd', value: '4  ', line: 7 },
      { key: 'e', value: '', line: 8 },
      { key: 'f', value: '', line: 9 },
      { key: 'g', value: 'x=y:z', line: 10 },
    ]);
  });

  it('joins continuation lines, dropping the leading whitespace of each', () => {
    const text = 'listeners=PLAINTEXT://:9092,\\\r\n    CONTROLLER://:9093\nnext=1\n';
    expect(parseProperties(text)).toEqual([
      { key: 'listeners', value: 'PLAINTEXT://:9092,CONTROLLER://:9093', line: 1 },
      { key: 'next', value: '1', line: 3 },
    ]);
  });

  it('treats an even run of trailing backslashes as escaped backslashes, not a continuation', () => {
    expect(parseProperties('path=C:\\\\dir\\\\\nx=1')).toEqual([
      { key: 'path', value: 'C:\\dir\\', line: 1 },
      { key: 'x', value: '1', line: 2 },
    ]);
  });

  it('does not continue a comment line', () => {
    expect(parseProperties('# comment \\\nk=v')).toEqual([{ key: 'k', value: 'v', line: 2 }]);
  });

  it('unescapes keys and values', () => {
    expect(parseProperties('a\\=b\\ c=\\t\\u00e9\\n\\q')).toEqual([{ key: 'a=b c', value: '\t\u00e9\nq', line: 1 }]);
  });

  it('rejects a malformed \\u escape with its line', () => {
    expect(() => parseProperties('ok=1\nbad=\\u12G4')).toThrow(PropertiesSyntaxError);
    expect(() => parseProperties('ok=1\nbad=\\u12G4')).toThrow(/line 2/);
  });
});

describe('environment variables', () => {
  it('maps GREGOR_* names to Kafka keys as Confluent images map KAFKA_*', () => {
    expect(keyForVariable('GREGOR_LOG_DIRS')).toBe('log.dirs');
    expect(keyForVariable('GREGOR_AUTO_CREATE_TOPICS_ENABLE')).toBe('auto.create.topics.enable');
    expect(keyForVariable('GREGOR_SOME__UNDERSCORE___DASH')).toBe('some_underscore-dash');
    expect(keyForVariable('GREGOR_FLUSH_BEFORE_ACKS_ALL_ENABLE')).toBe('gregor.flush.before.acks.all.enable');
  });

  it('ignores other variables and the client-side GREGOR_BROKERS', () => {
    const settings = environmentSettings({ PATH: '/bin', GREGOR_BROKERS: 'h:1', GREGOR_NUM_PARTITIONS: '3' });
    expect(settings).toEqual([{ key: 'num.partitions', value: '3', origin: 'GREGOR_NUM_PARTITIONS' }]);
  });
});

describe('loadBrokerConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = join(dir, 'server.properties');
  writeFileSync(
    file,
    [
      '# Kafka KRaft sample, trimmed',
      'process.roles=broker,controller',
      'node.id=1',
      'listeners=PLAINTEXT://:9092',
      'log.dirs=/tmp/kraft-combined-logs',
      'num.partitions=1',
      'log.retention.hours=168',
      'log.segment.bytes=1073741824',
      'auto.create.topics.enable=true',
    ].join('\n'),
  );

  it('applies a server.properties as is, returning unknown keys with their origin', async () => {
    const { config, unknown, settings } = await loadBrokerConfig({ file, env: {} });
    expect(config.list('log.dirs')).toEqual(['/tmp/kraft-combined-logs']);
    expect(config.int('log.segment.bytes')).toBe(1073741824);
    expect(config.entry('num.partitions').source).toBe(ConfigSource.STATIC_BROKER_CONFIG);
    expect(config.entry('message.max.bytes').source).toBe(ConfigSource.DEFAULT_CONFIG);
    expect(unknown).toEqual([{ key: 'process.roles', value: 'broker,controller', origin: `${file}:2` }]);
    expect(settings.get('log.dirs')?.origin).toBe(`${file}:5`);
  });

  it('lets the environment override the file and flags override both', async () => {
    const { config, settings } = await loadBrokerConfig({
      file,
      env: { GREGOR_NUM_PARTITIONS: '4', GREGOR_LOG_DIRS: '/env' },
      flags: [parseOverride('num.partitions=6')],
    });
    expect(config.int('num.partitions')).toBe(6);
    expect(settings.get('num.partitions')?.origin).toBe('--override num.partitions');
    expect(config.list('log.dirs')).toEqual(['/env']);
    expect(settings.get('log.dirs')?.origin).toBe('GREGOR_LOG_DIRS');
  });

  it('names the origin of an invalid value', async () => {
    await expect(loadBrokerConfig({ env: { GREGOR_NUM_PARTITIONS: 'many' } })).rejects.toThrow(ConfigValueError);
    await expect(loadBrokerConfig({ env: { GREGOR_NUM_PARTITIONS: 'many' } })).rejects.toThrow(/GREGOR_NUM_PARTITIONS: INVALID_CONFIG: .*num\.partitions/);
  });

  it('reports an unreadable file', async () => {
    await expect(loadBrokerConfig({ file: join(dir, 'missing.properties'), env: {} })).rejects.toThrow(ConfigFileError);
  });

  it("loads the repository's config/server.properties (what npm start uses) with no unknown key", async () => {
    const { config, unknown } = await loadBrokerConfig({ file: join(import.meta.dirname, '../../config/server.properties'), env: {} });
    expect(unknown).toEqual([]);
    expect(config.list('listeners')).toEqual(['PLAINTEXT://127.0.0.1:9092']);
    expect(config.logDirs).toEqual(['./data']);
    expect(config.string('gregor.admin.listener')).toBe('127.0.0.1:9644');
  });

  it('rejects an override without a key', () => {
    expect(() => parseOverride('=1')).toThrow(/key=value/);
  });
});

import { describe, expect, it } from 'vitest';
import { compileFormat, FormatStringError, jsonLine, type ConsumedRecord } from '../../src/cli/output/record-format.js';
import { toJson } from '../../src/cli/output/render.js';
import { formatPairs, formatTable } from '../../src/cli/output/table.js';

describe('formatTable', () => {
  it('aligns columns under upper-case headers, with - for empty cells, so awk sees fixed fields', () => {
    const text = formatTable(
      [
        { header: 'topic', value: (r: { t: string; p: number; m: string | null }) => r.t },
        { header: 'partitions', value: (r) => r.p, numeric: true },
        { header: 'member-id', value: (r) => r.m },
      ],
      [
        { t: 'orders', p: 12, m: null },
        { t: 'a', p: 1, m: 'consumer-1' },
      ],
    );
    expect(text).toBe(['TOPIC   PARTITIONS  MEMBER-ID', 'orders          12  -', 'a                1  consumer-1', ''].join('\n'));
    const fields = text
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    expect(fields.every((f) => f.length === 3)).toBe(true);
  });

  it('prints only the header for no rows', () => {
    expect(formatTable([{ header: 'group', value: (r: string) => r }], [])).toBe('GROUP\n');
  });

  it('aligns key/value pairs', () => {
    expect(
      formatPairs([
        ['name', 't'],
        ['partitions', 3],
        ['id', undefined],
      ]),
    ).toBe('NAME        t\nPARTITIONS  3\nID          -\n');
  });
});

const record: ConsumedRecord = {
  topic: 'orders',
  partition: 2,
  offset: 41n,
  timestamp: 1_700_000_000_123n,
  key: Buffer.from('k1'),
  value: Buffer.from('hello'),
  headers: [
    [Buffer.from('h1'), Buffer.from('v1')],
    [Buffer.from('h2'), null],
  ],
};

describe('compileFormat (kcat-style)', () => {
  it('expands every directive and escape', () => {
    expect(compileFormat('%t/%p@%o %k=%s [%h] %T %K %S 100%%\\n')(record)).toBe('orders/2@41 k1=hello [h1=v1,h2=] 1700000000123 2 5 100%\n');
    expect(compileFormat('a\\tb\\\\')(record)).toBe('a\tb\\');
  });

  it('prints null keys and values as empty, with size -1', () => {
    expect(compileFormat('[%k][%s] %K %S')({ ...record, key: null, value: null })).toBe('[][] -1 -1');
  });

  it('rejects an unknown directive instead of printing it', () => {
    expect(() => compileFormat('%x')).toThrow(FormatStringError);
    expect(() => compileFormat('trailing %')).toThrow(/unknown directive/);
  });
});

describe('JSON output', () => {
  it('writes one record per line in rpk shape', () => {
    const line = jsonLine(record);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({
      topic: 'orders',
      partition: 2,
      offset: 41,
      timestamp: 1_700_000_000_123,
      key: 'k1',
      value: 'hello',
      headers: [
        { key: 'h1', value: 'v1' },
        { key: 'h2', value: null },
      ],
    });
  });

  it('writes int64 values as numbers when exact, as strings when not, and maps as objects', () => {
    expect(JSON.parse(toJson({ a: 5n, b: 2n ** 60n, m: new Map([['x', 1]]) }))).toEqual({ a: 5, b: '1152921504606846976', m: { x: 1 } });
  });
});

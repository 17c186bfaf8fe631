// Client quota entities, validation and resolution as Kafka's: the eight levels of precedence (most
// specific wins, each key on its own), the sensor each level meters with, per-IP defaults, and
// DescribeClientQuotas' filter rules and errors.
import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { type EntityComponent, QuotaKey, entityKey, parseEntityKey, validateEntity, validateQuotaValue } from '../../src/security/quota/client-quota-entity.js';
import { MatchType, QuotaTable } from '../../src/security/quota/quota-table.js';

const user = (name: string | null): EntityComponent => ({ entityType: 'user', entityName: name });
const client = (name: string | null): EntityComponent => ({ entityType: 'client-id', entityName: name });
const ip = (name: string | null): EntityComponent => ({ entityType: 'ip', entityName: name });

function tableOf(entries: [EntityComponent[], Record<string, number>][]): QuotaTable {
  const table = new QuotaTable();
  for (const [components, values] of entries) {
    const entity = validateEntity(components);
    table.set(entityKey(entity), entity, new Map(Object.entries(values)));
  }
  return table;
}

function codeOf(action: () => unknown): ErrorCode | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof KafkaError ? error.code : undefined;
  }
}

describe('quota entities', () => {
  it('orders components and round-trips through the store key, a user named <default> kept apart from the default', () => {
    const entity = validateEntity([client('c/1'), user('<default>')]);
    expect(entity).toEqual([user('<default>'), client('c/1')]);
    expect(entityKey(entity)).toBe('user=%3Cdefault%3E/client-id=c%2F1');
    expect(parseEntityKey(entityKey(entity))).toEqual(entity);
    expect(entityKey(validateEntity([user(null)]))).toBe('user=<default>');
    expect(parseEntityKey('user=<default>')).toEqual([user(null)]);
  });

  it("refuses what Kafka's controller refuses, with INVALID_REQUEST", () => {
    expect(codeOf(() => validateEntity([]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => validateEntity([{ entityType: 'group', entityName: 'g' }]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => validateEntity([user('a'), user('b')]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => validateEntity([user('')]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => validateEntity([ip('10.0.0.1'), user('a')]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => validateEntity([ip('not an ip')]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => validateEntity([ip(null)]))).toBeUndefined();
    const users = validateEntity([user('a')]);
    expect(codeOf(() => validateQuotaValue(users, 'producer_byte_rate', 1.5))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => validateQuotaValue(users, 'producer_byte_rate', 1024))).toBeUndefined();
    expect(codeOf(() => validateQuotaValue(users, 'request_percentage', 12.5))).toBeUndefined();
    expect(codeOf(() => validateQuotaValue(users, 'connection_creation_rate', 5))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => validateQuotaValue(users, 'no_such_key', 5))).toBe(ErrorCode.INVALID_REQUEST);
    const ips = validateEntity([ip('10.0.0.1')]);
    expect(codeOf(() => validateQuotaValue(ips, 'connection_creation_rate', 5))).toBeUndefined();
    expect(codeOf(() => validateQuotaValue(ips, 'producer_byte_rate', 5))).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('quota resolution', () => {
  const levels: [EntityComponent[], number][] = [
    [[user('alice'), client('app')], 1],
    [[user('alice'), client(null)], 2],
    [[user('alice')], 3],
    [[user(null), client('app')], 4],
    [[user(null), client(null)], 5],
    [[user(null)], 6],
    [[client('app')], 7],
    [[client(null)], 8],
  ];
  const sensorOf = [
    { user: 'alice', clientId: 'app' },
    { user: 'alice', clientId: 'app' },
    { user: 'alice', clientId: '' },
    { user: 'alice', clientId: 'app' },
    { user: 'alice', clientId: 'app' },
    { user: 'alice', clientId: '' },
    { user: '', clientId: 'app' },
    { user: '', clientId: 'app' },
  ];

  it('takes the most specific entity in Kafka’s order, with the sensor tags of that level', () => {
    for (let first = 0; first < levels.length; first++) {
      const table = tableOf(levels.slice(first).map(([entity, limit]) => [entity, { producer_byte_rate: limit }]));
      expect(table.resolve(QuotaKey.PRODUCER_BYTE_RATE, 'alice', 'app')).toEqual({ limit: first + 1, ...sensorOf[first] });
    }
  });

  it('resolves each key on its own, and nothing for a client no entity matches', () => {
    const table = tableOf([
      [[user('alice')], { producer_byte_rate: 100 }],
      [[client(null)], { consumer_byte_rate: 200 }],
    ]);
    expect(table.resolve(QuotaKey.PRODUCER_BYTE_RATE, 'alice', 'app')?.limit).toBe(100);
    expect(table.resolve(QuotaKey.CONSUMER_BYTE_RATE, 'alice', 'app')).toEqual({ limit: 200, user: '', clientId: 'app' });
    expect(table.resolve(QuotaKey.PRODUCER_BYTE_RATE, 'bob', 'app')).toBeUndefined();
    expect(table.resolve(QuotaKey.REQUEST_PERCENTAGE, 'alice', 'app')).toBeUndefined();
  });

  it('gives an IP its own connection rate, else the default IP’s', () => {
    const table = tableOf([
      [[ip('10.0.0.1')], { connection_creation_rate: 5 }],
      [[ip(null)], { connection_creation_rate: 50 }],
    ]);
    expect(table.resolveIp(QuotaKey.CONNECTION_CREATION_RATE, '10.0.0.1')).toBe(5);
    expect(table.resolveIp(QuotaKey.CONNECTION_CREATION_RATE, '10.0.0.2')).toBe(50);
  });
});

describe('DescribeClientQuotas filters', () => {
  const table = tableOf([
    [[user('alice')], { producer_byte_rate: 1 }],
    [[user('alice'), client('app')], { producer_byte_rate: 2 }],
    [[user(null)], { producer_byte_rate: 3 }],
    [[client('app')], { producer_byte_rate: 4 }],
    [[ip('10.0.0.1')], { connection_creation_rate: 5 }],
  ]);
  const limits = (components: { entityType: string; matchType: number; match: string | null }[], strict: boolean): number[] =>
    table
      .describe(components, strict)
      .map((e) => [...e.values.values()][0]!)
      .sort();

  it('selects as ClientQuotasImage.describe does', () => {
    expect(limits([], false)).toEqual([1, 2, 3, 4, 5]);
    expect(limits([], true)).toEqual([]);
    expect(limits([{ entityType: 'user', matchType: MatchType.EXACT, match: 'alice' }], false)).toEqual([1, 2]);
    expect(limits([{ entityType: 'user', matchType: MatchType.EXACT, match: 'alice' }], true)).toEqual([1]);
    expect(limits([{ entityType: 'user', matchType: MatchType.DEFAULT, match: null }], false)).toEqual([3]);
    expect(limits([{ entityType: 'user', matchType: MatchType.SPECIFIED, match: null }], true)).toEqual([1, 3]);
    expect(
      limits(
        [
          { entityType: 'user', matchType: MatchType.SPECIFIED, match: null },
          { entityType: 'client-id', matchType: MatchType.EXACT, match: 'app' },
        ],
        false,
      ),
    ).toEqual([2]);
    expect(limits([{ entityType: 'ip', matchType: MatchType.SPECIFIED, match: null }], false)).toEqual([5]);
  });

  it('refuses bad filters with Kafka’s codes', () => {
    const describe = (components: { entityType: string; matchType: number; match: string | null }[]) => () => table.describe(components, false);
    expect(codeOf(describe([{ entityType: '', matchType: 0, match: 'a' }]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(describe([{ entityType: 'group', matchType: 0, match: 'a' }]))).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(codeOf(describe([{ entityType: 'user', matchType: 0, match: null }]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(describe([{ entityType: 'user', matchType: 1, match: 'a' }]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(describe([{ entityType: 'user', matchType: 2, match: 'a' }]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(describe([{ entityType: 'user', matchType: 7, match: null }]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(
      codeOf(
        describe([
          { entityType: 'user', matchType: 1, match: null },
          { entityType: 'user', matchType: 2, match: null },
        ]),
      ),
    ).toBe(ErrorCode.INVALID_REQUEST);
    expect(
      codeOf(
        describe([
          { entityType: 'ip', matchType: 1, match: null },
          { entityType: 'user', matchType: 2, match: null },
        ]),
      ),
    ).toBe(ErrorCode.INVALID_REQUEST);
  });
});

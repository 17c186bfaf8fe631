/**
 * Formats consumed records for `gregor consume`: a kcat-style format string compiled once (%t topic,
 * %p partition, %o offset, %k key, %K key size, %s value, %S value size, %T timestamp in ms, %h headers as
 * k=v pairs joined by commas, %% a percent sign; \n \t \r \\ escapes), or JSON lines in rpk's shape.
 */

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [Buffer, Buffer | null]>;
}

export type RecordFormatter = (record: ConsumedRecord) => string;

const FIELDS: Readonly<Record<string, RecordFormatter>> = {
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  k: (r) => r.key?.toString('utf8') ?? '',
  K: (r) => String(r.key?.length ?? -1),
  s: (r) => r.value?.toString('utf8') ?? '',
  S: (r) => String(r.value?.length ?? -1),
  T: (r) => String(r.timestamp),
  h: (r) => r.headers.map(([k, v]) => `${k.toString('utf8')}=${v?.toString('utf8') ?? ''}`).join(','),
};

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };

export class FormatStringError extends Error {
  constructor(format: string, why: string) {
    super(`format string ${JSON.stringify(format)}: ${why}`);
    this.name = 'FormatStringError';
  }
}

/** Compiles a format string into a function; unknown %x directives are rejected up front, not printed. */
export function compileFormat(format: string): RecordFormatter {
  const parts: (string | RecordFormatter)[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const c = format.charAt(i);
    const next = format[i + 1];
    if (c === '%' && next === '%') {
      literal += '%';
      i++;
    } else if (c === '%') {
      const field = next === undefined ? undefined : FIELDS[next];
      if (field === undefined) throw new FormatStringError(format, `unknown directive %${next ?? ''}; use %t %p %o %k %K %s %S %T %h or %%`);
      if (literal) parts.push(literal);
      literal = '';
      parts.push(field);
      i++;
    } else if (c === '\\' && next !== undefined && ESCAPES[next] !== undefined) {
      literal += ESCAPES[next];
      i++;
    } else {
      literal += c;
    }
  }
  if (literal) parts.push(literal);
  return (record) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(record);
    return out;
  };
}

/** One JSON object per line, with headers as a list because a key may repeat. */
export const jsonLine: RecordFormatter = (r) =>
  `${JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: Number(r.offset),
    timestamp: Number(r.timestamp),
    key: r.key?.toString('utf8') ?? null,
    value: r.value?.toString('utf8') ?? null,
    headers: r.headers.map(([k, v]) => ({ key: k.toString('utf8'), value: v?.toString('utf8') ?? null })),
  })}\n`;

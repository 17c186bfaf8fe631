/**
 * Parses Java properties text (the format of Kafka's server.properties) into ordered key/value entries with
 * the line each started on, following java.util.Properties.load: `#`/`!` comments, `key=value`, `key: value`
 * and `key value` separators, backslash line continuations, and the escapes \t \n \r \f \uXXXX and `\x` → x.
 * The text is taken as already decoded: gregor reads files as UTF-8, a superset of the ASCII Kafka's own
 * files use (Java reads them as ISO-8859-1, so non-ASCII is written as \uXXXX there anyway).
 */

export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based line number where the entry's logical line starts. */
  readonly line: number;
}

export class PropertiesSyntaxError extends Error {
  constructor(
    readonly line: number,
    why: string,
  ) {
    super(`line ${line}: ${why}`);
    this.name = 'PropertiesSyntaxError';
  }
}

const WHITESPACE = new Set([' ', '\t', '\f']);

/** Entries in file order; a key given twice appears twice (the caller decides, and Java keeps the last). */
export function parseProperties(text: string): PropertyEntry[] {
  // One iterator: a continued entry takes its continuation lines from it, so the loop skips them.
  const lines = text.split(/\r\n|\r|\n/).entries();
  const entries: PropertyEntry[] = [];
  for (const [index, line] of lines) {
    const first = skipWhitespace(line, 0);
    if (first === line.length) continue;
    const lead = line.charAt(first);
    if (lead === '#' || lead === '!') continue;
    let logical = line.slice(first);
    while (endsWithContinuation(logical)) {
      logical = logical.slice(0, -1);
      const continued = lines.next();
      if (continued.done) break;
      const [, next] = continued.value;
      logical += next.slice(skipWhitespace(next, 0));
    }
    entries.push(splitEntry(logical, index + 1));
  }
  return entries;
}

/** An odd number of trailing backslashes escapes the line terminator. */
function endsWithContinuation(line: string): boolean {
  let count = 0;
  for (let j = line.length - 1; j >= 0 && line[j] === '\\'; j--) count++;
  return count % 2 === 1;
}

function skipWhitespace(s: string, from: number): number {
  let j = from;
  while (j < s.length && WHITESPACE.has(s.charAt(j))) j++;
  return j;
}

function splitEntry(logical: string, line: number): PropertyEntry {
  let keyEnd = 0;
  while (keyEnd < logical.length) {
    const c = logical.charAt(keyEnd);
    if (c === '\\') keyEnd += 2;
    else if (c === '=' || c === ':' || WHITESPACE.has(c)) break;
    else keyEnd++;
  }
  keyEnd = Math.min(keyEnd, logical.length);
  let valueStart = skipWhitespace(logical, keyEnd);
  if (logical[valueStart] === '=' || logical[valueStart] === ':') valueStart = skipWhitespace(logical, valueStart + 1);
  return {
    key: unescapeValue(logical.slice(0, keyEnd), line),
    value: unescapeValue(logical.slice(valueStart), line),
    line,
  };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescapeValue(s: string, line: number): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let j = 0; j < s.length; j++) {
    const c = s.charAt(j);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = s[++j];
    if (next === undefined) break;
    if (next === 'u') {
      const hex = s.slice(j + 1, j + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesSyntaxError(line, `malformed \\uxxxx escape "\\u${hex}"`);
      out += String.fromCharCode(parseInt(hex, 16));
      j += 4;
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
  }
  return out;
}

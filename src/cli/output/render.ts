/**
 * Writes a read command's result as text (tables) or JSON, the two `--format`s every read command takes.
 * JSON turns int64 values (bigint) into numbers when exact and strings when not, so `jq` sees offsets as numbers.
 */

export type OutputFormat = 'text' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json'];

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    if (v instanceof Map) return Object.fromEntries(v);
    return v;
  });
}

/** Prints `value` as one JSON document, or the text `text()` makes from it. */
export function render<T>(format: OutputFormat, value: T, text: (value: T) => string): void {
  process.stdout.write(format === 'json' ? `${toJson(value)}\n` : text(value));
}

/**
 * Aligned text tables for read commands, shaped for `awk`: upper-case headers, columns separated by at
 * least two spaces, and an empty cell printed as `-` so every row has the same number of fields.
 */

export type Cell = string | number | bigint | boolean | null | undefined;

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => Cell;
  /** Right-align (numbers read better so); left by default. */
  readonly numeric?: boolean;
}

export function formatTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]): string =>
    values
      .map((value, i) => {
        const last = i === values.length - 1;
        if (columns[i]!.numeric) return value.padStart(widths[i]!);
        return last ? value : value.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((column) => column.header.toUpperCase())), ...cells.map(line)].join('\n')}\n`;
}

function cellText(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value);
}

/** `KEY  VALUE` lines for a single object (a summary), aligned like a table without a header row. */
export function formatPairs(pairs: ReadonlyArray<readonly [string, Cell]>): string {
  const width = Math.max(0, ...pairs.map(([key]) => key.length));
  return `${pairs.map(([key, value]) => `${key.toUpperCase().padEnd(width)}  ${cellText(value)}`.trimEnd()).join('\n')}\n`;
}

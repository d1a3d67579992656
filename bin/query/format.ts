/**
 * How `alb-iceberg query` prints a result: an aligned text table for people, NDJSON (one object per row, as
 * `parse` prints records) or CSV (RFC 4180) for scripts and spreadsheets.
 */
import type { QueryResult, ResultColumn } from './engine';

export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function isOutputFormat(value: string): value is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(value);
}

/** The result as text in `format` (empty for a statement that returns no columns, such as CREATE VIEW). */
export function formatResult(result: QueryResult, format: OutputFormat): string {
  if (result.columns.length === 0) return '';
  if (format === 'json') return result.rows.map((r) => `${JSON.stringify(rowObject(result.columns, r))}\n`).join('');
  if (format === 'csv') {
    const lines = [result.columns.map((c) => csvField(c.name)), ...result.rows.map((r) => r.map(csvValue))];
    return lines.map((l) => `${l.join(',')}\r\n`).join('');
  }
  return textTable(result);
}

/**
 * One row as a JSON object. DuckDB gives 64-bit integers (counts, sums, BIGINT columns) as text so that none loses
 * precision; those that fit a JavaScript number exactly become numbers, the rest stay text.
 */
function rowObject(columns: readonly ResultColumn[], row: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  columns.forEach((c, i) => {
    out[c.name] = isWideInteger(c.type.replace(/\[\]$/, '')) ? integers(row[i]) : row[i];
  });
  return out;
}

const isWideInteger = (type: string) => /^(BIGINT|UBIGINT|HUGEINT|UHUGEINT)$/.test(type);

function integers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(integers);
  if (typeof value === 'string' && /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  return value;
}

/** A value as one table cell or CSV field: NULL is empty in CSV and `NULL` in the table, a list is its JSON. */
const cellText = (value: unknown): string | undefined =>
  value === null || value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);

const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
const csvValue = (value: unknown) => csvField(cellText(value) ?? '');

function textTable(result: QueryResult): string {
  const header = result.columns.map((c) => c.name);
  const cells = result.rows.map((r) => r.map((v) => cellText(v) ?? 'NULL'));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const numeric = result.columns.map((c) =>
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w+INT|DOUBLE|FLOAT|DECIMAL)/.test(c.type),
  );
  const line = (r: readonly string[]) =>
    r
      .map((t, i) => (numeric[i] ? t.padStart(widths[i]!) : t.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), ''].join('\n');
}

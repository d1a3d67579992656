/**
 * Which columns a saved query reads, as DuckDB's planner says: the projections and pushed-down filters of every
 * Parquet scan in its `EXPLAIN` plan (a column only used in a filter above the scan is projected by it). The same
 * columns Athena reads: both read only the columns a query names.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

interface PlanNode {
  readonly name?: string;
  readonly children?: readonly PlanNode[];
  readonly extra_info?: Record<string, unknown>;
}

/** The columns (of `known`) the scans of `sql`'s plan read. */
export async function columnsRead(c: DuckDBConnection, sql: string, known: readonly string[]): Promise<string[]> {
  const rows = (await c.runAndReadAll(`EXPLAIN (FORMAT JSON) ${sql}`)).getRowsJson();
  const plan = JSON.parse(String(rows[0]![1])) as PlanNode[];
  const found = new Set<string>();
  const words = (value: unknown) => (Array.isArray(value) ? value.map(String) : value ? [String(value)] : []);
  const visit = (node: PlanNode) => {
    const info = node.extra_info ?? {};
    if (node.name === 'READ_PARQUET' || node.name === 'TABLE_SCAN' || info.Function === 'READ_PARQUET') {
      for (const p of words(info.Projections)) if (known.includes(p)) found.add(p);
      for (const text of words(info.Filters)) {
        for (const column of known) if (new RegExp(`\\b${column}\\b`).test(text)) found.add(column);
      }
    }
    for (const child of node.children ?? []) visit(child);
  };
  for (const node of plan) visit(node);
  if (found.size === 0) throw new Error(`no Parquet scan in the plan of:\n${sql}`);
  return known.filter((k) => found.has(k));
}

/**
 * Measures the saved incident queries of the ALB access table on a layout: the columns each reads (its DuckDB plan),
 * the windows it filters on (./query-windows.ts), the bytes the model says it reads (./read-model.ts), the raw day
 * folders Athena would scan instead; and checks the model against the data.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteText as quote } from '../../bin/query/engine';
import { logSchemaOf } from '../../lambda/schema/log-types';
import { DEFAULTS } from '../../lib/config';
import { athenaQueries, type NamedQuerySpec } from '../../lib/queries';
import type { QueryCorpus } from './corpus';
import { columnsRead } from './plan';
import { type QueryCategory, queryWindows, rawDays } from './query-windows';
import { bytesRead, type Layout, type Reading, type Window } from './read-model';

export const SCHEMA = logSchemaOf('alb-access');
export const DATABASE = DEFAULTS.databaseName;
export const TABLE = DEFAULTS.tableName;
/** The trace_root column the benchmark measures (and the table does not have): the Root id out of trace_id. */
export const TRACE_ROOT_SQL = `regexp_extract(trace_id, 'Root=(1-[0-9a-f]{8}-[0-9a-f]{24})', 1) AS trace_root`;

/** One measured query on one layout. */
export interface Measured {
  readonly query: NamedQuerySpec;
  readonly category: QueryCategory;
  readonly columns: readonly string[];
  readonly reading: Reading;
  readonly rawBytes: number;
}

/** How many times fewer bytes `read` is than `raw`. */
export const ratio = (raw: number, read: number) => raw / Math.max(read, 1);
/** An epoch-ms instant as a DuckDB TIMESTAMP literal (UTC, no zone: the type of "time"). */
export const sqlTime = (ms: number) => `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`;
/** The middle value (the upper one of an even count); 0 for none. */
export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** The gzipped bytes of the raw day folders Athena would scan for a query with these windows. */
export function rawBytes(corpus: QueryCorpus, windows: readonly Window[]): number {
  const days = [...corpus.dayFolderBytes.keys()].sort();
  return rawDays(windows, days[0]!, days.at(-1)!).reduce((sum, d) => sum + (corpus.dayFolderBytes.get(d) ?? 0), 0);
}

function windowSql(w: Window): string {
  if ('equals' in w) return `${w.column} = ${quote(w.equals)}`;
  const parts: string[] = [];
  if (Number.isFinite(w.from)) parts.push(`"${w.column}" >= ${sqlTime(w.from)}`);
  if (Number.isFinite(w.to)) parts.push(`"${w.column}" < ${sqlTime(w.to)}`);
  return parts.join(' AND ') || 'true';
}

/**
 * Checks the model against the data: every record the windows match lies in a row group the model reads (else the
 * model skipped rows the query needs, and every figure of the run would be wrong).
 */
export async function checkPruning(c: DuckDBConnection, layout: Layout, reading: Reading, windows: readonly Window[]) {
  const where = windows.map(windowSql).join(' AND ');
  const source = windows.some((w) => w.column === 'trace_root')
    ? `(SELECT *, ${TRACE_ROOT_SQL} FROM records)`
    : 'records';
  const expected = Number(
    (await c.runAndReadAll(`SELECT count(*) FROM ${source} WHERE ${where}`)).getRowsJson()[0]![0],
  );
  if (reading.kept.length === 0) {
    if (expected > 0) throw new Error(`${layout.name}: ${expected} matching rows, none in a row group read`);
    return;
  }
  await c.run('CREATE OR REPLACE TEMP TABLE kept (path VARCHAR, lo BIGINT, hi BIGINT)');
  const values = reading.kept.map((k) => `(${quote(k.path)}, ${k.firstRow}, ${k.firstRow + k.rows - 1})`);
  for (let i = 0; i < values.length; i += 1000) {
    await c.run(`INSERT INTO kept VALUES ${values.slice(i, i + 1000).join(', ')}`);
  }
  const files = [...new Set(reading.kept.map((k) => k.path))].map(quote).join(', ');
  const found = Number(
    (
      await c.runAndReadAll(
        `SELECT count(*) FROM read_parquet([${files}], filename = true, file_row_number = true, ` +
          `hive_partitioning = false) p JOIN kept k ON p.filename = k.path AND p.file_row_number BETWEEN k.lo AND k.hi ` +
          `WHERE ${where}`,
      )
    ).getRowsJson()[0]![0],
  );
  if (found !== expected) {
    throw new Error(`${layout.name}: the windows match ${expected} rows, the row groups read hold ${found} of them`);
  }
}

/** Points the view `alb_logs.access_logs` at a layout's files. */
async function viewOf(c: DuckDBConnection, layout: Layout) {
  const files = layout.files.map((f) => quote(f.path)).join(', ');
  await c.run(
    `CREATE OR REPLACE VIEW "${DATABASE}"."${TABLE}" AS SELECT * FROM read_parquet([${files}], hive_partitioning = false)`,
  );
}

/** The saved incident queries of the ALB access table, in DuckDB's dialect, each with its trace parameter bound. */
export function incidentQueries(): NamedQuerySpec[] {
  return athenaQueries(DATABASE, [{ schema: SCHEMA, tableName: TABLE }], 'duckdb').filter((q) => q.kind === 'incident');
}

/** The trace lookup's SQL with its `?` bound to `root`, for EXPLAIN and a run. */
export const bind = (sql: string, root: string) => sql.replace('CAST(? AS varchar)', `CAST(${quote(root)} AS varchar)`);

/** Measures every incident query on a layout; the trace lookup over every sampled Root id (its worst is kept). */
export async function measureLayout(
  c: DuckDBConnection,
  layout: Layout,
  corpus: QueryCorpus,
  now: number,
  check: boolean,
) {
  await viewOf(c, layout);
  const known = SCHEMA.columns.map((col) => col.name);
  const measured: Measured[] = [];
  await c.run(`SET VARIABLE now = ${sqlTime(now)}`);
  for (const query of incidentQueries()) {
    const runs: Measured[] = [];
    for (const root of query.id === 'byTraceId' ? corpus.sampleTraceRoots : [corpus.sampleTraceRoots[0]!]) {
      const plan = queryWindows(query.id, now, root);
      if (!plan) throw new Error(`saved query ${query.id} has no windows in bench/queries/query-windows.ts`);
      const sql = bind(query.sql, root);
      const columns = await columnsRead(c, sql, known);
      await c.runAndReadAll(sql); // it runs on this layout
      const reading = bytesRead(layout, columns, plan.windows);
      if (check) await checkPruning(c, layout, reading, plan.windows);
      runs.push({ query, category: plan.category, columns, reading, rawBytes: rawBytes(corpus, plan.windows) });
    }
    runs.sort((a, b) => ratio(a.rawBytes, a.reading.bytes) - ratio(b.rawBytes, b.reading.bytes));
    measured.push(runs[0]!);
  }
  return measured;
}

/** A layout's shape: files (per 24 hours of traffic), row groups, footers, size. */
export function layoutFacts(layout: Layout, hours: number) {
  const groups = layout.files.flatMap((f) => f.rowGroups);
  return {
    files: layout.files.length,
    filesPerDay: (layout.files.length * 24) / hours,
    rowGroups: groups.length,
    medianRowGroupRows: median(groups.map((g) => g.rows)),
    medianRowGroupBytes: median(groups.map((g) => [...g.columnBytes.values()].reduce((a, b) => a + b, 0))),
    footerBytes: layout.files.reduce((sum, f) => sum + f.footerBytes, 0),
    totalBytes: layout.files.reduce((sum, f) => sum + f.sizeBytes, 0),
  };
}

/** The query of each category that reads the least fewer bytes than the raw logs. */
export function worstByCategory(measured: readonly Measured[]): Map<QueryCategory, Measured> {
  const worst = new Map<QueryCategory, Measured>();
  for (const m of measured) {
    const w = worst.get(m.category);
    if (!w || ratio(m.rawBytes, m.reading.bytes) < ratio(w.rawBytes, w.reading.bytes)) worst.set(m.category, m);
  }
  return worst;
}

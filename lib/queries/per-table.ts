/**
 * The saved queries every log type's table has: format drift, duplicates, the dedup view and maintenance. Written
 * once from the schema (its line identity, columns and partition source), so each table gets the same guarantees.
 *
 * OPTIMIZE and VACUUM use the unquoted `db.table` form of their reference pages: VACUUM does not accept double quotes
 * and needs backticks around a table name that starts with "_". OPTIMIZE's WHERE "allows only partition columns";
 * these tables' only partition is the hidden `day(time)`, and whether Athena accepts its source column "time" there
 * is not documented (users report GENERIC_INTERNAL_ERROR "Unexpected FilterNode" for filters on hidden-partition
 * sources, https://repost.aws/questions/QUJhSEh2PGRpO16lRH7jDoQQ). So OPTIMIZE runs on the whole table, the form the
 * page documents without a WHERE; it rewrites only files that need it (small files, delete files).
 * https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html
 * https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html
 */
import type { NamedQuerySpec, QueryTable } from './sql';

/** The local ids of the per-table queries (the ALB access table uses them as they are, for stable construct ids). */
export type PerTableQueryId = 'formatDrift' | 'duplicates' | 'createDedupView' | 'optimize' | 'vacuum';

/** Console names of the per-table queries, before the table prefix (see {@link savedQuery}). */
export const PER_TABLE_QUERY_NAMES: Readonly<Record<PerTableQueryId, string>> = {
  formatDrift: 'format drift: extra fields over time (last 7 days)',
  duplicates: 'duplicate lines (last day)',
  createDedupView: 'create dedup view',
  optimize: 'maintenance: OPTIMIZE (compact the table)',
  vacuum: 'maintenance: VACUUM (expire snapshots, delete orphan files)',
};

/** Name of the deduplicating view of a table. */
export function dedupViewName(table: string): string {
  return `${table}_dedup`;
}

/**
 * The id and console name of a query of one table. ALB access logs keep the bare ids and names they had as the only
 * table; every other type's queries carry its name (`albConnectionTlsHandshakeFailures`, `connection_logs: …`), so
 * one workgroup can hold them all.
 */
export function savedQuery(t: QueryTable, localId: string, name: string): { id: string; name: string } {
  if (t.schema.id === 'alb-access') return { id: localId, name };
  const prefix = t.schema.id.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return { id: `${prefix}${localId[0]!.toUpperCase()}${localId.slice(1)}`, name: `${t.table}: ${name}` };
}

/** The console name of a per-table query of this table. */
export function perTableQueryName(t: QueryTable, id: PerTableQueryId): string {
  return savedQuery(t, id, PER_TABLE_QUERY_NAMES[id]).name;
}

/** The per-table queries of one table. */
export function perTableQueries(t: QueryTable): NamedQuerySpec[] {
  const { schema, database, table, time } = t;
  const identity = schema.lineIdentity;
  const logTypes = [schema.id];
  const q = (id: PerTableQueryId) => savedQuery(t, id, PER_TABLE_QUERY_NAMES[id]);
  const byLoadBalancer = schema.columns.some((c) => c.name === 'elb') ? 'elb' : undefined;
  const groupBy = byLoadBalancer ? [`date_trunc('hour', ${time}) AS hour_start`, t.column(byLoadBalancer)] : [];
  return [
    {
      ...q('formatDrift'),
      kind: 'incident',
      logTypes,
      description:
        'Lines that carried fields after the last known one (kept verbatim in extra_fields), per hour' +
        `${byLoadBalancer ? ' and load balancer' : ''} over the last 7 days, with an example. A steady count since ` +
        `some hour means AWS added a field to ${schema.title}: add it as a column (lambda/schema/${schema.id}.ts). ` +
        'Rejected lines are not in the table: see the rejects/ prefix (alb-iceberg errors).',
      sql: [
        'SELECT',
        `  ${groupBy.length > 0 ? groupBy.join(',\n  ') : `date_trunc('hour', ${time}) AS hour_start`},`,
        '  count(*) AS lines_with_extra_fields,',
        `  arbitrary(${t.column('extra_fields')}) AS example`,
        `FROM ${t.ref}`,
        `WHERE ${t.since(7, 'DAY')}`,
        '  AND extra_fields IS NOT NULL',
        `GROUP BY ${byLoadBalancer ? '1, 2' : '1'}`,
        'ORDER BY hour_start DESC, lines_with_extra_fields DESC',
      ].join('\n'),
    },
    {
      ...q('duplicates'),
      kind: 'incident',
      logTypes,
      description:
        `Log lines stored more than once in the last day, by line identity (${identity.join(', ')}). ` +
        'Duplicates come from a file ingested twice (S3 notifications are at-least-once, or a redrive/backfill). ' +
        `Query the ${dedupViewName(table)} view (saved query "${perTableQueryName(t, 'createDedupView')}") to ` +
        'count each line once.',
      sql: [
        'SELECT',
        `${t.columns(identity)},`,
        '  count(*) AS copies',
        `FROM ${t.ref}`,
        `WHERE ${t.since(1, 'DAY')}`,
        `GROUP BY ${identity.map((_, i) => i + 1).join(', ')}`,
        'HAVING count(*) > 1',
        'ORDER BY copies DESC',
        'LIMIT 100',
      ].join('\n'),
    },
    {
      ...q('createDedupView'),
      kind: 'view',
      logTypes,
      description:
        `Run once (again after a schema change) to create the view ${database}.${dedupViewName(table)}: the table ` +
        `with each log line once, by (${identity.join(', ')}). Rows without a line identity are kept. ` +
        `Always filter the view on ${time}: it is part of the window partition (identical lines have identical ` +
        'times), so the filter reaches the table and prunes partitions.',
      sql: [
        `CREATE OR REPLACE VIEW "${database}"."${dedupViewName(table)}" AS`,
        'SELECT',
        `  ${schema.columns.map((c) => `"${c.name}"`).join(',\n  ')}`,
        'FROM (',
        '  SELECT',
        '    *,',
        `    row_number() OVER (PARTITION BY ${[...identity.map((c) => t.column(c)), time].join(', ')}) AS copy_number`,
        `  FROM ${t.ref}`,
        ')',
        'WHERE copy_number = 1',
        `  OR ${t.column('source_file')} IS NULL`,
        `  OR ${t.column('line_number')} IS NULL`,
      ].join('\n'),
    },
    {
      ...q('optimize'),
      kind: 'maintenance',
      logTypes,
      description:
        'Compacts small files of the whole table now (Firehose commits small files; the Glue compaction optimizer ' +
        'merges them automatically, in time order, so this is only for when queries are slow before it ran). Athena ' +
        "only bin-packs: its files may lose the time order the optimizer's sort strategy keeps. Billed by the data it " +
        'rewrites. No WHERE: Athena allows only partition columns there, and the table is partitioned by the hidden ' +
        `day(${time}), whose use in OPTIMIZE is not documented.`,
      sql: `OPTIMIZE ${database}.${table} REWRITE DATA USING BIN_PACK`,
    },
    {
      ...q('vacuum'),
      kind: 'maintenance',
      logTypes,
      description:
        'Expires old snapshots and deletes orphan files now, using the table properties vacuum_max_snapshot_age_seconds ' +
        'and vacuum_min_snapshots_to_keep (the Glue retention and orphan-file optimizers do this automatically). ' +
        'Time travel to expired snapshots is no longer possible afterwards. Needs s3:DeleteObject on the table ' +
        'location, or it succeeds without deleting files.',
      sql: `VACUUM ${database}.${table.startsWith('_') ? `\`${table}\`` : table}`,
    },
  ];
}

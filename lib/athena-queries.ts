/**
 * The SQL of the Athena named queries: what an on-call engineer reaches for, plus table maintenance. Plain functions
 * of (database, table) so the stack, the tests and the README all show the same text.
 *
 * Conventions (Athena engine version 3, Trino SQL):
 * - Every query on the table filters on "time", the source column of the table's `day(time)` partition, so Iceberg
 *   prunes partitions and the bytes scanned stay small. `time` is quoted as an identifier with double quotes (in
 *   Athena DDL it would take backticks; these are all engine statements).
 * - "time" is an Iceberg `timestamp` without zone holding UTC. Windows are written against `localtimestamp`, which has
 *   the same type and is UTC in Athena (the session time zone is UTC), so the column is compared uncast.
 * - Database and table names are lower_snake_case (lib/config.ts validates them); SELECT statements quote them anyway.
 *   OPTIMIZE and VACUUM use the unquoted `db.table` form of their reference pages: VACUUM does not accept double
 *   quotes and needs backticks around a table name that starts with "_".
 *   https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html
 *   https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html
 * - Every saved statement is one those pages document as accepted. OPTIMIZE's WHERE "allows only partition columns";
 *   this table's only partition is the hidden `day(time)`, and whether Athena accepts its source column "time" there
 *   is not documented (users report GENERIC_INTERNAL_ERROR "Unexpected FilterNode" for filters on hidden-partition
 *   sources, https://repost.aws/questions/QUJhSEh2PGRpO16lRH7jDoQQ). So OPTIMIZE runs on the whole table, the form
 *   the page documents without a WHERE; it rewrites only files that need it (small files, delete files).
 */
import { COLUMNS, PARTITION_COLUMN } from '../lambda/schema/alb-access';

/** One saved (named) query of the Athena workgroup. */
export interface NamedQuerySpec {
  /** Stable identifier (the construct id of the named query). */
  readonly id: QueryId;
  /** Name in the Athena console's saved queries (at most 128 characters). */
  readonly name: string;
  /** What it answers and how to adapt it (at most 1024 characters). */
  readonly description: string;
  readonly sql: string;
  /** `incident`: reads the table filtered on time; `view`: creates the dedup view; `maintenance`: OPTIMIZE/VACUUM. */
  readonly kind: 'incident' | 'view' | 'maintenance';
}

/** Names of the queries other code refers to (alarm descriptions, README). */
export const QUERY_NAMES = {
  errorsByTarget: '5xx by target, 5-minute buckets (last hour)',
  latencyByTargetGroup: 'latency percentiles per target group (last hour)',
  topClients: 'top clients and user agents (last hour)',
  byTraceId: 'requests by trace_id (last day, asks for the id)',
  formatDrift: 'format drift: extra fields over time (last 7 days)',
  duplicates: 'duplicate lines (last day)',
  createDedupView: 'create dedup view',
  optimize: 'maintenance: OPTIMIZE (compact the table)',
  vacuum: 'maintenance: VACUUM (expire snapshots, delete orphan files)',
} as const;

/**
 * The columns that identify one log line exactly: the account, Region and load balancer, the source object (its
 * `<end-time>_<node-ip>_<random>` identity) and the line number in it. S3 notifications are at-least-once, so a file
 * can be ingested twice; its lines then repeat with the same identity.
 */
export const LINE_IDENTITY = ['account_id', 'region', 'elb', 'source_file', 'line_number'] as const;

export type QueryId = keyof typeof QUERY_NAMES;

/** Name of the deduplicating view of a table. */
export function dedupViewName(table: string): string {
  return `${table}_dedup`;
}

/** The named queries for a table. */
export function athenaQueries(database: string, table: string): NamedQuerySpec[] {
  const t = `"${database}"."${table}"`;
  const time = `"${PARTITION_COLUMN}"`;
  const since = (amount: number, unit: 'HOUR' | 'DAY') => `${time} >= localtimestamp - INTERVAL '${amount}' ${unit}`;

  return [
    {
      id: 'errorsByTarget',
      name: QUERY_NAMES.errorsByTarget,
      kind: 'incident',
      description:
        '5xx responses per target and 5-minute bucket over the last hour. lb_generated counts the 5xx the load ' +
        'balancer produced itself (no target response: typically 502/503/504); the rest came from the target. ' +
        'Change the INTERVAL to look further back.',
      sql: [
        'SELECT',
        `  date_trunc('hour', ${time}) + INTERVAL '5' MINUTE * (minute(${time}) / 5) AS bucket,`,
        '  target_group_arn,',
        '  target_ip,',
        '  target_port,',
        '  count(*) AS elb_5xx,',
        '  count_if(target_status_code IS NULL) AS lb_generated,',
        '  array_sort(array_agg(DISTINCT elb_status_code)) AS status_codes',
        `FROM ${t}`,
        `WHERE ${since(1, 'HOUR')}`,
        '  AND elb_status_code >= 500',
        'GROUP BY 1, 2, 3, 4',
        'ORDER BY bucket DESC, elb_5xx DESC',
      ].join('\n'),
    },
    {
      id: 'latencyByTargetGroup',
      name: QUERY_NAMES.latencyByTargetGroup,
      kind: 'incident',
      description:
        'Target processing time percentiles (seconds) per target group over the last hour, slowest p99 first, plus ' +
        'the p99 of the whole load-balancer time. Requests that never reached a target (processing time -1) are ' +
        'left out.',
      sql: [
        'SELECT',
        '  target_group_arn,',
        '  count(*) AS requests,',
        '  approx_percentile(target_processing_time, 0.5) AS p50_s,',
        '  approx_percentile(target_processing_time, 0.9) AS p90_s,',
        '  approx_percentile(target_processing_time, 0.99) AS p99_s,',
        '  max(target_processing_time) AS max_s,',
        '  approx_percentile(request_processing_time + target_processing_time + response_processing_time, 0.99) AS p99_total_s',
        `FROM ${t}`,
        `WHERE ${since(1, 'HOUR')}`,
        '  AND target_processing_time >= 0',
        'GROUP BY target_group_arn',
        'ORDER BY p99_s DESC',
      ].join('\n'),
    },
    {
      id: 'topClients',
      name: QUERY_NAMES.topClients,
      kind: 'incident',
      description:
        'The 50 busiest client IP and user-agent pairs over the last hour, with their 4xx/5xx count and bytes. ' +
        'Behind a proxy or CDN client_ip is the proxy: look at the X-Forwarded-For handling of your targets.',
      sql: [
        'SELECT',
        '  client_ip,',
        '  user_agent,',
        '  count(*) AS requests,',
        '  count_if(elb_status_code >= 400) AS errors,',
        '  sum(received_bytes) AS received_bytes,',
        '  sum(sent_bytes) AS sent_bytes',
        `FROM ${t}`,
        `WHERE ${since(1, 'HOUR')}`,
        'GROUP BY client_ip, user_agent',
        'ORDER BY requests DESC',
        'LIMIT 50',
      ].join('\n'),
    },
    {
      id: 'byTraceId',
      name: QUERY_NAMES.byTraceId,
      kind: 'incident',
      description:
        'Every request of the last day whose X-Amzn-Trace-Id contains the text you enter. Athena asks for the ' +
        "parameter: enter it as a quoted string, e.g. '1-67891233-abcdef012345678912345678' (the Root id without " +
        '"Root="). Widen the INTERVAL for older requests; conn_trace_id joins with ALB connection logs.',
      sql: [
        'SELECT',
        `  ${time},`,
        '  elb,',
        '  client_ip,',
        '  client_port,',
        '  target_ip,',
        '  target_port,',
        '  request_verb,',
        '  request_url,',
        '  elb_status_code,',
        '  target_status_code,',
        '  request_processing_time,',
        '  target_processing_time,',
        '  response_processing_time,',
        '  actions_executed,',
        '  lambda_error_reason,',
        '  trace_id,',
        '  conn_trace_id,',
        '  source_file,',
        '  line_number',
        `FROM ${t}`,
        `WHERE ${since(1, 'DAY')}`,
        '  AND strpos(trace_id, ?) > 0',
        `ORDER BY ${time}`,
      ].join('\n'),
    },
    {
      id: 'formatDrift',
      name: QUERY_NAMES.formatDrift,
      kind: 'incident',
      description:
        'Lines that carried fields after the last known one (kept verbatim in extra_fields), per hour and load ' +
        'balancer over the last 7 days, with an example. A steady count since some hour means AWS added a field to ' +
        'ALB access logs: add it as a column (lambda/schema/alb-access.ts). Rejected lines are not in the table: see ' +
        'the rejects/ prefix (alb-iceberg errors).',
      sql: [
        'SELECT',
        `  date_trunc('hour', ${time}) AS hour_start,`,
        '  elb,',
        '  count(*) AS lines_with_extra_fields,',
        '  arbitrary(extra_fields) AS example',
        `FROM ${t}`,
        `WHERE ${since(7, 'DAY')}`,
        '  AND extra_fields IS NOT NULL',
        'GROUP BY 1, 2',
        'ORDER BY hour_start DESC, lines_with_extra_fields DESC',
      ].join('\n'),
    },
    {
      id: 'duplicates',
      name: QUERY_NAMES.duplicates,
      kind: 'incident',
      description:
        `Log lines stored more than once in the last day, by line identity (${LINE_IDENTITY.join(', ')}). ` +
        'Duplicates come from a file ingested twice (S3 notifications are at-least-once, or a redrive/backfill). ' +
        `Query the ${dedupViewName(table)} view (saved query "${QUERY_NAMES.createDedupView}") to count each line once.`,
      sql: [
        'SELECT',
        `  ${LINE_IDENTITY.join(',\n  ')},`,
        '  count(*) AS copies',
        `FROM ${t}`,
        `WHERE ${since(1, 'DAY')}`,
        `GROUP BY ${LINE_IDENTITY.map((_, i) => i + 1).join(', ')}`,
        'HAVING count(*) > 1',
        'ORDER BY copies DESC',
        'LIMIT 100',
      ].join('\n'),
    },
    {
      id: 'createDedupView',
      name: QUERY_NAMES.createDedupView,
      kind: 'view',
      description:
        `Run once (again after a schema change) to create the view ${database}.${dedupViewName(table)}: the table ` +
        `with each log line once, by (${LINE_IDENTITY.join(', ')}). Rows without a line identity are kept. ` +
        `Always filter the view on "${PARTITION_COLUMN}": "${PARTITION_COLUMN}" is part of the window partition ` +
        '(identical lines have identical times), so the filter reaches the table and prunes partitions.',
      sql: [
        `CREATE OR REPLACE VIEW "${database}"."${dedupViewName(table)}" AS`,
        'SELECT',
        `  ${COLUMNS.map((c) => `"${c.name}"`).join(',\n  ')}`,
        'FROM (',
        '  SELECT',
        '    *,',
        `    row_number() OVER (PARTITION BY ${[...LINE_IDENTITY, time].join(', ')}) AS copy_number`,
        `  FROM ${t}`,
        ')',
        'WHERE copy_number = 1',
        '  OR source_file IS NULL',
        '  OR line_number IS NULL',
      ].join('\n'),
    },
    {
      id: 'optimize',
      name: QUERY_NAMES.optimize,
      kind: 'maintenance',
      description:
        'Compacts small files of the whole table now (Firehose commits small files; the Glue compaction optimizer ' +
        'merges them automatically, so this is only for when queries are slow before it ran). Billed by the data it ' +
        'rewrites. No WHERE: Athena allows only partition columns there, and the table is partitioned by the hidden ' +
        'day("time"), whose use in OPTIMIZE is not documented.',
      sql: `OPTIMIZE ${database}.${table} REWRITE DATA USING BIN_PACK`,
    },
    {
      id: 'vacuum',
      name: QUERY_NAMES.vacuum,
      kind: 'maintenance',
      description:
        'Expires old snapshots and deletes orphan files now, using the table properties vacuum_max_snapshot_age_seconds ' +
        'and vacuum_min_snapshots_to_keep (the Glue retention and orphan-file optimizers do this automatically). ' +
        'Time travel to expired snapshots is no longer possible afterwards. Needs s3:DeleteObject on the table ' +
        'location, or it succeeds without deleting files.',
      sql: `VACUUM ${database}.${table.startsWith('_') ? `\`${table}\`` : table}`,
    },
  ];
}

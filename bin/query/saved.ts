/**
 * The saved queries as `alb-iceberg query` runs them: the workgroup's own definitions (lib/queries), rendered in the
 * DuckDB dialect over tables named as a default deployment names them.
 */
import { LOG_SCHEMAS } from '../../lambda/schema/log-types';
import type { LogSchema, LogTypeId } from '../../lambda/schema/types';
import { DEFAULTS } from '../../lib/config';
import { athenaQueries, type NamedQuerySpec } from '../../lib/queries';

/** The schema the local tables live in: the default Glue database, so saved queries' `"alb_logs"."…"` resolve. */
export const LOCAL_DATABASE = DEFAULTS.databaseName;

/** The local table of a log type: its default Glue table name (ALB access: the `tableName` default). */
export function localTableName(schema: LogSchema): string {
  return schema.id === 'alb-access' ? DEFAULTS.tableName : schema.defaultTableName;
}

/** Every saved query of every log type (and the join), in the DuckDB dialect. */
export function localSavedQueries(): NamedQuerySpec[] {
  const tables = LOG_SCHEMAS.map((schema) => ({ schema, tableName: localTableName(schema) }));
  return athenaQueries(LOCAL_DATABASE, tables, 'duckdb');
}

/**
 * The saved queries that can run over the loaded log types: every table they read is loaded. Maintenance statements
 * (OPTIMIZE, VACUUM) act on the Iceberg table's files in S3 and have no local form.
 */
export function runnableQueries(loaded: ReadonlySet<LogTypeId> | 'all'): NamedQuerySpec[] {
  return localSavedQueries().filter(
    (q) => q.kind !== 'maintenance' && (loaded === 'all' || q.logTypes.every((t) => loaded.has(t))),
  );
}

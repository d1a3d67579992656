/**
 * Every saved Athena query of a deployment: for each enabled log type its incident queries and the per-table ones
 * (format drift, duplicates, dedup view, maintenance), plus the access/connection join when both tables exist.
 */
import type { LogSchema, LogTypeId } from '../../lambda/schema/types';
import { accessConnectionJoin } from './access-connection-join';
import { albAccessQueries } from './alb-access';
import { albConnectionQueries } from './alb-connection';
import { albHealthCheckQueries } from './alb-health-check';
import { clbAccessQueries } from './clb-access';
import { nlbAccessQueries } from './nlb-access';
import { perTableQueries } from './per-table';
import { type NamedQuerySpec, QueryTable, type SqlDialect } from './sql';

export { QUERY_NAMES } from './alb-access';
export { dedupViewName, PER_TABLE_QUERY_NAMES, perTableQueryName } from './per-table';
export { type NamedQuerySpec, QueryTable, type SqlDialect } from './sql';

/** The incident queries of each log type. */
const INCIDENT_QUERIES: Readonly<Record<LogTypeId, (t: QueryTable) => NamedQuerySpec[]>> = {
  'alb-access': albAccessQueries,
  'alb-connection': albConnectionQueries,
  'alb-health-check': albHealthCheckQueries,
  'nlb-access': nlbAccessQueries,
  'clb-access': clbAccessQueries,
};

/** One table of the deployment. */
export interface DeployedTable {
  readonly schema: LogSchema;
  readonly tableName: string;
}

/**
 * The saved queries of a deployment's tables, in table order; ids are unique. `dialect` `duckdb` renders the same
 * queries for `alb-iceberg query` (local files); the default is the Athena text the workgroup saves.
 */
export function athenaQueries(
  database: string,
  tables: readonly DeployedTable[],
  dialect: SqlDialect = 'athena',
): NamedQuerySpec[] {
  const byType = new Map(tables.map((t) => [t.schema.id, new QueryTable(database, t.tableName, t.schema, dialect)]));
  const specs: NamedQuerySpec[] = [];
  for (const table of byType.values()) {
    specs.push(...INCIDENT_QUERIES[table.schema.id](table), ...perTableQueries(table));
  }
  const access = byType.get('alb-access');
  const connection = byType.get('alb-connection');
  if (access && connection) specs.push(accessConnectionJoin(access, connection));
  const ids = new Set<string>();
  for (const spec of specs) {
    if (ids.has(spec.id)) throw new Error(`two saved queries with the id ${spec.id}`);
    if (spec.name.length > 128) throw new Error(`saved query name longer than 128 characters: ${spec.name}`);
    if (spec.description.length > 1024) throw new Error(`saved query description longer than 1024: ${spec.id}`);
    ids.add(spec.id);
  }
  return specs;
}

/**
 * The shape of a saved Athena query and the few SQL helpers every log type's queries share.
 *
 * Conventions (Athena engine version 3, Trino SQL):
 * - Every query on a table filters on its partition source column ("time"), so Iceberg prunes the `day(time)`
 *   partitions and the bytes scanned stay small. `time` is quoted as an identifier with double quotes.
 * - "time" is an Iceberg `timestamp` without zone holding UTC. Windows are written against `localtimestamp`, which has
 *   the same type and is UTC in Athena (the session time zone is UTC), so the column is compared uncast.
 * - Database and table names are lower_snake_case (lib/config/settings.ts validates them); SELECT statements quote them anyway.
 * - Queries name columns through {@link QueryTable.column}, which refuses a name the log type's schema does not have:
 *   a renamed column fails synthesis (and the tests), not an incident query.
 */
import type { LogSchema, LogTypeId } from '../../lambda/schema/types';

/** One saved (named) query of the Athena workgroup. */
export interface NamedQuerySpec {
  /** Stable identifier: the construct id of the named query. */
  readonly id: string;
  /** Name in the Athena console's saved queries (at most 128 characters). */
  readonly name: string;
  /** What it answers and how to adapt it (at most 1024 characters). */
  readonly description: string;
  readonly sql: string;
  /** `incident`: reads a table filtered on time; `view`: creates a dedup view; `maintenance`: OPTIMIZE/VACUUM. */
  readonly kind: 'incident' | 'view' | 'maintenance';
  /** The log types whose tables the query reads (two for a join). */
  readonly logTypes: readonly LogTypeId[];
}

/** One log type's table, as its queries see it. */
export class QueryTable {
  /** `"database"."table"` */
  readonly ref: string;
  /** The quoted partition source column. */
  readonly time: string;

  constructor(
    readonly database: string,
    readonly table: string,
    readonly schema: LogSchema,
  ) {
    this.ref = `"${database}"."${table}"`;
    this.time = this.column(schema.partitionColumn);
  }

  /** A column of the table, as written in SQL; throws if the schema has no such column. */
  column(name: string): string {
    if (!this.schema.columns.some((c) => c.name === name)) {
      throw new Error(`query of ${this.table}: ${this.schema.id} has no column "${name}"`);
    }
    return name === 'time' ? `"${name}"` : name;
  }

  /** Several columns, comma-separated, one per line (for SELECT lists). */
  columns(names: readonly string[], indent = '  '): string {
    return names.map((n) => `${indent}${this.column(n)}`).join(',\n');
  }

  /** `"time" >= localtimestamp - INTERVAL 'n' UNIT`: the partition-pruning window of every incident query. */
  since(amount: number, unit: 'HOUR' | 'DAY'): string {
    return `${this.time} >= localtimestamp - INTERVAL '${amount}' ${unit}`;
  }

  /** The 5-minute bucket of "time" (for time series). */
  fiveMinuteBucket(): string {
    return `date_trunc('hour', ${this.time}) + INTERVAL '5' MINUTE * (minute(${this.time}) / 5)`;
  }
}

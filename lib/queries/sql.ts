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
 * - Every construct whose spelling differs between Athena (Trino) and DuckDB, the engine of `alb-iceberg query`, is
 *   written through a method of {@link QueryTable} ({@link QueryTable.now}, {@link QueryTable.since},
 *   {@link QueryTable.fiveMinuteBucket}, {@link QueryTable.percentile}, {@link QueryTable.fromHexSeconds}), never
 *   inline: each query is defined once and rendered in either dialect, and the Athena text is the default.
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

/**
 * The SQL dialect a query is rendered in: `athena` (Trino, engine version 3) for the workgroup's saved queries;
 * `duckdb` for `alb-iceberg query`, which runs the same queries over local files. In `duckdb`, "now" is the session
 * variable `now` (`SET VARIABLE now = TIMESTAMP '…'`), so that "the last hour" can mean the last hour of the files
 * read rather than of the wall clock.
 */
export type SqlDialect = 'athena' | 'duckdb';

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
    readonly dialect: SqlDialect = 'athena',
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

  /**
   * The current instant as a `timestamp` without zone holding UTC, the type of "time". Athena: `localtimestamp`,
   * which is UTC there (the session time zone is UTC). DuckDB: the session variable `now`, set by the caller.
   */
  get now(): string {
    return this.dialect === 'athena' ? 'localtimestamp' : "getvariable('now')";
  }

  /** `"time" >= localtimestamp - INTERVAL 'n' UNIT`: the partition-pruning window of every incident query. */
  since(amount: number, unit: 'HOUR' | 'DAY'): string {
    return `${this.time} >= ${this.now} - INTERVAL '${amount}' ${unit}`;
  }

  /**
   * The 5-minute bucket of "time" (for time series). `minute(x) / 5` must divide integers: Trino's `/` does for
   * integers, DuckDB's `/` is float division and `//` is integer division
   * (https://duckdb.org/docs/stable/sql/functions/numeric#numeric-operators).
   */
  fiveMinuteBucket(): string {
    const divide = this.dialect === 'athena' ? '/' : '//';
    return `date_trunc('hour', ${this.time}) + INTERVAL '5' MINUTE * (minute(${this.time}) ${divide} 5)`;
  }

  /**
   * The p-th percentile of `expr` (0 < p < 1). Athena: `approx_percentile`. DuckDB: `quantile_disc`, which returns
   * one of the values (as a digest of few values does), exactly and repeatably, so local answers are checkable.
   * https://trino.io/docs/current/functions/aggregate.html#approx_percentile
   * https://duckdb.org/docs/stable/sql/functions/aggregates#quantile_discx-pos
   */
  percentile(expr: string, p: number): string {
    return `${this.dialect === 'athena' ? 'approx_percentile' : 'quantile_disc'}(${expr}, ${p})`;
  }

  /**
   * The instant `hex` (an expression holding hexadecimal Unix seconds, e.g. the second part of an X-Ray Root id) as a
   * `timestamp`. Athena: `from_unixtime(from_base(hex, 16))`. DuckDB has no `from_base`; it casts a `0x` string to an
   * integer, and `make_timestamp(micros)` gives a timestamp without zone, untouched by the session time zone.
   * https://trino.io/docs/current/functions/conversion.html (from_base) and
   * https://duckdb.org/docs/stable/sql/functions/timestamp (make_timestamp)
   */
  fromHexSeconds(hex: string): string {
    return this.dialect === 'athena'
      ? `from_unixtime(from_base(${hex}, 16))`
      : `make_timestamp(CAST('0x' || ${hex} AS BIGINT) * 1000000)`;
  }
}

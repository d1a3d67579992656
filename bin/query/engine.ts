/**
 * The embedded engine of `alb-iceberg query`: an in-memory DuckDB database holding one table per log type, named
 * and typed like its Glue table, in a schema named like the Glue database (so `"alb_logs"."access_logs"` and
 * `access_logs` both resolve). DuckDB is a native module: it is imported here, on first use, so that the other
 * commands never load it.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { IcebergType, LogSchema } from '../../lambda/schema/types';

/**
 * The DuckDB type of each Iceberg type the tables use. An Iceberg `timestamp` has no zone and holds UTC, as DuckDB's
 * TIMESTAMP does; the records carry it as ISO-8601 text ending in `Z`, which DuckDB reads as that UTC instant.
 * https://iceberg.apache.org/spec/#primitive-types and https://duckdb.org/docs/stable/sql/data_types/overview
 */
export const DUCKDB_TYPES: Readonly<Record<IcebergType, string>> = {
  timestamp: 'TIMESTAMP',
  string: 'VARCHAR',
  int: 'INTEGER',
  long: 'BIGINT',
  double: 'DOUBLE',
};

/** One column of a result: its name and DuckDB type (`BIGINT`, `INTEGER[]`, …). */
export interface ResultColumn {
  readonly name: string;
  readonly type: string;
}

/** A result: columns, and rows of JSON values (BIGINT and TIMESTAMP as text, lists as arrays). */
export interface QueryResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly unknown[])[];
}

/** A statement's `?` parameters did not match the values given. */
export class ParameterMismatch extends Error {
  constructor(
    readonly expected: number,
    readonly given: number,
  ) {
    super(`the query takes ${expected} --param value${expected === 1 ? '' : 's'}, ${given} given`);
  }
}

/** A SQL identifier, double-quoted. */
export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
/** A SQL string literal, single-quoted. */
export const quoteText = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The `columns` struct of `read_json` for a schema's records (and `extra` name/type pairs): each key read as its
 * column's type, a key a record lacks as NULL.
 */
export function jsonColumns(schema: LogSchema, extra: readonly (readonly [string, string])[] = []): string {
  const types = [...schema.columns.map((c) => [c.name, DUCKDB_TYPES[c.type]] as const), ...extra];
  return `{${types.map(([name, type]) => `${quoteText(name)}: ${quoteText(type)}`).join(', ')}}`;
}

/** The local database: load tables, set "now", run SQL. Close it when done. */
export class LocalDatabase {
  private constructor(
    readonly database: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** A new in-memory database whose default schema is `database`. */
  static async open(database: string): Promise<LocalDatabase> {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`CREATE SCHEMA ${quoteIdent(database)}`);
    await connection.run(`USE ${quoteIdent(database)}`);
    return new LocalDatabase(database, instance, connection);
  }

  /**
   * Creates the table with exactly the schema's columns and types, and loads the NDJSON records at `path` into it
   * (matched by name: a key a record lacks is NULL, as in Iceberg). Returns the number of rows loaded.
   */
  async load(table: string, schema: LogSchema, path: string, hasRecords: boolean): Promise<number> {
    const ref = `${quoteIdent(this.database)}.${quoteIdent(table)}`;
    const columns = schema.columns.map((c) => `${quoteIdent(c.name)} ${DUCKDB_TYPES[c.type]}`);
    await this.connection.run(`CREATE TABLE ${ref} (${columns.join(', ')})`);
    if (!hasRecords) return 0;
    const result = await this.connection.run(
      `INSERT INTO ${ref} BY NAME SELECT * FROM read_json(${quoteText(path)}, format = 'newline_delimited', ` +
        `columns = ${jsonColumns(schema)})`,
    );
    return Number(result.rowsChanged);
  }

  /** The latest value of each table's partition column ("time"), over all of them; undefined when all are empty. */
  async latestTime(
    tables: readonly { readonly table: string; readonly schema: LogSchema }[],
  ): Promise<string | undefined> {
    if (tables.length === 0) return undefined;
    const parts = tables.map(
      (t) => `SELECT max(${quoteIdent(t.schema.partitionColumn)}) AS t FROM ${quoteIdent(t.table)}`,
    );
    const rows = (
      await this.connection.runAndReadAll(`SELECT max(t) FROM (${parts.join(' UNION ALL ')})`)
    ).getRowsJson();
    const latest = rows[0]?.[0];
    return typeof latest === 'string' ? latest : undefined;
  }

  /**
   * Sets the session variable `now` that the DuckDB form of the saved queries reads as the current instant.
   * @param timestamp `YYYY-MM-DD HH:MM:SS[.ffffff]`, UTC
   */
  async setNow(timestamp: string): Promise<void> {
    await this.connection.run(`SET VARIABLE now = CAST(${quoteText(timestamp)} AS TIMESTAMP)`);
  }

  /**
   * Runs `sql` (one statement or several, separated by `;`) and returns the last statement's result. `params` bind
   * the last statement's `?` placeholders, in order, as text; their number must match ({@link ParameterMismatch}).
   */
  async run(sql: string, params: readonly string[] = []): Promise<QueryResult> {
    const statements = await this.connection.extractStatements(sql);
    if (statements.count === 0) throw new Error('the SQL holds no statement');
    for (let i = 0; i < statements.count - 1; i++) await (await statements.prepare(i)).run();
    const last = await statements.prepare(statements.count - 1);
    if (last.parameterCount !== params.length) throw new ParameterMismatch(last.parameterCount, params.length);
    params.forEach((p, i) => {
      last.bindVarchar(i + 1, p);
    });
    const reader = await last.runAndReadAll();
    const names = reader.columnNames();
    const types = reader.columnTypes();
    return {
      columns: names.map((name, i) => ({ name, type: types[i]!.toString() })),
      rows: reader.getRowsJson() as unknown[][],
    };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/**
 * `alb-iceberg query`: the saved incident queries, or any SQL, over local log files, with an embedded engine
 * (DuckDB) and on exactly the records the pipeline sends: one table per log type, named and typed like its Glue
 * table. Nothing to deploy first; a few downloaded files answer a question.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isLogTypeId, LOG_SCHEMAS, LOG_TYPE_IDS, logSchemaOf } from '../../lambda/schema/log-types';
import type { LogTypeId } from '../../lambda/schema/types';
import type { NamedQuerySpec } from '../../lib/queries';
import { type OptionSpecs, readArgs, usageError } from '../args';
import { type CliIo, OutputClosed } from '../io';
import { expandInputs, InputProblem } from '../parse-inputs';
import { LocalDatabase, ParameterMismatch, type QueryResult } from '../query/engine';
import { formatResult, isOutputFormat, OUTPUT_FORMATS, type OutputFormat } from '../query/format';
import { utcTimestamp } from '../query/now';
import { type ReadRecords, readRecords } from '../query/records';
import { LOCAL_DATABASE, localSavedQueries, localTableName, runnableQueries } from '../query/saved';

const HELP = `Usage: alb-iceberg query [--type TYPE] (--saved ID | --sql SQL | --list) [--now TIME] [--param VALUE]...
                         [--format table|json|csv] FILE|DIR...

Reads ELB log files as 'alb-iceberg parse' does (.log.gz or plain text, '-' for stdin, a directory for the log
files under it; the log type from each file's name, or --type) and loads exactly the records the pipeline sends to
Firehose into an embedded DuckDB database: one table per log type, named like its Glue table
(${LOG_SCHEMAS.map(localTableName).join(', ')}) in the schema ${LOCAL_DATABASE}, so that
"${LOCAL_DATABASE}"."access_logs" and access_logs both work, with the table's columns and types (timestamp: TIMESTAMP
holding UTC, int: INTEGER, long: BIGINT, double: DOUBLE, string: VARCHAR). Then it runs one query and prints its
result. Rejected lines are not loaded: they are counted on stderr, with the first few.

Options:
  --type TYPE       Log type of every input, whatever its name:
                    ${LOG_TYPE_IDS.join(', ')}.
  --saved ID        Run the saved query ID: the Athena workgroup's own query, rendered for DuckDB (--list shows the
                    ids).
  --sql SQL         Run SQL (DuckDB's dialect; several statements separated by ';' print the last one's result).
                    getvariable('now') is the --now instant.
  --list            List the saved queries that can run on the given files (with no FILE: all of them): id, name,
                    description. OPTIMIZE and VACUUM act on the Iceberg table in S3 and have no local form.
  --now TIME        The instant the saved queries' "last hour" or "last day" ends at, UTC (2026-11-23T18:05:00Z).
                    Default: the latest "time" in the files, so that "the last hour" is the files' last hour.
  --param VALUE     A value for the query's next '?' placeholder, as text (byTraceId: a Root id such as
                    1-67891233-abcdef012345678912345678). Repeat it for several.
  --format FORMAT   ${OUTPUT_FORMATS.join(', ')}: an aligned table (default), one JSON object per row, or CSV.
  -h, --help        Show this help.

The result goes to stdout; what was loaded ("${LOCAL_DATABASE}"."access_logs": rows, files, rejected lines), the
instant used as now and the number of rows go to stderr.

Examples:
  alb-iceberg query --list samples/
  alb-iceberg query --saved errorsByTarget ./downloaded-logs/
  alb-iceberg query --saved byTraceId --param 1-67891233-abcdef012345678912345678 ./downloaded-logs/
  alb-iceberg query --sql 'SELECT elb_status_code, count(*) FROM access_logs GROUP BY 1' --format csv samples/

Exit codes: 0 success (rejected lines are not an error), 1 unreadable or damaged input or a failing query, 2 usage
error.`;

export const QUERY_OPTIONS = {
  type: { type: 'string', value: 'TYPE' },
  saved: { type: 'string', value: 'ID' },
  sql: { type: 'string', value: 'SQL' },
  list: { type: 'boolean' },
  now: { type: 'string', value: 'TIME' },
  param: { type: 'string', multiple: true, value: 'VALUE' },
  format: { type: 'string', value: 'FORMAT' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

/** What the command line asks for, checked. */
type Action = { readonly list: true } | { readonly saved: NamedQuerySpec } | { readonly sql: string };

/** The checked options. */
interface Plan {
  readonly action: Action;
  readonly format: OutputFormat;
  /** --now, as a DuckDB timestamp (UTC). */
  readonly now: string | undefined;
  readonly params: readonly string[];
  readonly logType: LogTypeId | undefined;
}

type QueryValues = ReturnType<typeof parseArgs<{ options: typeof QUERY_OPTIONS; allowPositionals: true }>>['values'];

/** The plan the options describe, or the usage problem with them. */
function planOf(values: QueryValues): Plan | { readonly problem: string } {
  const problem = (message: string) => ({ problem: message });
  const actions = [values.saved !== undefined, values.sql !== undefined, values.list === true].filter(Boolean).length;
  if (actions !== 1) return problem(`give exactly one of --saved ID, --sql SQL and --list (${actions} given)`);
  if (values.type !== undefined && !isLogTypeId(values.type)) {
    return problem(`--type must be one of ${LOG_TYPE_IDS.join(', ')}, got '${values.type}'`);
  }
  const format = values.format ?? 'table';
  if (!isOutputFormat(format)) return problem(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got '${format}'`);
  const now = values.now === undefined ? undefined : utcTimestamp(values.now);
  if (now === null) return problem(`--now must be a UTC instant such as 2026-11-23T18:05:00Z, got '${values.now}'`);
  const params = values.param ?? [];
  if (values.list && (params.length > 0 || now !== undefined)) {
    return problem('--param and --now apply to --saved and --sql, not to --list');
  }
  let action: Action = { list: true };
  if (values.saved !== undefined) {
    const saved = localSavedQueries().find((q) => q.id === values.saved);
    if (!saved) return problem(`no saved query '${values.saved}': 'alb-iceberg query --list' shows them`);
    if (saved.kind === 'maintenance') {
      return problem(`'${saved.id}' is a maintenance statement on the Iceberg table in S3: it runs only in Athena`);
    }
    action = { saved };
  } else if (values.sql !== undefined) {
    action = { sql: values.sql };
  }
  return { action, format, now, params, logType: values.type as LogTypeId | undefined };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function runQuery(argv: string[], io: CliIo): Promise<number> {
  const parsed = await readArgs(
    () => parseArgs({ args: argv, allowPositionals: true, options: QUERY_OPTIONS }),
    'query',
    HELP,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const plan = planOf(values);
  if ('problem' in plan) return usageError(io, 'query', plan.problem);
  const { action } = plan;
  if (positionals.length === 0) {
    if ('list' in action) return printList(runnableQueries('all'), plan.format, io);
    return usageError(io, 'query', 'no FILE given');
  }
  // SQL copied from Athena: there localtimestamp is the UTC clock; in DuckDB it is this machine's local clock.
  if ('sql' in action && /\blocaltimestamp\b/i.test(action.sql)) {
    io.err("alb-iceberg query: note: localtimestamp is this machine's clock here; getvariable('now') is --now\n");
  }

  let inputs: string[];
  try {
    inputs = await expandInputs(positionals);
  } catch (e) {
    if (!(e instanceof InputProblem)) throw e;
    if (e.exitCode === 2) return usageError(io, 'query', e.message);
    io.err(`alb-iceberg query: ${e.message}\n`);
    return 1;
  }

  const dir = await mkdtemp(join(tmpdir(), 'alb-iceberg-query-'));
  try {
    const read = await readRecords(inputs, plan.logType, dir, io);
    const code = await answer(plan, read, io);
    return code === 0 && read.damaged > 0 ? 1 : code;
  } catch (e) {
    if (e instanceof OutputClosed) return 0; // `| head`: a normal end, as for parse
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Lists the queries the loaded types can answer, or loads the tables and runs the query. */
async function answer(plan: Plan, read: ReadRecords, io: CliIo): Promise<number> {
  const { action } = plan;
  const loaded = new Set(read.byType.keys());
  if ('list' in action) return printList(runnableQueries(loaded), plan.format, io);
  if ('saved' in action) {
    const missing = action.saved.logTypes.filter((t) => !loaded.has(t));
    if (missing.length > 0) {
      const reads = action.saved.logTypes.map((t) => logSchemaOf(t).title).join(' and ');
      return usageError(io, 'query', `'${action.saved.id}' reads ${reads}; no file of ${missing.join(', ')} was given`);
    }
  }
  const db = await LocalDatabase.open(LOCAL_DATABASE);
  try {
    const tables = await loadTables(db, read, io);
    const latest = plan.now === undefined ? await db.latestTime(tables) : undefined;
    const now = plan.now ?? latest ?? utcTimestamp(new Date().toISOString())!;
    await db.setNow(now);
    const why = plan.now
      ? '--now'
      : latest
        ? 'the latest "time" in the files; --now to change'
        : 'the files have no rows';
    io.err(`now: ${now} UTC (${why})\n`);
    let result: QueryResult;
    try {
      result = await db.run('saved' in action ? action.saved.sql : action.sql, plan.params);
    } catch (e) {
      if (e instanceof ParameterMismatch) return usageError(io, 'query', e.message);
      io.err(`alb-iceberg query: the query failed: ${(e as Error).message}\n`);
      return 1;
    }
    await io.out(formatResult(result, plan.format));
    if (result.columns.length > 0) io.err(`(${plural(result.rows.length, 'row')})\n`);
    return 0;
  } finally {
    db.close();
  }
}

/** Creates and fills the table of each log type read; reports each on stderr. */
async function loadTables(db: LocalDatabase, read: ReadRecords, io: CliIo) {
  const tables = [];
  for (const entry of read.byType.values()) {
    const schema = logSchemaOf(entry.logType);
    const table = localTableName(schema);
    const rows = await db.load(table, schema, entry.path, entry.records > 0);
    tables.push({ table, schema });
    const rejected = entry.rejects > 0 ? `, ${plural(entry.rejects, 'rejected line')}` : '';
    io.err(`"${LOCAL_DATABASE}"."${table}": ${plural(rows, 'row')} from ${plural(entry.files, 'file')}${rejected}\n`);
  }
  return tables;
}

/** Prints the saved queries as a result (id, name, description), in the chosen format. */
async function printList(queries: readonly NamedQuerySpec[], format: OutputFormat, io: CliIo): Promise<number> {
  const result: QueryResult = {
    columns: ['id', 'name', 'description'].map((name) => ({ name, type: 'VARCHAR' })),
    rows: queries.map((q) => [q.id, q.name, q.description]),
  };
  await io.out(formatResult(result, format));
  return 0;
}

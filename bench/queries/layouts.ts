/**
 * Writes the benchmark's Parquet layouts with DuckDB (its Parquet writer is built in) from the corpus's records, and
 * reads back what a query engine plans with: each file's row groups, their column chunk sizes and `time` statistics,
 * and its footer. Layouts:
 * - **Firehose**: as the Iceberg destination writes before compaction, one file per buffer flush and day partition,
 *   rows in arrival order (bench/queries/firehose-files.ts).
 * - **Compacted**: as the Glue optimizer's compaction leaves a day, rows in a given order (the table's sort order on
 *   `time`, or arrival order for `binpack`), cut into files and row groups of given row counts (the caller turns
 *   the table's byte settings into rows).
 * Both use zstd, the table's `write.parquet.compression-codec`.
 */
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { jsonColumns, quoteText as quote, quoteIdent } from '../../bin/query/engine';
import type { LogSchema } from '../../lambda/schema/types';
import type { Layout, ParquetFile, RowGroup } from './read-model';

/** The timestamp columns whose statistics the model prunes on. */
export const PRUNING_COLUMNS = ['time', 'request_creation_time'] as const;
/** A text column whose statistics the model reads too: the measured-and-declined `trace_root` column. */
export const TEXT_PRUNING_COLUMNS = ['trace_root'] as const;

/** Loads the NDJSON records (with `_file` and `_seq`) into the table `records`. Returns the row count. */
export async function loadRecords(c: DuckDBConnection, schema: LogSchema, path: string): Promise<number> {
  const columns = jsonColumns(schema, [
    ['_file', 'INTEGER'],
    ['_seq', 'BIGINT'],
  ]);
  await c.run(
    `CREATE TABLE records AS SELECT *, strftime("time", '%Y-%m-%d') AS _day FROM read_json(${quote(path)}, ` +
      `format = 'newline_delimited', columns = ${columns})`,
  );
  const rows = await c.runAndReadAll('SELECT count(*) FROM records');
  return Number(rows.getRowsJson()[0]![0]);
}

const tableColumns = (schema: LogSchema, extra: readonly string[] = []) =>
  [...schema.columns.map((col) => quoteIdent(col.name)), ...extra].join(', ');

/**
 * Firehose's files: one per (day, flush), rows in arrival order. `flushOf[file]` is each log file's flush. The COPY
 * runs on one thread: with several, DuckDB's partitioned writer sometimes splits a partition over two files, which
 * would count a flush's footer twice (and differently from run to run).
 */
export async function writeFirehoseLayout(
  c: DuckDBConnection,
  schema: LogSchema,
  flushOf: readonly number[],
  dir: string,
): Promise<void> {
  const mapPath = `${dir}.flushes.csv`;
  writeFileSync(mapPath, `file,flush\n${flushOf.map((f, i) => `${i},${f}`).join('\n')}\n`);
  await c.run(`CREATE OR REPLACE TABLE flushes AS SELECT * FROM read_csv(${quote(mapPath)}, header = true)`);
  await c.run('SET threads = 1');
  try {
    await c.run(
      `COPY (SELECT ${tableColumns(schema, ['_day', 'flush'])} FROM records JOIN flushes ON records._file = flushes.file ` +
        `ORDER BY _seq) TO ${quote(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (_day, flush))`,
    );
  } finally {
    await c.run('RESET threads');
  }
  const partitions = Number(
    (
      await c.runAndReadAll(
        'SELECT count(*) FROM (SELECT DISTINCT _day, flush FROM records JOIN flushes ON records._file = flushes.file)',
      )
    ).getRowsJson()[0]![0],
  );
  const files = Number(
    (await c.runAndReadAll(`SELECT count(*) FROM glob(${quote(`${dir}/**/*.parquet`)})`)).getRowsJson()[0]![0],
  );
  if (files !== partitions) throw new Error(`${dir}: ${files} files for ${partitions} (day, flush) partitions`);
}

/** How a compaction lays out a day. */
export interface CompactionShape {
  /** `time`: the table's sort order; `arrival`: binpack, which keeps the order rows were written in. */
  readonly order: 'time' | 'arrival';
  /** Rows per row group (DuckDB rounds up to a multiple of 2,048). */
  readonly rowGroupRows: number;
  /** Rows per file: a file is closed when it reaches the target size, so each holds a run of the day's order. */
  readonly rowsPerFile: number;
  /** Extra SELECT expressions written as columns (e.g. a trace_root column, to measure it). */
  readonly extraColumns?: readonly string[];
}

/**
 * One directory per day, each holding that day's files as compaction leaves them: the day's rows in order, cut into
 * consecutive runs of `rowsPerFile`, one file each (as a sorting rewrite's writer rolls files at the target size).
 * One COPY per file: DuckDB's own file splitting (FILE_SIZE_BYTES) deals row groups to files from parallel threads,
 * which would interleave the files' time ranges.
 */
export async function writeCompactedLayout(
  c: DuckDBConnection,
  schema: LogSchema,
  shape: CompactionShape,
  dir: string,
): Promise<void> {
  const days = (await c.runAndReadAll('SELECT DISTINCT _day FROM records ORDER BY 1')).getRowsJson();
  const order = shape.order === 'time' ? '"time", _seq' : '_seq';
  for (const [day] of days) {
    const dayDir = join(dir, `_day=${day}`);
    mkdirSync(dayDir, { recursive: true });
    await c.run(
      `CREATE OR REPLACE TEMP TABLE compacting AS SELECT ${tableColumns(schema, shape.extraColumns)}, ` +
        `row_number() OVER (ORDER BY ${order}) - 1 AS _n FROM records WHERE _day = ${quote(String(day))}`,
    );
    const rows = Number((await c.runAndReadAll('SELECT count(*) FROM compacting')).getRowsJson()[0]![0]);
    for (let first = 0, file = 0; first < rows; first += shape.rowsPerFile, file++) {
      await c.run(
        `COPY (SELECT * EXCLUDE (_n) FROM compacting WHERE _n >= ${first} AND _n < ${first + shape.rowsPerFile} ` +
          `ORDER BY _n) TO ${quote(join(dayDir, `data_${String(file).padStart(4, '0')}.parquet`))} ` +
          `(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${shape.rowGroupRows})`,
      );
    }
  }
  await c.run('DROP TABLE IF EXISTS compacting');
}

/** The footer of a Parquet file: its metadata and the 8 bytes after it (length and `PAR1`). */
function footerBytes(path: string): number {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, size - 8);
    if (tail.toString('latin1', 4) !== 'PAR1') throw new Error(`${path} is not a Parquet file`);
    return tail.readUInt32LE(0) + 8;
  } finally {
    closeSync(fd);
  }
}

const epochMs = (stat: unknown) => Date.parse(`${String(stat).replace(' ', 'T')}Z`);

/** Reads a layout's files, row groups, column chunk sizes and pruning-column bounds. */
export async function readLayout(c: DuckDBConnection, name: string, dir: string): Promise<Layout> {
  const reader = await c.runAndReadAll(
    `SELECT file_name, row_group_id, row_group_num_rows, path_in_schema, total_compressed_size, stats_min, stats_max, ` +
      `total_uncompressed_size ` +
      `FROM parquet_metadata(${quote(`${dir}/**/*.parquet`)}) ORDER BY file_name, row_group_id, column_id`,
  );
  const files = new Map<string, ParquetFile>();
  for (const [file, rg, rows, column, bytes, min, max, uncompressed] of reader.getRowsJson()) {
    const path = String(file);
    let f = files.get(path);
    if (!f) {
      f = { path, sizeBytes: statSync(path).size, footerBytes: footerBytes(path), rowGroups: [] };
      files.set(path, f);
    }
    const index = Number(rg);
    let group: RowGroup | undefined = f.rowGroups[index];
    if (!group) {
      const firstRow = f.rowGroups.reduce((sum, g) => sum + g.rows, 0);
      group = {
        index,
        rows: Number(rows),
        firstRow,
        columnBytes: new Map(),
        uncompressedBytes: 0,
        bounds: new Map(),
        textBounds: new Map(),
      };
      f.rowGroups[index] = group;
    }
    group.columnBytes.set(String(column), Number(bytes));
    group.uncompressedBytes += Number(uncompressed);
    if ((PRUNING_COLUMNS as readonly string[]).includes(String(column)) && min !== null && max !== null) {
      group.bounds.set(String(column), [epochMs(min), epochMs(max)]);
    }
    if ((TEXT_PRUNING_COLUMNS as readonly string[]).includes(String(column)) && min !== null && max !== null) {
      group.textBounds.set(String(column), [String(min), String(max)]);
    }
  }
  return { name, dir, files: [...files.values()] };
}

/**
 * `npm run bench:queries`: what the ALB access table's saved incident queries read, in the layouts Firehose writes
 * and compaction leaves, against what Athena would scan over the raw gzipped logs. Writes Parquet with DuckDB from
 * the pipeline's own records (./corpus.ts) and models the bytes read (./read-model.ts). Prints Markdown tables (the
 * README's "Table layout and query cost" copies them) and fails when a target is missed by the layout the stack
 * deploys: compaction's files with lib/table-layout.ts's settings (every target), and Firehose's files at the default
 * buffering interval (the last-hour and day-range targets, which hold in both layouts).
 *
 *   QUERY_BENCH_LINES   lines in the corpus (default 1000000, over the 48 hours up to the end of a daily peak hour)
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DEFAULTS } from '../../lib/config';
import { COMPACTION_STRATEGY, ROW_GROUP_SIZE_BYTES, TARGET_FILE_SIZE_BYTES } from '../../lib/table-layout';
import { buildCorpus, type QueryCorpus } from './corpus';
import { firehoseFlushes } from './firehose-files';
import { type CompactionShape, loadRecords, readLayout, writeCompactedLayout, writeFirehoseLayout } from './layouts';
import {
  checkPruning,
  DATABASE,
  layoutFacts,
  type Measured,
  measureLayout,
  median,
  ratio,
  rawBytes,
  SCHEMA,
  TRACE_ROOT_SQL,
  worstByCategory,
} from './measure';
import { type QueryCategory, queryWindows, TARGETS } from './query-windows';
import { athenaBilledBytes, bytesRead, type Layout, type Window } from './read-model';

const LINES = Number(process.env.QUERY_BENCH_LINES ?? 1_000_000);
const DIR = join(__dirname, '..', '..', '.bench', 'queries');
const KiB = 1024;
const MiB = 1024 * KiB;
const TRACE_SAMPLES = 20;
/** DuckDB writes row groups of a multiple of its vector size (2,048 rows). */
const DUCKDB_ROWS_STEP = 2048;
const CATEGORIES: readonly QueryCategory[] = ['last hour', 'day range', 'trace lookup'];
/** The targets Firehose's files are held to: all but the trace lookup's, which is the table layout's. */
const FIREHOSE_TARGETS: readonly QueryCategory[] = ['last hour', 'day range'];
/** The Firehose buffering intervals measured (seconds), the default among them or beside them. */
const BUFFERING_INTERVALS = [60, 120, 300, 420, 480, 600, 900];

const mb = (bytes: number) => (bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1);
const size = (bytes: number) => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`);
const times = (x: number) => `${x.toFixed(1)}×`;

/** Prints one layout's per-query table; returns whether the held categories met their targets. */
function printQueries(title: string, measured: readonly Measured[], held: readonly QueryCategory[]): boolean {
  let met = true;
  console.log(`\n#### ${title}\n`);
  console.log(
    '| query | kind | columns | files opened | row groups read | MB read | raw MB | fewer bytes | billed ratio | target |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const m of measured) {
    const r = ratio(m.rawBytes, m.reading.bytes);
    const billed = athenaBilledBytes(m.rawBytes) / athenaBilledBytes(m.reading.bytes);
    const target = TARGETS[m.category];
    const verdict = !held.includes(m.category) ? 'not held here' : r >= target ? 'met' : 'MISSED';
    if (verdict === 'MISSED') met = false;
    console.log(
      `| ${m.query.id} | ${m.category} | ${m.columns.length} | ${m.reading.filesOpened} | ` +
        `${m.reading.rowGroupsRead} of ${m.reading.rowGroupsTotal} | ${mb(m.reading.bytes)} | ${mb(m.rawBytes)} | ` +
        `${times(r)} | ${times(billed)} | ≥${target}× ${verdict} |`,
    );
  }
  return met;
}

/** The worst ratio of each category on a layout. */
function worstRatios(measured: readonly Measured[]): Map<QueryCategory, number> {
  const worst = worstByCategory(measured);
  return new Map(CATEGORIES.map((k) => [k, ratio(worst.get(k)!.rawBytes, worst.get(k)!.reading.bytes)]));
}

interface Bench {
  readonly c: DuckDBConnection;
  readonly corpus: QueryCorpus;
  readonly now: number;
  readonly hours: number;
}

/** Firehose's files at a buffering interval. */
async function firehoseLayout({ c, corpus }: Bench, seconds: number): Promise<Layout> {
  const flushOf = firehoseFlushes(corpus.files, seconds * 1000, DEFAULTS.bufferingSizeMiB * MiB);
  const dir = join(DIR, `firehose-${seconds}s`);
  await writeFirehoseLayout(c, SCHEMA, flushOf, dir);
  return readLayout(c, `Firehose files, ${seconds} s buffer`, dir);
}

/**
 * Bytes per row of row groups of 4,096 rows sorted by time: encoded (before compression) and compressed.
 *
 * Iceberg's Parquet writer closes a row group when the writer's buffered size passes
 * `write.parquet.row-group-size-bytes`, and for row groups smaller than a page (1 MiB by default) that is the size of
 * the encoded, not yet compressed, pages; it closes a file when the bytes written pass
 * `write.target-file-size-bytes`, compressed:
 * https://github.com/apache/iceberg/blob/main/parquet/src/main/java/org/apache/iceberg/parquet/ParquetWriter.java
 * (checkSize, length). So a row group setting of S bytes gives row groups of about S / encoded rows, and a file
 * target of F bytes files of about F / compressed rows.
 */
async function bytesPerRow({ c }: Bench): Promise<{ encoded: number; compressed: number }> {
  const dir = join(DIR, 'calibration');
  const rows = 2 * DUCKDB_ROWS_STEP;
  await writeCompactedLayout(c, SCHEMA, { order: 'time', rowGroupRows: rows, rowsPerFile: 2 ** 40 }, dir);
  const groups = (await readLayout(c, 'calibration', dir)).files.flatMap((f) => f.rowGroups);
  rmSync(dir, { recursive: true });
  const total = groups.reduce((sum, g) => sum + g.rows, 0);
  return {
    encoded: groups.reduce((sum, g) => sum + g.uncompressedBytes, 0) / total,
    compressed: groups.reduce((sum, g) => sum + [...g.columnBytes.values()].reduce((a, b) => a + b, 0), 0) / total,
  };
}

async function main() {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const started = Date.now();
  // Two days of traffic ending with the daily peak hour: the queries run during an incident at the busiest time, over
  // what the table holds then (three UTC day folders: the evening of the first, a whole day, the day so far).
  const shape = { start: Date.UTC(2026, 10, 22, 18), hours: 48, lines: LINES, peakHourUtc: 17.5, swing: 0.7 };
  const corpus = await buildCorpus(
    {
      shape,
      nodes: 4,
      maxDeliveryDelayMs: 5 * 60_000,
      seed: 42,
      traceSamples: TRACE_SAMPLES,
      traceSamplesFrom: Date.UTC(2026, 10, 23),
    },
    join(DIR, 'records.ndjson'),
  );
  const now = shape.start + shape.hours * 3_600_000;
  console.log(
    `corpus: ${corpus.lines} lines (${corpus.records} records, ${corpus.rejects} rejected) in ${corpus.files.length} ` +
      `files of ${corpus.nodes} nodes, ${new Date(shape.start).toISOString()} to ${new Date(now).toISOString()}, ` +
      `daily peak at ${shape.peakHourUtc} h UTC; day folders ${[...corpus.dayFolderBytes]
        .map(([d, b]) => `${d} ${mb(b)} MB`)
        .join(', ')} gzipped; Firehose JSON ${mb(corpus.firehoseBytes)} MB`,
  );
  if (corpus.rejects > 0) throw new Error(`${corpus.rejects} corpus lines were rejected`);

  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(join(DIR, 'bench.duckdb'));
  const c = await instance.connect();
  await c.run(`CREATE SCHEMA "${DATABASE}"`);
  const loaded = await loadRecords(c, SCHEMA, corpus.recordsPath);
  if (loaded !== corpus.records) throw new Error(`loaded ${loaded} of ${corpus.records} records`);
  const bench: Bench = { c, corpus, now, hours: shape.hours };

  const perRow = await bytesPerRow(bench);
  const rowsFor = (bytes: number) =>
    Math.max(DUCKDB_ROWS_STEP, Math.round(bytes / perRow.encoded / DUCKDB_ROWS_STEP) * DUCKDB_ROWS_STEP);
  /** Whole row groups per file, at least one. */
  const fileRowsFor = (fileBytes: number, groupRows: number) =>
    Math.max(1, Math.round(fileBytes / perRow.compressed / groupRows)) * groupRows;
  let variant = 0;
  const compacted = async (
    name: string,
    shape: Pick<CompactionShape, 'order' | 'extraColumns'> & { rowGroupBytes: number; targetFileBytes: number },
  ) => {
    const dir = join(DIR, `compacted-${variant++}`);
    const rowGroupRows = rowsFor(shape.rowGroupBytes);
    const rowsPerFile = fileRowsFor(shape.targetFileBytes, rowGroupRows);
    await writeCompactedLayout(c, SCHEMA, { ...shape, rowGroupRows, rowsPerFile }, dir);
    return readLayout(c, name, dir);
  };
  const sorted = (rowGroupBytes: number, targetFileBytes: number) =>
    compacted(`sort on time, ${size(rowGroupBytes)} row groups, ${size(targetFileBytes)} files`, {
      order: 'time',
      rowGroupBytes,
      targetFileBytes,
    });
  console.log(
    `sorted rows of 4,096-row groups: ${perRow.encoded.toFixed(1)} bytes encoded, ${perRow.compressed.toFixed(1)} ` +
      `compressed; ${size(ROW_GROUP_SIZE_BYTES)} row groups are written as ${rowsFor(ROW_GROUP_SIZE_BYTES)} rows, ` +
      `${size(TARGET_FILE_SIZE_BYTES)} files as ${fileRowsFor(TARGET_FILE_SIZE_BYTES, rowsFor(ROW_GROUP_SIZE_BYTES))}`,
  );

  // The deployed layouts, query by query.
  const firehose = await firehoseLayout(bench, DEFAULTS.bufferingIntervalSeconds);
  const table = await sorted(ROW_GROUP_SIZE_BYTES, TARGET_FILE_SIZE_BYTES);
  const firehoseMeasured = await measureLayout(c, firehose, corpus, now, true);
  const tableMeasured = await measureLayout(c, table, corpus, now, true);
  let met = printQueries(
    `Before compaction: Firehose's files at the default ${DEFAULTS.bufferingIntervalSeconds} s buffering interval`,
    firehoseMeasured,
    FIREHOSE_TARGETS,
  );
  met =
    printQueries(
      `After compaction: ${COMPACTION_STRATEGY} on time, ${size(ROW_GROUP_SIZE_BYTES)} row groups, ` +
        `${size(TARGET_FILE_SIZE_BYTES)} files (lib/table-layout.ts)`,
      tableMeasured,
      CATEGORIES,
    ) && met;

  // What the choice rests on: each setting moved, the worst query of each kind.
  const rows: { layout: Layout; worst: Map<QueryCategory, number> }[] = [];
  const measureRow = async (layout: Layout) => {
    const row = { layout, worst: worstRatios(await measureLayout(c, layout, corpus, now, false)) };
    rows.push(row);
    rmSync(layout.dir, { recursive: true, force: true }); // the disk holds the deployed layouts and one more
    return row.worst;
  };
  rows.push({ layout: { ...firehose, name: `${firehose.name} (deployed)` }, worst: worstRatios(firehoseMeasured) });
  const firehoseWorst = new Map([[DEFAULTS.bufferingIntervalSeconds, rows[0]!.worst]]);
  for (const seconds of BUFFERING_INTERVALS) {
    if (!firehoseWorst.has(seconds)) firehoseWorst.set(seconds, await measureRow(await firehoseLayout(bench, seconds)));
  }
  rows.push({ layout: { ...table, name: `${table.name} (deployed)` }, worst: worstRatios(tableMeasured) });
  for (const rowGroup of [320 * KiB, 640 * KiB, 1.25 * MiB, 2.5 * MiB]) {
    for (const file of [2 * MiB, 4 * MiB, 8 * MiB, 32 * MiB]) {
      if (rowGroup === ROW_GROUP_SIZE_BYTES && file === TARGET_FILE_SIZE_BYTES) continue;
      await measureRow(await sorted(rowGroup, file));
    }
  }
  await measureRow(await sorted(8 * MiB, 128 * MiB));
  await measureRow(
    await compacted('binpack (arrival order), Iceberg defaults: 128 MiB row groups, 512 MiB files', {
      order: 'arrival',
      rowGroupBytes: 128 * MiB,
      targetFileBytes: 512 * MiB,
    }),
  );
  console.log(
    '\n#### Every layout measured: the worst query of each kind (times fewer bytes than the raw day folders)\n',
  );
  console.log(
    '| layout | files per 24 h | rows per row group | row group MB (compressed) | footers MB | last hour | day range | trace lookup |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const { layout, worst } of rows) {
    const f = layoutFacts(layout, bench.hours);
    const mark = (k: QueryCategory) => `${times(worst.get(k)!)}${worst.get(k)! < TARGETS[k] ? ' ✗' : ''}`;
    console.log(
      `| ${layout.name} | ${f.filesPerDay.toFixed(1)} | ${f.medianRowGroupRows} | ${mb(f.medianRowGroupBytes)} | ` +
        `${mb(f.footerBytes)} | ${mark('last hour')} | ${mark('day range')} | ${mark('trace lookup')} |`,
    );
  }
  const fastest = [...firehoseWorst.keys()]
    .sort((a, b) => a - b)
    .find((s) => FIREHOSE_TARGETS.every((k) => firehoseWorst.get(s)!.get(k)! >= TARGETS[k]));
  console.log(
    `\nThe shortest buffering interval whose files meet the last-hour and day-range targets: ${fastest ?? 'none'} s ` +
      `(default ${DEFAULTS.bufferingIntervalSeconds} s).`,
  );

  // The trace lookup three ways on the deployed layout: the saved query; its day-long "time" window alone (a lookup
  // by strpos over trace_id, as the query was before); and a trace_root column compared by equality.
  const traceColumns = tableMeasured.find((m) => m.query.id === 'byTraceId')!.columns;
  const withRoot = await compacted('the deployed layout with a trace_root column', {
    order: 'time',
    rowGroupBytes: ROW_GROUP_SIZE_BYTES,
    targetFileBytes: TARGET_FILE_SIZE_BYTES,
    extraColumns: [TRACE_ROOT_SQL],
  });
  const ways = { saved: [] as number[], timeOnly: [] as number[], traceRoot: [] as number[] };
  for (const root of corpus.sampleTraceRoots) {
    const plan = queryWindows('byTraceId', now, root)!;
    const raw = rawBytes(corpus, plan.windows);
    ways.saved.push(ratio(raw, bytesRead(table, traceColumns, plan.windows).bytes));
    ways.timeOnly.push(ratio(raw, bytesRead(table, traceColumns, [plan.windows[0]!]).bytes));
    const rootWindows: Window[] = [plan.windows[0]!, { column: 'trace_root', equals: root }];
    const rootColumns = [...traceColumns.filter((col) => col !== 'request_creation_time'), 'trace_root'];
    const reading = bytesRead(withRoot, rootColumns, rootWindows);
    await checkPruning(c, withRoot, reading, rootWindows);
    ways.traceRoot.push(ratio(raw, reading.bytes));
  }
  const worstOf = (xs: number[]) => times(Math.min(...xs));
  const medianOf = (xs: number[]) => times(median(xs));
  const parquetGrowth = layoutFacts(withRoot, bench.hours).totalBytes / layoutFacts(table, bench.hours).totalBytes - 1;
  console.log(
    `\n#### The trace lookup on the deployed layout, ${corpus.sampleTraceRoots.length} Root ids drawn from the corpus\n`,
  );
  console.log('| lookup | worst | median | Firehose bytes | Parquet bytes |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(
    `| saved query: request_creation_time window from the Root id | ${worstOf(ways.saved)} | ${medianOf(ways.saved)} | +0 | +0 |`,
  );
  console.log(
    `| its "time" window alone (strpos over trace_id) | ${worstOf(ways.timeOnly)} | ${medianOf(ways.timeOnly)} | +0 | +0 |`,
  );
  console.log(
    `| a trace_root column, \`trace_root = ?\` | ${worstOf(ways.traceRoot)} | ${medianOf(ways.traceRoot)} | ` +
      `+${((100 * corpus.traceRootFieldBytes) / corpus.firehoseBytes).toFixed(1)} % | +${(100 * parquetGrowth).toFixed(1)} % |`,
  );

  c.closeSync();
  instance.closeSync();
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (!met) {
    console.error('a target of the deployed layout was missed (see MISSED above)');
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

/**
 * The query benchmark (bench/queries/): its traffic curve, its model of Firehose's files, its model of the bytes a
 * query reads, and, end to end on a small corpus, that the layouts it writes hold every record, that compaction's
 * sort order holds in the row groups, and that the model never skips a row group holding rows a query needs. The
 * README's table-layout figures are only meaningful if these hold.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { lineGenerator } from '../bench/corpus';
import { buildCorpus, type QueryCorpus } from '../bench/queries/corpus';
import { firehoseFlushes } from '../bench/queries/firehose-files';
import { loadRecords, readLayout, writeCompactedLayout, writeFirehoseLayout } from '../bench/queries/layouts';
import { checkPruning, incidentQueries, measureLayout, SCHEMA } from '../bench/queries/measure';
import { queryWindows, rawDays, traceStart } from '../bench/queries/query-windows';
import {
  athenaBilledBytes,
  bytesRead,
  type Layout,
  type ParquetFile,
  type RowGroup,
} from '../bench/queries/read-model';
import { linesPerMinute, trafficClock } from '../bench/queries/traffic';
import { seededRandom } from './support/aws-env';

const HOUR = 3_600_000;
const MIDNIGHT = Date.UTC(2026, 10, 23);

describe('the benchmark traffic', () => {
  const shape = { start: MIDNIGHT, hours: 48, lines: 100_000, peakHourUtc: 17.5, swing: 0.7 };

  it('spreads exactly the lines asked for over the minutes, busiest at the peak hour', () => {
    const counts = linesPerMinute(shape);
    assert.equal(counts.length, 48 * 60);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      100_000,
    );
    const busiest = counts.indexOf(Math.max(...counts));
    assert.ok(Math.abs((busiest % 1440) / 60 - 17.5) < 0.1, `busiest minute at ${busiest / 60} h`);
    const quietest = Math.min(...counts.slice(0, 1440));
    const ratio = Math.max(...counts) / quietest;
    assert.ok(ratio > 5 && ratio < 6.5, `peak/trough ${ratio}`); // (1 + 0.7) / (1 - 0.7) = 5.7
  });

  it('gives increasing instants inside the shape', () => {
    const clock = trafficClock({ ...shape, hours: 2, lines: 5_000 }, seededRandom(1));
    let previous = 0;
    for (let i = 0; i < 5_000; i++) {
      const t = clock();
      assert.ok(t >= previous && t >= MIDNIGHT && t < MIDNIGHT + 2 * HOUR);
      previous = t;
    }
  });

  it('makes lines whose Root id carries the second the request was created, before its response', () => {
    const next = lineGenerator({ seed: 3, clock: trafficClock({ ...shape, hours: 1, lines: 500 }, seededRandom(2)) });
    for (let i = 0; i < 500; i++) {
      const line = next();
      const fields = line.match(/"[^"]*"|\S+/g)!;
      const time = Date.parse(fields[1]!);
      const created = Date.parse(fields[21]!);
      const root = /Root=(1-[0-9a-f]{8}-[0-9a-f]{24})/.exec(line)![1]!;
      assert.ok(created <= time && time - created < 4_000, line);
      assert.equal(traceStart(root), Math.floor(created / 1000) * 1000);
    }
  });
});

describe("Firehose's files", () => {
  it('opens a new file when the oldest buffered record is the interval old, or the size would be passed', () => {
    const at = (s: number, bytes = 10) => ({ at: s * 1000, jsonBytes: bytes });
    assert.deepEqual(firehoseFlushes([at(0), at(59), at(60), at(61), at(200)], 60_000, 1000), [0, 0, 1, 1, 2]);
    assert.deepEqual(firehoseFlushes([at(0, 600), at(1, 600), at(2, 300)], 60_000, 1000), [0, 1, 1]);
  });

  it('takes deliveries in arrival order, not in list order', () => {
    assert.deepEqual(
      firehoseFlushes(
        [
          { at: 90_000, jsonBytes: 1 },
          { at: 0, jsonBytes: 1 },
        ],
        60_000,
        1000,
      ),
      [1, 0],
    );
  });
});

/** A row group of `rows` rows whose "time" spans [from, to] hours after midnight, each column `bytes` bytes. */
function group(index: number, from: number, to: number, bytes = 100): RowGroup {
  return {
    index,
    rows: 10,
    firstRow: index * 10,
    columnBytes: new Map([
      ['time', bytes],
      ['elb', bytes],
    ]),
    uncompressedBytes: 4 * bytes,
    bounds: new Map([['time', [MIDNIGHT + from * HOUR, MIDNIGHT + to * HOUR] as const]]),
    textBounds: new Map([['trace_root', [`1-${from}`, `1-${to}`] as const]]),
  };
}
const file = (path: string, footerBytes: number, rowGroups: RowGroup[]): ParquetFile => ({
  path,
  sizeBytes: 0,
  footerBytes,
  rowGroups,
});

describe('the bytes a query reads', () => {
  const layout: Layout = {
    name: 'test',
    dir: '',
    files: [file('a', 1000, [group(0, 0, 1), group(1, 1, 2)]), file('b', 2000, [group(0, 22, 23), group(1, 23, 24)])],
  };
  const since = (hours: number) => ({ column: 'time', from: MIDNIGHT + hours * HOUR, to: Number.POSITIVE_INFINITY });

  it('opens only files whose bounds meet the window, and reads only the row groups that do', () => {
    const r = bytesRead(layout, ['time'], [since(23.5)]);
    assert.equal(r.filesOpened, 1);
    assert.equal(r.rowGroupsRead, 1);
    assert.equal(r.rowGroupsTotal, 4);
    assert.equal(r.bytes, 2000 + 100);
    assert.deepEqual(r.kept, [{ path: 'b', firstRow: 10, rows: 10 }]);
  });

  it('counts each column used in each row group read, and every footer of an opened file once', () => {
    const r = bytesRead(layout, ['time', 'elb'], [since(0)]);
    assert.equal(r.bytes, 1000 + 2000 + 4 * 2 * 100);
  });

  it('needs every window to hold, and prunes text columns by equality', () => {
    assert.equal(bytesRead(layout, ['time'], [since(0), { column: 'trace_root', equals: '1-22x' }]).rowGroupsRead, 1);
    assert.equal(bytesRead(layout, ['time'], [since(0), { column: 'time', from: 0, to: MIDNIGHT }]).bytes, 0);
  });

  it('refuses a column the files do not have', () => {
    assert.throws(() => bytesRead(layout, ['nope'], [since(0)]), /has no column nope/);
  });

  it('bills as Athena does: rounded up to the megabyte, 10 MB at least', () => {
    const MB = 1024 * 1024;
    assert.equal(athenaBilledBytes(1), 10 * MB);
    assert.equal(athenaBilledBytes(10 * MB + 1), 11 * MB);
  });
});

describe('the windows of the saved queries', () => {
  const now = MIDNIGHT + 42 * HOUR;
  const root = `1-${Math.floor((MIDNIGHT + 30 * HOUR) / 1000).toString(16)}-${'a'.repeat(24)}`;

  it('has a window for every saved incident query of the ALB access table', () => {
    for (const q of incidentQueries()) assert.ok(queryWindows(q.id, now, root), `no windows for ${q.id}`);
    assert.equal(queryWindows('a query nobody wrote', now, root), undefined);
  });

  it("bounds the trace lookup's request window by the Root id's second", () => {
    const w = queryWindows('byTraceId', now, root)!.windows[1]!;
    assert.deepEqual(w, {
      column: 'request_creation_time',
      from: MIDNIGHT + 30 * HOUR - 60_000,
      to: MIDNIGHT + 30 * HOUR + 5 * 60_000,
    });
    assert.throws(() => traceStart('Root=1-abc'), /not an X-Ray Root id/);
  });

  it('compares a query with the day folders its window covers', () => {
    const lastHour = queryWindows('topClients', now, root)!.windows;
    assert.deepEqual(rawDays(lastHour, '2026-11-23', '2026-11-24'), ['2026-11-24']);
    const week = queryWindows('formatDrift', now, root)!.windows;
    assert.deepEqual(rawDays(week, '2026-11-23', '2026-11-24'), ['2026-11-23', '2026-11-24']);
    assert.deepEqual(rawDays(queryWindows('byTraceId', now, root)!.windows, '2026-11-23', '2026-11-24'), [
      '2026-11-24',
    ]);
  });
});

describe('the layouts, end to end on a small corpus', () => {
  let dir: string;
  let corpus: QueryCorpus;
  let instance: DuckDBInstance;
  let c: DuckDBConnection;
  const shape = { start: MIDNIGHT, hours: 30, lines: 20_000, peakHourUtc: 17.5, swing: 0.7 };
  const now = MIDNIGHT + 30 * HOUR;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-queries-'));
    corpus = await buildCorpus(
      {
        shape,
        nodes: 3,
        maxDeliveryDelayMs: 300_000,
        seed: 7,
        traceSamples: 5,
        traceSamplesFrom: MIDNIGHT + 24 * HOUR,
      },
      join(dir, 'records.ndjson'),
    );
    const { DuckDBInstance } = await import('@duckdb/node-api');
    instance = await DuckDBInstance.create(':memory:');
    c = await instance.connect();
    await c.run('CREATE SCHEMA alb_logs');
    await loadRecords(c, SCHEMA, corpus.recordsPath);
  });
  after(() => {
    c?.closeSync();
    instance?.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses every line, in files of each node every 5 minutes, under the day folders of their keys', () => {
    assert.equal(corpus.lines, 20_000);
    assert.equal(corpus.records, 20_000);
    assert.equal(corpus.files.length, 30 * 12 * 3);
    assert.deepEqual([...corpus.dayFolderBytes.keys()], ['2026-11-23', '2026-11-24']);
    assert.ok(corpus.files.every((f) => f.key.includes(`/${f.day.replaceAll('-', '/')}/`)));
    assert.equal(corpus.sampleTraceRoots.length, 5);
    assert.ok(corpus.sampleTraceRoots.every((root) => traceStart(root) >= MIDNIGHT + 24 * HOUR - 4_000));
  });

  async function rows(layout: Layout): Promise<number> {
    const files = layout.files.map((f) => `'${f.path}'`).join(', ');
    const r = await c.runAndReadAll(`SELECT count(*) FROM read_parquet([${files}], hive_partitioning = false)`);
    return Number(r.getRowsJson()[0]![0]);
  }

  it("writes Firehose's files: every record once, one file per flush and day of the records' time", async () => {
    // A 10-minute buffer: flushes around midnight hold records of both days.
    const flushOf = firehoseFlushes(corpus.files, 600_000, 64 * 1024 * 1024);
    await writeFirehoseLayout(c, SCHEMA, flushOf, join(dir, 'firehose'));
    const layout = await readLayout(c, 'firehose', join(dir, 'firehose'));
    assert.equal(await rows(layout), 20_000);
    // A file's lines are of the 5 minutes before the end time in its name.
    const lineDay = (key: string) => {
      const [, d, h, m] = /_(\d{8})T(\d{2})(\d{2})Z_/.exec(key)!;
      const end = Date.parse(`${d!.slice(0, 4)}-${d!.slice(4, 6)}-${d!.slice(6)}T${h}:${m}:00Z`);
      return new Date(end - 300_000).toISOString().slice(0, 10);
    };
    const expected = new Set(corpus.files.map((f, i) => `${flushOf[i]} ${lineDay(f.key)}`));
    assert.ok(expected.size > new Set(flushOf).size, 'some flush holds records of two days');
    assert.equal(layout.files.length, expected.size);
    assert.ok(layout.files.every((f) => f.footerBytes > 1000 && f.footerBytes < f.sizeBytes));
  });

  it("writes compaction's files in time order: each file a run of the day's rows, row groups that do not overlap", async () => {
    await writeCompactedLayout(
      c,
      SCHEMA,
      { order: 'time', rowGroupRows: 2048, rowsPerFile: 3 * 2048 },
      join(dir, 'sorted'),
    );
    const layout = await readLayout(c, 'sorted', join(dir, 'sorted'));
    assert.equal(await rows(layout), 20_000);
    assert.ok(layout.files.length > 2, `${layout.files.length} files`);
    // In path order (day, then file number), every row group starts where the one before it ended.
    const files = [...layout.files].sort((a, b) => a.path.localeCompare(b.path));
    const groups = files.flatMap((f) => f.rowGroups.map((g) => g.bounds.get('time')!));
    for (let i = 1; i < groups.length; i++) assert.ok(groups[i]![0] >= groups[i - 1]![1], `row group ${i} overlaps`);
    for (const f of files) {
      // DuckDB closes a row group at a vector (2,048 rows) boundary at or past the size asked for.
      const rows = f.rowGroups.map((g) => g.rows);
      assert.ok(rows.length <= 3 && rows.every((n) => n < 2 * 2048), `${f.path}: ${rows}`);
    }
    assert.ok(files.filter((f) => f.rowGroups.reduce((n, g) => n + g.rows, 0) === 3 * 2048).length >= files.length - 2);
  });

  it('measures every saved query on both layouts, and the model never skips a row a window needs', async () => {
    for (const name of ['firehose', 'sorted']) {
      const layout = await readLayout(c, name, join(dir, name));
      const measured = await measureLayout(c, layout, corpus, now, true);
      assert.deepEqual(
        measured.map((m) => m.query.id),
        incidentQueries().map((q) => q.id),
      );
      for (const m of measured) {
        assert.ok(m.reading.bytes > 0 && m.rawBytes > 0, `${name} ${m.query.id}`);
        assert.ok(m.columns.includes('time'), `${m.query.id} reads "time"`);
      }
      const lastHour = measured.find((m) => m.query.id === 'topClients')!;
      assert.ok(lastHour.reading.rowGroupsRead < lastHour.reading.rowGroupsTotal / 5, `${name}: last hour prunes`);
    }
  });

  it('catches a model that skips a row group holding matching rows', async () => {
    const layout = await readLayout(c, 'sorted', join(dir, 'sorted'));
    const windows = [{ column: 'time', from: now - 12 * HOUR, to: Number.POSITIVE_INFINITY }];
    const reading = bytesRead(layout, ['time'], windows);
    assert.ok(reading.kept.length > 1);
    const wrong = { ...reading, kept: reading.kept.slice(1) };
    await assert.rejects(checkPruning(c, layout, wrong, windows), /the row groups read hold/);
    await checkPruning(c, layout, reading, windows);
  });
});

/**
 * The saved queries' two dialects: each construct QueryTable renders for DuckDB, evaluated by DuckDB on values whose
 * answer is worked out by hand; and the two renderings of every saved query differ by exactly those constructs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ALB_ACCESS } from '../../lambda/schema/alb-access';
import { LOG_SCHEMAS } from '../../lambda/schema/log-types';
import { athenaQueries, QueryTable } from '../../lib/queries';

const TABLES = LOG_SCHEMAS.map((schema) => ({ schema, tableName: schema.defaultTableName }));

/**
 * The Athena text of a DuckDB rendering, undoing each dialect construct by its own pattern: if a query spelled a
 * construct inline instead of through QueryTable, its two renderings would differ and the comparison would show it.
 */
function backToAthena(duckdb: string): string {
  return duckdb
    .replaceAll("getvariable('now')", 'localtimestamp')
    .replaceAll('quantile_disc(', 'approx_percentile(')
    .replaceAll(') // 5)', ') / 5)')
    .replace(/make_timestamp\(CAST\('0x' \|\| (.+?) AS BIGINT\) \* 1000000\)/g, 'from_unixtime(from_base($1, 16))');
}

describe('saved queries in the DuckDB dialect', () => {
  const athena = athenaQueries('alb_logs', TABLES);
  const duckdb = athenaQueries('alb_logs', TABLES, 'duckdb');

  it('are the Athena queries, differing only in the constructs QueryTable renders per dialect', () => {
    assert.equal(duckdb.length, athena.length);
    assert.ok(athena.length >= 30, 'every table and the join');
    athena.forEach((a, i) => {
      const d = duckdb[i]!;
      assert.deepEqual({ ...d, sql: '' }, { ...a, sql: '' }, `${a.id}: same id, name, description, kind, types`);
      assert.equal(backToAthena(d.sql), a.sql, `${a.id}: same text but for the dialect's constructs`);
    });
  });

  it('contain no Trino-only construct, and the Athena queries no DuckDB-only one', () => {
    for (const d of duckdb) {
      assert.doesNotMatch(d.sql, /localtimestamp|approx_percentile|from_base|from_unixtime|minute\([^)]*\) \/ /, d.id);
    }
    for (const a of athena) assert.doesNotMatch(a.sql, /getvariable|quantile_disc|make_timestamp| \/\/ /, a.id);
  });
});

describe('QueryTable constructs, evaluated by DuckDB', () => {
  const t = new QueryTable('alb_logs', 'access_logs', ALB_ACCESS, 'duckdb');
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  const value = async (sql: string) => (await connection.runAndReadAll(sql)).getRowsJson()[0]?.[0];

  before(async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    await connection.run("SET VARIABLE now = TIMESTAMP '2026-11-23 18:00:00'");
  });
  after(() => {
    connection.closeSync();
    instance.closeSync();
  });

  it('fiveMinuteBucket puts a time in the 5-minute bucket that starts at or before it (integer division)', async () => {
    for (const [time, bucket] of [
      ['18:07:30', '18:05:00'],
      ['18:04:59.999999', '18:00:00'],
      ['18:59:00', '18:55:00'],
      ['18:05:00', '18:05:00'],
    ] as const) {
      const sql = `SELECT ${t.fiveMinuteBucket()} FROM (SELECT TIMESTAMP '2026-11-23 ${time}' AS "time")`;
      assert.equal(await value(sql), `2026-11-23 ${bucket}`, time);
    }
  });

  it('since keeps exactly the rows at or after now minus the window, now being the session variable', async () => {
    const sql =
      `SELECT list("time" ORDER BY "time") FROM (VALUES (TIMESTAMP '2026-11-23 16:59:59.999999'), ` +
      `(TIMESTAMP '2026-11-23 17:00:00'), (TIMESTAMP '2026-11-23 17:59:00')) v("time") WHERE ${t.since(1, 'HOUR')}`;
    assert.deepEqual(await value(sql), ['2026-11-23 17:00:00', '2026-11-23 17:59:00']);
    const day = `SELECT count(*) FROM (VALUES (TIMESTAMP '2026-11-22 18:00:00'), (TIMESTAMP '2026-11-22 17:59:59')) v("time") WHERE ${t.since(1, 'DAY')}`;
    assert.equal(await value(day), '1');
  });

  it('percentile returns one of the values: the p-th of 0.1, 0.2, 0.3 is 0.2 at 0.5 and 0.3 at 0.99', async () => {
    const of = (p: number) => `SELECT ${t.percentile('x', p)} FROM (VALUES (0.3::DOUBLE), (0.1), (0.2)) v(x)`;
    assert.equal(await value(of(0.5)), 0.2);
    assert.equal(await value(of(0.99)), 0.3);
  });

  it("fromHexSeconds reads a Root id's hex seconds as a UTC timestamp (0x67891233 = 1737036339 s)", async () => {
    const sql = `SELECT ${t.fromHexSeconds("substr('1-67891233-abcdef012345678912345678', 3, 8)")}`;
    assert.equal(await value(sql), '2025-01-16 14:05:39');
  });
});

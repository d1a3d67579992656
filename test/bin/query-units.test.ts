/**
 * The small parts of `alb-iceberg query`: reading --now, and printing results (CSV checked against csv-parse).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as csvParse } from 'csv-parse/sync';
import fc from 'fast-check';
import type { QueryResult } from '../../bin/query/engine';
import { formatResult } from '../../bin/query/format';
import { utcTimestamp } from '../../bin/query/now';

describe('--now', () => {
  it('takes a UTC instant with or without seconds, fraction, T and Z', () => {
    assert.equal(utcTimestamp('2026-11-23T18:05:00Z'), '2026-11-23 18:05:00');
    assert.equal(utcTimestamp('2026-11-23T18:05Z'), '2026-11-23 18:05:00');
    assert.equal(utcTimestamp('2026-11-23 18:05:07.123456'), '2026-11-23 18:05:07.123456');
    assert.equal(utcTimestamp('2024-02-29T00:00:00Z'), '2024-02-29 00:00:00');
  });

  it('refuses offsets, impossible dates and times, and other text', () => {
    for (const text of [
      '2026-11-23T18:05:00+02:00',
      '2026-02-30T18:00:00Z',
      '2026-11-23T24:00:00Z',
      '2026-11-23T18:60:00Z',
      '2026-11-23',
      '2026-11-23T18:05:00.1234567Z',
      'yesterday',
      "2026-11-23T18:05:00Z' OR 1=1",
    ]) {
      assert.equal(utcTimestamp(text), null, text);
    }
  });
});

const result = (columns: [string, string][], rows: unknown[][]): QueryResult => ({
  columns: columns.map(([name, type]) => ({ name, type })),
  rows,
});

describe('result formats', () => {
  it('json: one object per row; 64-bit integers that fit a number become numbers, the rest stay text', () => {
    const r = result(
      [
        ['n', 'BIGINT'],
        ['big', 'HUGEINT'],
        ['ids', 'BIGINT[]'],
        ['s', 'VARCHAR'],
      ],
      [['3', '170141183460469231731687303715884105727', ['1', '2'], '42']],
    );
    assert.equal(
      formatResult(r, 'json'),
      '{"n":3,"big":"170141183460469231731687303715884105727","ids":[1,2],"s":"42"}\n',
    );
  });

  it('prints nothing for a statement without columns (CREATE VIEW)', () => {
    for (const format of ['table', 'json', 'csv'] as const) assert.equal(formatResult(result([], []), format), '');
  });

  it('csv: csv-parse reads back every value (NULL as empty, lists as JSON)', () => {
    const value = fc.oneof(fc.string(), fc.constant(null), fc.integer(), fc.array(fc.integer(), { maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 5 }), (rows) => {
        const text = formatResult(
          result(
            [
              ['a', 'VARCHAR'],
              ['b', 'VARCHAR'],
            ],
            rows,
          ),
          'csv',
        );
        const expected = rows.map((r) =>
          r.map((v) => (v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v))),
        );
        assert.deepEqual(csvParse(text, { relax_column_count: false, record_delimiter: '\r\n' }), [
          ['a', 'b'],
          ...expected,
        ]);
      }),
    );
  });

  it('table: columns padded to the widest cell, numbers right-aligned, NULL spelt out', () => {
    const r = result(
      [
        ['name', 'VARCHAR'],
        ['count', 'BIGINT'],
      ],
      [
        ['a', '10'],
        [null, '7'],
      ],
    );
    assert.equal(formatResult(r, 'table'), 'name  count\n----  -----\na        10\nNULL      7\n');
  });
});

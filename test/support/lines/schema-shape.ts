/**
 * The checks every log type's schema must pass whatever its fields (rules: lambda/schema/types.ts): pinned, unique
 * ids; unique lower_snake_case names (Firehose matches JSON keys to column names exactly); the shared identity
 * columns; a timestamp partition column; and an encoder that writes only declared columns, with JSON types that match
 * their Iceberg types. Registers one `it` per check inside the caller's `describe`.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { IcebergType, LogSchema } from '../../../lambda/schema/types';
import { row } from './parse';

export interface ShapeExpectations {
  /** AWS's field names, in line order, as the schema names them (its `field`). */
  readonly awsFields: readonly string[];
  /** The column names of AWS's Athena table, in order, where AWS documents one: the table's first columns. */
  readonly athenaColumns?: readonly string[];
  /** A line in which every field has a value (no `-`), so that its record fills every field column. */
  readonly everyColumnLine: string;
}

/** The JSON type Firehose must receive for each Iceberg type. */
const JSON_TYPE: Readonly<Record<IcebergType, string>> = {
  string: 'string',
  timestamp: 'string',
  int: 'number',
  long: 'number',
  double: 'number',
};

export function itHasTheSchemaShape(schema: LogSchema, expected: ShapeExpectations): void {
  const { columns } = schema;

  it('has unique field ids, gap-free in column order, and unique lower_snake_case column names', () => {
    assert.deepEqual(
      columns.map((c) => c.id),
      columns.map((_, i) => i + 1),
    );
    assert.equal(new Set(columns.map((c) => c.name)).size, columns.length, 'column names repeat');
    for (const c of columns) assert.match(c.name, /^[a-z][a-z0-9_]*$/);
  });

  it('ends with the derived columns every table shares: extra fields and the exact origin of the row', () => {
    const derived = columns.slice(-5).map((c) => [c.name, c.type]);
    assert.deepEqual(derived, [
      ['extra_fields', 'string'],
      ['account_id', 'string'],
      ['region', 'string'],
      ['source_file', 'string'],
      ['line_number', 'int'],
    ]);
    assert.deepEqual(
      Object.values(schema.shared).map((c) => c.name),
      derived.map(([name]) => name),
    );
    for (const name of ['account_id', 'region', 'source_file', 'line_number']) {
      assert.ok(schema.lineIdentity.includes(name), `${name} identifies the line`);
    }
  });

  it("names the fields as AWS's format documentation does, in line order", () => {
    assert.deepEqual(
      schema.fields.map((f) => f.field),
      expected.awsFields,
    );
    assert.ok(schema.minFields >= 1 && schema.minFields <= schema.fields.length);
  });

  if (expected.athenaColumns) {
    const athena = expected.athenaColumns;
    it("starts with AWS's Athena table columns, in order", () => {
      assert.deepEqual(
        columns.slice(0, athena.length).map((c) => c.name),
        athena,
      );
    });
  }

  it('partitions on the timestamp column time', () => {
    assert.equal(schema.partitionColumn, 'time');
    assert.equal(columns.find((c) => c.name === 'time')?.type, 'timestamp');
  });

  it('writes every column, and only columns, with JSON types matching the Iceberg types', () => {
    const r = row(schema, `${expected.everyColumnLine} appended-field`);
    assert.deepEqual(Object.keys(r).sort(), columns.map((c) => c.name).sort());
    for (const c of columns) assert.equal(typeof r[c.name], JSON_TYPE[c.type], c.name);
  });
}

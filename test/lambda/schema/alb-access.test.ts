import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineParser } from '../../../lambda/parser/line-parser';
import { COLUMNS, LOG_FIELDS, PARTITION_COLUMN } from '../../../lambda/schema/alb-access';
import { albLine } from '../../support/alb-line';

describe('schema', () => {
  it('pins unique, gap-free field ids in column order', () => {
    assert.deepEqual(
      COLUMNS.map((c) => c.id),
      COLUMNS.map((_, i) => i + 1),
    );
    assert.equal(new Set(COLUMNS.map((c) => c.name)).size, COLUMNS.length);
  });

  it('uses lower_snake_case names (Firehose matches JSON keys to column names exactly)', () => {
    for (const c of COLUMNS) assert.match(c.name, /^[a-z][a-z0-9_]*$/);
  });

  it('starts with AWS Athena table column names in order', () => {
    const athena = ['type', 'time', 'elb', 'client_ip', 'client_port', 'target_ip', 'target_port'];
    assert.deepEqual(
      COLUMNS.slice(0, athena.length).map((c) => c.name),
      athena,
    );
  });

  it('agrees with the encoder: every key the encoder writes is a column of the declared JSON type', () => {
    // Act: a line with every field present, unknown trailing fields, and full key metadata
    const set = {
      redirectUrl: '"https://r"',
      errorReason: '"E"',
      classification: '"Acceptable"',
      classificationReason: '"R"',
      transformedHost: '"h"',
      transformedUri: '"/u"',
      requestTransformStatus: '"OK"',
    };
    const row = JSON.parse(
      new LineParser({ accountId: '123456789012', region: 'us-east-1', sourceFile: 'f' }).parse(
        albLine({ set, extra: ['x'] }),
        1,
      ) as string,
    );
    // Assess: the record fills every column, with JSON types that match the Iceberg types
    assert.deepEqual(Object.keys(row).sort(), COLUMNS.map((c) => c.name).sort());
    for (const c of COLUMNS) {
      const expected = c.type === 'string' || c.type === 'timestamp' ? 'string' : 'number';
      assert.equal(typeof row[c.name], expected, c.name);
    }
  });

  it('partitions on a timestamp column', () => {
    assert.equal(COLUMNS.find((c) => c.name === PARTITION_COLUMN)?.type, 'timestamp');
    assert.equal(LOG_FIELDS[1]!.columns[0]!.name, PARTITION_COLUMN);
  });
});

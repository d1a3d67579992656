import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dayFolders, dayOf, parseDay } from '../../../lambda/inventory/dates';
import { compareKeys } from '../../../lambda/inventory/s3-objects';

describe('dates', () => {
  it('accepts real calendar days only', () => {
    assert.equal(parseDay('2028-02-29'), Date.UTC(2028, 1, 29));
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-1', '26-01-01', '2026-01-01T00:00:00Z', '']) {
      assert.equal(parseDay(bad), undefined, bad);
    }
  });

  it('lists day folders in ALB layout', () => {
    assert.deepEqual(dayFolders(Date.UTC(2024, 1, 28), Date.UTC(2024, 2, 1)), [
      '2024/02/28',
      '2024/02/29',
      '2024/03/01',
    ]);
    assert.deepEqual(dayFolders(Date.UTC(2024, 1, 2), Date.UTC(2024, 1, 1)), []);
    assert.equal(dayOf(Date.UTC(2026, 10, 23, 23, 59)), '2026-11-23');
  });
});

describe('s3 helpers', () => {
  it('orders keys by UTF-8 bytes, as S3 lists them', () => {
    // In UTF-16 code units U+1F600 (0xD83D 0xDE00) sorts before U+FF5E; in UTF-8 bytes (F0… vs EF…) after it.
    assert.ok('\u{1F600}' < '\uFF5E');
    assert.ok(compareKeys('\uFF5E', '\u{1F600}') < 0);
    assert.equal(compareKeys('a/b', 'a/b'), 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInstant } from '../../../bin/ops/instant';

describe('--since', () => {
  it('parses --since as a day or an instant with a zone', () => {
    assert.equal(parseInstant('2026-11-23'), Date.UTC(2026, 10, 23));
    assert.equal(parseInstant('2026-11-23T18:30:00Z'), Date.UTC(2026, 10, 23, 18, 30));
    assert.equal(parseInstant('2026-11-23T18:30+01:00'), Date.UTC(2026, 10, 23, 17, 30));
    for (const bad of ['2026-11-23T18:30:00', 'yesterday', '1700000000', '2026-11-31']) {
      assert.equal(parseInstant(bad), undefined, bad);
    }
  });
});

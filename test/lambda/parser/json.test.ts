import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isIsoUtcTimestamp, jsonDecimal, jsonInteger, jsonString } from '../../../lambda/parser/json';

describe('JSON fragments', () => {
  it('jsonString equals JSON.stringify for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => assert.equal(jsonString(s), JSON.stringify(s))));
  });

  it('jsonInteger accepts in-range integers and normalises leading zeros', () => {
    assert.equal(jsonInteger('200', false), '200');
    assert.equal(jsonInteger('-1', false), '-1');
    assert.equal(jsonInteger('0080', false), '80');
    assert.equal(jsonInteger('2147483647', false), '2147483647');
    assert.equal(jsonInteger('2147483648', false), undefined);
    assert.equal(jsonInteger('9223372036854775807', true), '9223372036854775807');
    assert.equal(jsonInteger('9223372036854775808', true), undefined);
    for (const bad of ['', '1.5', '1e3', '+1', ' 1', 'abc', '0x10'])
      assert.equal(jsonInteger(bad, true), undefined, bad);
  });

  it('jsonDecimal keeps the value and trims redundant zeros', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1, max: 10_000_000 }), fc.integer({ min: 0, max: 999 }), (whole, frac) => {
        const text = `${whole}.${String(frac).padStart(3, '0')}`;
        const out = jsonDecimal(text);
        assert.ok(out !== undefined);
        assert.equal(Number(out), Number(text));
        assert.doesNotMatch(out, /\.\d*0$|\.$/);
      }),
    );
    assert.equal(jsonDecimal('-1'), '-1');
    assert.equal(jsonDecimal('-0.000'), '0');
    for (const bad of ['', '.5', '1.', 'NaN', '1e-3', '-', '1.2.3']) assert.equal(jsonDecimal(bad), undefined, bad);
  });

  it('isIsoUtcTimestamp accepts ALB timestamps only', () => {
    assert.ok(isIsoUtcTimestamp('2026-11-23T18:05:01.123456Z'));
    assert.ok(isIsoUtcTimestamp('2026-11-23T18:05:01Z'));
    for (const bad of ['2026-11-23 18:05:01Z', '2026-11-23T18:05:01.123456', '2026-11-23T24:00:00Z', '-1', '']) {
      assert.equal(isIsoUtcTimestamp(bad), false, bad);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesText, formatBytes } from '../../../bin/ops/sizes';

describe('sizes', () => {
  it('formats sizes', () => {
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1500), '1.5 kB');
    assert.equal(formatBytes(123_456_789), '123 MB');
    assert.equal(bytesText(12), '12 bytes');
    assert.equal(bytesText(2_000_000), '2.0 MB, 2000000 bytes');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressLine } from '../../../bin/ops/progress';

describe('ProgressLine', () => {
  it('draws at most once per interval on a terminal, and erases itself', () => {
    let out = '';
    let clock = 0;
    const p = new ProgressLine((t) => (out += t), { tty: true, intervalMs: 1000, now: () => clock });
    let built = 0;
    const text = () => `n=${++built}`;
    p.update(text);
    clock = 500;
    p.update(text);
    clock = 1000;
    p.update(text);
    assert.equal(out, '\r\x1b[Kn=1\r\x1b[Kn=2');
    assert.equal(built, 2, 'the text is only built when drawn');
    p.clear();
    p.clear();
    assert.equal(out, '\r\x1b[Kn=1\r\x1b[Kn=2\r\x1b[K', 'erased once');
  });

  it('draws nothing when stderr is not a terminal', () => {
    let out = '';
    const p = new ProgressLine((t) => (out += t), { tty: false });
    p.update(() => 'x');
    p.clear();
    assert.equal(out, '');
  });
});

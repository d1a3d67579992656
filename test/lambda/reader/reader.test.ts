import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decompressed } from '../../../lambda/reader/decompress';
import { lineBlocks, MAX_LINE_BYTES, OverlongLine as OverlongBytes } from '../../../lambda/reader/line-blocks';
import { lines, MAX_LINE_CHARS, OverlongLine } from '../../../lambda/reader/lines';
import { chunked, collect, gz } from '../../support/streams';

const counters = () => ({ compressedBytes: 0, rawBytes: 0 });
const readAll = (data: Uint8Array, chunk = 7) => collect(lines(decompressed(chunked(data, chunk), counters())));

describe('decompressed + lines', () => {
  it('reads gzip by magic bytes and plain text alike', async () => {
    const text = 'one\ntwo\nthree\n';
    assert.deepEqual(await readAll(gz(text)), ['one', 'two', 'three']);
    assert.deepEqual(await readAll(Buffer.from(text)), ['one', 'two', 'three']);
  });

  it('decodes every member of a multi-member gzip object', async () => {
    const data = Buffer.concat([gz('a\nb\n'), gz('c\n'), gz('d')]);
    assert.deepEqual(await readAll(data), ['a', 'b', 'c', 'd']);
  });

  it('handles CRLF, a last line without newline, and blank lines', async () => {
    assert.deepEqual(await readAll(Buffer.from('a\r\nb\r\n\r\nc')), ['a', 'b', '', 'c']);
  });

  it('reads 0-byte and 1-byte objects', async () => {
    assert.deepEqual(await readAll(Buffer.alloc(0)), []);
    assert.deepEqual(await readAll(Buffer.from('x')), ['x']);
    assert.deepEqual(await readAll(gz('')), []);
  });

  it('keeps lines with invalid UTF-8, replacing only the bad bytes', async () => {
    const data = Buffer.concat([Buffer.from('ok '), Buffer.from([0xff, 0xfe]), Buffer.from(' still\nnext\n')]);
    assert.deepEqual(await readAll(data), ['ok \uFFFD\uFFFD still', 'next']);
  });

  it('gives the same lines whatever the chunk boundaries (multibyte characters included)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '😀', ' ', '"'), maxLength: 20 }), { maxLength: 10 }),
        fc.integer({ min: 1, max: 16 }),
        fc.boolean(),
        async (content, chunk, zipped) => {
          const text = content.join('\n');
          const data = zipped ? gz(text) : Buffer.from(text);
          const expected = text === '' ? [] : text.split('\n');
          if (text.endsWith('\n')) expected.pop();
          assert.deepEqual(await readAll(data, chunk), expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts compressed and raw bytes', async () => {
    const text = 'hello\nworld\n'.repeat(100);
    const data = gz(text);
    const c = counters();
    await collect(lines(decompressed(chunked(data, 64), c)));
    assert.deepEqual(c, { compressedBytes: data.length, rawBytes: text.length });
  });

  it('fails loudly on a truncated gzip object, after yielding the lines before the damage', async () => {
    const data = gz(Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`).join('\n'));
    const cut = data.subarray(0, Math.floor(data.length * 0.6));
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const batch of lines(decompressed(chunked(cut, 1024), counters()))) {
        for (const l of batch) seen.push(l as string);
      }
    }, /unexpected end of file/);
    assert.ok(seen.length > 1000, `lines before the damage are delivered (${seen.length})`);
    assert.ok(seen.every((l, i) => l.startsWith(`line ${i} `)));
  });

  it('turns a line longer than the limit into an OverlongLine and keeps reading', async () => {
    const long = 'y'.repeat(MAX_LINE_CHARS + 10);
    const out = await readAll(Buffer.from(`a\n${long}\nb\n`), 64 * 1024);
    assert.equal(out.length, 3);
    assert.equal(out[0], 'a');
    assert.ok(out[1] instanceof OverlongLine);
    assert.equal((out[1] as OverlongLine).length, long.length);
    assert.equal(out[2], 'b');
  });
});

/** The lines of a lineBlocks stream as text (overlong ones as `OverlongLine`), to compare with `lines`. */
async function readBlocks(data: Uint8Array, chunk = 7): Promise<(string | OverlongBytes)[]> {
  const out: (string | OverlongBytes)[] = [];
  for await (const block of lineBlocks(decompressed(chunked(data, chunk), counters()))) {
    if (block instanceof OverlongBytes) out.push(block);
    else for (const [i, s] of block.starts.entries()) out.push(block.bytes.toString('utf8', s, block.ends[i]));
  }
  return out;
}

describe('lineBlocks (the byte-level splitter the parser uses)', () => {
  it('finds the same lines as the text splitter whatever the chunk boundaries (CRLF split across chunks too)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '😀', ' ', '"', '\r', '\r\n', '\n'), maxLength: 20 })),
        fc.integer({ min: 1, max: 16 }),
        fc.boolean(),
        async (content, chunk, zipped) => {
          const text = content.join('\n');
          const data = zipped ? gz(text) : Buffer.from(text);
          assert.deepEqual(await readBlocks(data, chunk), await readAll(data, chunk));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads 0-byte objects, CRLF and a last line without newline', async () => {
    assert.deepEqual(await readBlocks(Buffer.alloc(0)), []);
    assert.deepEqual(await readBlocks(Buffer.from('a\r\nb\r\n\r\nc'), 3), ['a', 'b', '', 'c']);
  });

  for (const [where, chunk] of [
    ['inside one chunk', 4 * 1024 * 1024],
    ['across chunks', 64 * 1024],
  ] as const) {
    it(`turns a line longer than the limit into an OverlongLine (${where}) and keeps reading`, async () => {
      const long = 'y'.repeat(MAX_LINE_BYTES + 10);
      const out = await readBlocks(Buffer.from(`a\n${long}\nb\n${long}`), chunk);
      assert.deepEqual(
        out.map((l) => (l instanceof OverlongBytes ? [l.length, l.head.length] : l)),
        ['a', [long.length, 4096], 'b', [long.length, 4096]],
      );
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DamagedObjectError, decompressed, UnreadableObjectError } from '../../../lambda/reader/decompress';
import { CutLine, lineBlocks, MAX_LINE_BYTES, OverlongLine } from '../../../lambda/reader/line-blocks';
import { chunked, gz } from '../../support/streams';

const counters = () => ({ compressedBytes: 0, rawBytes: 0 });
const readAll = (data: Uint8Array, chunk = 7) => readBlocks(data, chunk);

/** The oracle for line splitting: the whole text decoded at once, split at `\n`, a trailing `\r` dropped. */
function splitWhole(text: string): string[] {
  if (text === '') return [];
  const out = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (text.endsWith('\n')) out.pop();
  return out;
}

describe('decompressed + lineBlocks', () => {
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
    for await (const _ of lineBlocks(decompressed(chunked(data, 64), c))) void _;
    assert.deepEqual(c, { compressedBytes: data.length, rawBytes: text.length });
  });

  it('fails loudly on a truncated gzip object, after yielding the lines before the damage', async () => {
    const data = gz(Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`).join('\n'));
    const cut = data.subarray(0, Math.floor(data.length * 0.6));
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const block of lineBlocks(decompressed(chunked(cut, 1024), counters()))) {
        if ('starts' in block)
          for (const [i, st] of block.starts.entries()) seen.push(block.bytes.toString('utf8', st, block.ends[i]));
      }
    }, /unexpected end of file/);
    assert.ok(seen.length > 1000, `lines before the damage are delivered (${seen.length})`);
    assert.ok(seen.every((l, i) => l.startsWith(`line ${i} `)));
  });

  it('turns a line longer than the limit into an OverlongLine and keeps reading', async () => {
    const long = 'y'.repeat(MAX_LINE_BYTES + 10);
    const out = await readAll(Buffer.from(`a\n${long}\nb\n`), 64 * 1024);
    assert.equal(out.length, 3);
    assert.equal(out[0], 'a');
    assert.ok(out[1] instanceof OverlongLine);
    assert.equal((out[1] as OverlongLine).length, long.length);
    assert.equal(out[2], 'b');
  });
});

/** The lines of a lineBlocks stream as text (overlong ones as `OverlongLine`). */
async function readBlocks(data: Uint8Array, chunk = 7): Promise<(string | OverlongLine)[]> {
  const out: (string | OverlongLine)[] = [];
  for await (const block of lineBlocks(decompressed(chunked(data, chunk), counters()))) {
    if (block instanceof OverlongLine) out.push(block);
    else if (block instanceof CutLine) throw block.damage;
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
          assert.deepEqual(await readBlocks(data, chunk), splitWhole(text));
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
        out.map((l) => (l instanceof OverlongLine ? [l.length, l.head.length] : l)),
        ['a', [long.length, 4096], 'b', [long.length, 4096]],
      );
    });
  }
});

describe('damaged gzip: every decoded byte first, then a typed error', () => {
  const text = (n: number) => `${Array.from({ length: n }, (_, i) => `line ${i + 1} ${'x'.repeat(600)}`).join('\n')}\n`;
  /** The lines yielded before the error, and the error. */
  async function readDamaged(data: Uint8Array, chunk = 64 * 1024) {
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const block of lineBlocks(decompressed(chunked(data, chunk), counters()))) {
        if (block instanceof CutLine) seen.push(`cut:${block.text}`);
        else if (!(block instanceof OverlongLine))
          for (const [i, s] of block.starts.entries()) seen.push(block.bytes.toString('utf8', s, block.ends[i]));
      }
    } catch (e) {
      error = e;
    }
    return { seen, error: error as DamagedObjectError | undefined };
  }

  it('delivers all 100 lines of a member followed by trailing garbage, then reports the garbage', async () => {
    const { seen, error } = await readDamaged(Buffer.concat([gz(text(100)), Buffer.from('garbage\x00\x01')]));
    assert.equal(seen.length, 100);
    assert.ok(error instanceof DamagedObjectError);
    assert.equal(error.kind, 'trailing-garbage');
    assert.equal(error.cutsLastLine, false);
    assert.equal(error.preview, 'garbage\\x00\\x01');
  });

  it('delivers all 20,000 lines before trailing garbage, whatever the chunk size', async () => {
    for (const chunk of [1000, 64 * 1024]) {
      const { seen, error } = await readDamaged(Buffer.concat([gz(text(20_000)), Buffer.from('junk')]), chunk);
      assert.equal(seen.length, 20_000);
      assert.equal(seen[19_999], `line 20000 ${'x'.repeat(600)}`);
      assert.equal(error?.kind, 'trailing-garbage');
    }
  });

  it('delivers the whole first member when the second is corrupt', async () => {
    const corrupt = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff]);
    const { seen, error } = await readDamaged(Buffer.concat([gz(text(100)), corrupt]));
    assert.equal(seen.length, 100);
    assert.equal(error?.kind, 'corrupt-member');
  });

  it('delivers every line of a truncated member and hands back the line the cut left unfinished', async () => {
    const whole = gz(text(5000));
    const { seen, error } = await readDamaged(whole.subarray(0, Math.floor(whole.length / 2)), 1024);
    const complete = seen.filter((l) => !l.startsWith('cut:'));
    assert.ok(complete.length > 2000);
    assert.ok(complete.every((l, i) => l === `line ${i + 1} ${'x'.repeat(600)}`));
    assert.ok(seen[seen.length - 1]!.startsWith(`cut:line ${complete.length + 1} `), 'the cut line comes last');
    assert.equal(error?.kind, 'truncated');
    assert.equal(error?.cutsLastLine, true);
  });

  it('reads a member whose trailer is cut as complete lines, then reports the truncation', async () => {
    const whole = gz('a\nb\nc');
    const { seen, error } = await readDamaged(whole.subarray(0, whole.length - 3));
    assert.deepEqual(seen, ['a', 'b', 'c']);
    assert.equal(error?.kind, 'truncated');
  });

  it('reports a CRC mismatch after the lines, and ignores zero padding after the last member', async () => {
    const bad = gz('a\nb\n');
    bad[bad.length - 8]! ^= 0xff;
    const { seen, error } = await readDamaged(bad);
    assert.deepEqual(seen, ['a', 'b']);
    assert.equal(error?.kind, 'corrupt-member');
    const padded = await readDamaged(Buffer.concat([gz('a\n'), gz('b\n'), Buffer.alloc(512)]), 5);
    assert.deepEqual(padded, { seen: ['a', 'b'], error: undefined });
  });
});

describe('compressed, but not gzip', () => {
  const formats: [string, number[]][] = [
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x05]],
    ['bzip2', [...Buffer.from('BZh91AY&SY')]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04]],
    ['zip', [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]],
    ['lz4', [0x04, 0x22, 0x4d, 0x18, 0x64, 0x40]],
    ['snappy', [0xff, 0x06, 0x00, 0x00, ...Buffer.from('sNaPpY')]],
  ];
  for (const [format, magic] of formats) {
    it(`refuses ${format} content, yielding nothing`, async () => {
      const data = Buffer.concat([Buffer.from(magic), Buffer.from('some compressed bytes\n')]);
      const seen: Uint8Array[] = [];
      await assert.rejects(
        async () => {
          for await (const chunk of decompressed(chunked(data, 2), counters())) seen.push(chunk);
        },
        (e) => e instanceof UnreadableObjectError && e.format === format && /not gzip: ALB writes gzip/.test(e.message),
      );
      assert.deepEqual(seen, []);
    });
  }

  it('still reads text that merely starts like one (BZh without a block size, a 2-byte object)', async () => {
    assert.deepEqual(await readAll(Buffer.from('BZhx\nok\n'), 1), ['BZhx', 'ok']);
    assert.deepEqual(await readAll(Buffer.from([0x28, 0xb5])), ['(\uFFFD']);
  });
});

describe('lineBlocks yields for every chunk', () => {
  it('yields an empty block for a chunk that completes no line (inside a long or over-long line)', async () => {
    const data = Buffer.from(`a\n${'y'.repeat(MAX_LINE_BYTES + 10)}\nb\n`);
    let blocks = 0;
    for await (const _ of lineBlocks(chunked(data, 64 * 1024))) blocks++;
    assert.ok(blocks >= Math.ceil(data.length / (64 * 1024)), `${blocks} blocks`);
  });
});

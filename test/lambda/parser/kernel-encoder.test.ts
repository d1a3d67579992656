import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { lineGenerator } from '../../../bench/corpus';
import { type EncodedLines, LineSpans, MAX_RECORD_BYTES } from '../../../lambda/parser/encoded-lines';
import { KernelEncoder } from '../../../lambda/parser/kernel-encoder';
import { LineParser } from '../../../lambda/parser/line-parser';
import { albLine, DEFAULT_FIELDS } from '../../support/alb-line';

const FILE = { accountId: '123456789012', region: 'us-east-2', sourceFile: '20261123T1805Z_10.0.1.23_2x7k9p1q' };
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** What the reference parser makes of `bytes[s, e)`: record text or rejection reason. */
function reference(parser: LineParser, bytes: Buffer, s: number, e: number, n: number): string {
  const out = parser.parse(bytes.toString('utf8', s, e), n);
  return typeof out === 'string' ? out : `REJECTED ${out.reason}`;
}

function encoded(encoder: KernelEncoder, bytes: Buffer, s: number, e: number, n: number): string {
  const out = encoder.encode(bytes, s, e, n);
  return out instanceof Uint8Array ? decode(out) : `REJECTED ${out.reason}`;
}

/** Lines packed into one buffer, as the splitter hands them over (so word copies read past each line's end). */
function packed(lines: readonly (string | Uint8Array)[]): { bytes: Buffer; starts: number[]; ends: number[] } {
  const parts: Buffer[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const line of lines) {
    const b = typeof line === 'string' ? Buffer.from(line) : Buffer.from(line);
    starts.push(at);
    ends.push(at + b.length);
    parts.push(b, Buffer.from('\n'));
    at += b.length + 1;
  }
  return { bytes: Buffer.concat(parts), starts, ends };
}

/** Spans for every line of a packed buffer, numbered from 1. */
function spansOf(starts: readonly number[], ends: readonly number[]): LineSpans {
  const spans = new LineSpans();
  for (let i = 0; i < starts.length; i++) spans.add(starts[i]!, ends[i]!, i + 1);
  return spans;
}

/** Encodes lines in one batch (as the pipeline does) and returns each line's answer, in line order. */
function batchAnswers(encoder: KernelEncoder, bytes: Buffer, spans: LineSpans): Map<number, string> {
  const into: EncodedLines = { records: [], rejects: [] };
  encoder.encodeLines(bytes, spans, 'file', into);
  const answers = new Map<number, string>();
  for (const r of into.records) answers.set(r.lineNumber, decode(r.data));
  for (const r of into.rejects) answers.set(r.line, `REJECTED ${r.reason}`);
  assert.deepEqual(
    [...into.records.map((r) => r.lineNumber)],
    [...into.records.map((r) => r.lineNumber)].sort((a, b) => a - b),
    'records in line order',
  );
  assert.equal(answers.size, spans.count, 'one answer per line');
  return answers;
}

/** Encodes every line one at a time and all in one batch, and requires the reference's answer, byte for byte. */
function assertSameAsReference(lines: readonly (string | Uint8Array)[]): KernelEncoder {
  const { bytes, starts, ends } = packed(lines);
  const encoder = new KernelEncoder(FILE);
  const parser = new LineParser(FILE);
  const batch = batchAnswers(new KernelEncoder(FILE), bytes, spansOf(starts, ends));
  for (let i = 0; i < starts.length; i++) {
    const want = reference(parser, bytes, starts[i]!, ends[i]!, i + 1);
    assert.equal(encoded(encoder, bytes, starts[i]!, ends[i]!, i + 1), want, `line ${i + 1}`);
    assert.equal(batch.get(i + 1), want, `line ${i + 1} in a batch`);
  }
  return encoder;
}

/**
 * Property: the default line with up to `maxReplaced` positions (0–40, so past the last known field too) replaced by
 * generated field text is encoded exactly as the reference encodes it.
 */
function assertSameWithFieldsReplaced(field: fc.Arbitrary<string>, maxReplaced: number): void {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), field), { maxLength: maxReplaced }), (replaced) => {
      const fields = [...DEFAULT_FIELDS];
      for (const [at, value] of replaced) fields[at] = value;
      assertSameAsReference([fields.filter((f) => f !== undefined).join(' ')]);
    }),
    { numRuns: 2000 },
  );
}

describe('KernelEncoder: same bytes as the reference LineParser', () => {
  it('on 20,000 lines of the benchmark corpus, all through the fast path', () => {
    // Prepare: the generator mixes generations, IPv6, TLS 1.3, \x22 escapes, -1 sentinels, extra fields
    const next = lineGenerator({ seed: 7 });
    const lines = Array.from({ length: 20_000 }, next);
    // Act
    const encoder = assertSameAsReference(lines);
    // Assess: the common shapes never need the reference parser
    assert.equal(encoder.referenceLines, 0);
  });

  it('on lines assembled from hostile field values', () => {
    const unquoted = fc.oneof(
      fc.constantFrom('-', '', '-1', '0', '007', '1.50', '-0', '65536', '2018-07-02T22:23:00.186641Z', '(NONE)'),
      fc.stringMatching(/^[a-z0-9:.\\[\]/_-]{1,12}$/),
      fc.string({ unit: fc.constantFrom('a', '1', ':', '\\', '"', 'é', '\t', '\u007f', '-'), maxLength: 8 }),
    );
    const quoted = fc
      .string({ unit: fc.constantFrom('a', ' ', '\\', '\\"', '\\x22', '-', 'é', '\u0001', '😀'), maxLength: 10 })
      .map((v) => `"${v}"`);
    assertSameWithFieldsReplaced(fc.oneof(unquoted, quoted), 6);
  });

  it('on valid lines with random bytes inserted, deleted or replaced (invalid UTF-8 included)', () => {
    const base = Buffer.from(albLine({ extra: ['"x"'] }));
    const edit = fc.tuple(fc.nat({ max: base.length }), fc.nat({ max: 3 }), fc.uint8Array({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let line = base;
        for (const [at, remove, insert] of edits) {
          const cut = Math.min(at, line.length);
          line = Buffer.concat([line.subarray(0, cut), insert, line.subarray(Math.min(line.length, cut + remove))]);
        }
        assertSameAsReference([line.filter((b) => b !== 10)]);
      }),
      { numRuns: 2000 },
    );
  });

  it('on lines of random printable ASCII tokens: quotes, backslashes, dashes, digits, brackets, spaces', () => {
    // Prepare: the bytes the kernel's tokenizer and value shapes branch on, in every arrangement
    const token = fc.string({
      unit: fc.constantFrom('"', '\\', ' ', '-', '0', '7', '.', ':', '[', ']', 'a', 'Z', 'T'),
      maxLength: 6,
    });
    assertSameWithFieldsReplaced(token, 5);
  });

  it('on request fields whose last token may or may not be a protocol', () => {
    // Prepare: the kernel decides natively whether the last token is the protocol; every shape must match
    const requests = [
      'GET http://example.com:80/hello world',
      'GET http://host:80/a b HTTP/1.1',
      'GET http://host:80/ HTTP/2',
      'GET http://host:80/ HTTP/3.0',
      'GET http://host:80/ HTTP/1.',
      'GET http://host:80/ HTTP/x.1',
      'GET http://host:80/ HTTP/1.1x',
      'GET http://host:80/ HTTP/11',
      'GET http://host:80/ http/1.1',
      'GET http://host:80/ HTTPS/1.1',
      'GET http://host:80/ -',
      'GET http://host:80/ HTTP/1.0 ',
      'GET x y z',
      'GET HTTP/1.1',
    ];
    const encoder = assertSameAsReference(requests.map((r) => albLine({ set: { request: `"${r}"` } })));
    assert.equal(encoder.referenceLines, 0, 'the kernel answers these itself');
    // Act + Assess: random arrangements of protocol-like pieces
    const piece = fc.constantFrom(
      'GET',
      'HTTP/1.1',
      'HTTP/2',
      'HTTP/1.',
      'HTTP/',
      'HTTP/a',
      'H',
      '-',
      '1',
      '.',
      '/',
      'x',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.constant(' ')), { maxLength: 8 }), (parts) => {
        assertSameAsReference([albLine({ set: { request: `"${parts.join('')}"` } })]);
      }),
      { numRuns: 2000 },
    );
  });

  it('on format drift: unknown trailing fields with quotes and backslashes', () => {
    const encoder = assertSameAsReference([
      albLine({ extra: ['10.0.1.23'] }),
      albLine({ extra: ['"new \\"quoted\\" value"', '-'] }),
      albLine({ extra: ['"a\\x22b"', '"c d"'] }),
    ]);
    assert.equal(encoder.referenceLines, 0);
  });
});

describe('KernelEncoder: output buffers', () => {
  it('never rewrites a record it returned, across output buffer changes', () => {
    // Prepare: enough lines to fill several 256 KiB output buffers
    const next = lineGenerator({ seed: 3 });
    const lines = Array.from({ length: 2_000 }, next);
    const { bytes, starts, ends } = packed(lines);
    const encoder = new KernelEncoder(FILE);
    // Act: keep every view, then read them all at the end
    const views = starts.map((s, i) => encoder.encode(bytes, s, ends[i]!, i + 1) as Uint8Array);
    // Assess
    const parser = new LineParser(FILE);
    views.forEach((view, i) => {
      assert.equal(decode(view), parser.parse(lines[i]!, i + 1), `line ${i + 1}`);
    });
  });

  it('hands a line with non-ASCII text to the reference and counts it', () => {
    const encoder = new KernelEncoder(FILE);
    const line = Buffer.from(albLine({ set: { userAgent: '"Mozilla/5.0 (Überphone) 😀"' } }));
    const out = encoder.encode(line, 0, line.length, 1);
    assert.ok(out instanceof Uint8Array);
    assert.equal(JSON.parse(decode(out)).user_agent, 'Mozilla/5.0 (Überphone) 😀');
    assert.equal(encoder.referenceLines, 1);
  });
});

describe('KernelEncoder: batches', () => {
  it('splits a long run of lines into several kernel calls and keeps every record, in order', () => {
    // Prepare: about 1.6 MB of lines, six times the kernel's input per call
    const next = lineGenerator({ seed: 11 });
    const lines = Array.from({ length: 3_000 }, next);
    const { bytes, starts, ends } = packed(lines);
    // Act
    const into: EncodedLines = { records: [], rejects: [] };
    const encoder = new KernelEncoder(FILE);
    encoder.encodeLines(bytes, spansOf(starts, ends), 'file', into);
    // Assess: records are never rewritten by later calls
    const parser = new LineParser(FILE);
    assert.equal(into.rejects.length, 0);
    assert.deepEqual(
      into.records.map((r) => r.lineNumber),
      lines.map((_, i) => i + 1),
    );
    into.records.forEach((r, i) => {
      assert.equal(decode(r.data), parser.parse(lines[i]!, i + 1), `line ${i + 1}`);
    });
    assert.equal(encoder.referenceLines, 0);
  });

  it('keeps kernel records, reference records and rejections in line order within one batch', () => {
    const lines = [
      albLine(),
      albLine({ set: { userAgent: '"Überphone"' } }), // non-ASCII: the reference parser encodes it
      'too few fields',
      albLine({ extra: ['"new field"'] }),
      albLine({ set: { elbStatus: '2OO' } }), // not an integer: the reference parser rejects it
      albLine(),
    ];
    const { bytes, starts, ends } = packed(lines);
    const encoder = new KernelEncoder(FILE);
    const into: EncodedLines = { records: [], rejects: [] };
    // Act
    const extraFieldLines = encoder.encodeLines(bytes, spansOf(starts, ends), 'the-key', into);
    // Assess
    assert.deepEqual(
      into.records.map((r) => r.lineNumber),
      [1, 2, 4, 6],
    );
    assert.deepEqual(
      into.rejects.map((r) => [r.file, r.line, r.raw]),
      [
        ['the-key', 3, 'too few fields'],
        ['the-key', 5, lines[4]],
      ],
    );
    assert.match(into.rejects[1]!.reason, /field 9 \(elb_status_code\) "2OO" is not an integer/);
    assert.equal(extraFieldLines, 1);
    assert.equal(encoder.referenceLines, 3);
  });

  it("takes a line longer than one call's input (the kernel grows), then ordinary lines again", () => {
    const long = albLine({ set: { request: `"GET https://example.com/${'a'.repeat(400_000)} HTTP/1.1"` } });
    assertSameAsReference([albLine(), long, albLine(), long]);
  });

  it("rejects a line whose record would pass Firehose's record limit, by either encoder", () => {
    // Prepare: backslashes double when escaped, so a line under the 1 MiB line limit becomes a 1.2 MB record
    const escapes = '\\'.repeat(600_000);
    const kernelLine = albLine({ set: { userAgent: `"${escapes}"` } });
    const referenceLine = albLine({ set: { userAgent: `"é${escapes}"` } });
    const { bytes, starts, ends } = packed([kernelLine, referenceLine, albLine()]);
    const encoder = new KernelEncoder(FILE);
    const into: EncodedLines = { records: [], rejects: [] };
    // Act
    encoder.encodeLines(bytes, spansOf(starts, ends), 'f', into);
    // Assess
    assert.deepEqual(
      into.rejects.map((r) => r.line),
      [1, 2],
    );
    for (const r of into.rejects) {
      assert.match(
        r.reason,
        new RegExp(`^record would be \\d+ bytes, over the Firehose record limit of ${MAX_RECORD_BYTES}`),
      );
    }
    assert.deepEqual(
      into.records.map((r) => r.lineNumber),
      [3],
    );
  });

  it("refuses a line number past the line_number column's 32-bit range", () => {
    const spans = new LineSpans();
    spans.add(0, 1, 2 ** 31 - 1);
    assert.throws(() => spans.add(0, 1, 2 ** 31), /line 2147483648: past the line_number column's range/);
  });
});

describe('KernelEncoder: order of calls', () => {
  it('gives the same records when the lines of one buffer are encoded out of order', () => {
    const lines = [
      albLine({ set: { userAgent: '"a\\x22b"' } }),
      albLine(),
      albLine({ set: { request: '"GET /\\x22 HTTP/1.1"' } }),
    ];
    const { bytes, starts, ends } = packed(lines);
    const encoder = new KernelEncoder(FILE);
    const parser = new LineParser(FILE);
    for (const i of [2, 1, 0, 2, 0]) {
      assert.equal(
        encoded(encoder, bytes, starts[i]!, ends[i]!, i + 1),
        reference(parser, bytes, starts[i]!, ends[i]!, i + 1),
      );
    }
  });
});

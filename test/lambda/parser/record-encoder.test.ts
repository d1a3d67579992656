import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { lineGenerator } from '../../../bench/corpus';
import { LineParser } from '../../../lambda/parser/line-parser';
import { RecordEncoder } from '../../../lambda/parser/record-encoder';
import { albLine, DEFAULT_FIELDS } from '../../support/alb-line';

const FILE = { accountId: '123456789012', region: 'us-east-2', sourceFile: '20261123T1805Z_10.0.1.23_2x7k9p1q' };
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** What the reference parser makes of `bytes[s, e)`: record text or rejection reason. */
function reference(parser: LineParser, bytes: Buffer, s: number, e: number, n: number): string {
  const out = parser.parse(bytes.toString('utf8', s, e), n);
  return typeof out === 'string' ? out : `REJECTED ${out.reason}`;
}

function encoded(encoder: RecordEncoder, bytes: Buffer, s: number, e: number, n: number): string {
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

/** Encodes every line both ways and requires the same answer, byte for byte. */
function assertSameAsReference(lines: readonly (string | Uint8Array)[]): RecordEncoder {
  const { bytes, starts, ends } = packed(lines);
  const encoder = new RecordEncoder(FILE);
  const parser = new LineParser(FILE);
  for (let i = 0; i < starts.length; i++) {
    const want = reference(parser, bytes, starts[i]!, ends[i]!, i + 1);
    assert.equal(encoded(encoder, bytes, starts[i]!, ends[i]!, i + 1), want, `line ${i + 1}`);
  }
  return encoder;
}

describe('RecordEncoder: same bytes as the reference LineParser', () => {
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
    const field = fc.oneof(unquoted, quoted);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), field), { maxLength: 6 }), (overrides) => {
        const fields = [...DEFAULT_FIELDS];
        for (const [at, value] of overrides) fields[at] = value;
        assertSameAsReference([fields.filter((f) => f !== undefined).join(' ')]);
      }),
      { numRuns: 2000 },
    );
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

  it('on format drift: unknown trailing fields with quotes and backslashes', () => {
    const encoder = assertSameAsReference([
      albLine({ extra: ['10.0.1.23'] }),
      albLine({ extra: ['"new \\"quoted\\" value"', '-'] }),
      albLine({ extra: ['"a\\x22b"', '"c d"'] }),
    ]);
    assert.equal(encoder.referenceLines, 0);
  });
});

describe('RecordEncoder: output buffers', () => {
  it('never rewrites a record it returned, across output buffer changes', () => {
    // Prepare: enough lines to fill several 256 KiB output buffers
    const next = lineGenerator({ seed: 3 });
    const lines = Array.from({ length: 2_000 }, next);
    const { bytes, starts, ends } = packed(lines);
    const encoder = new RecordEncoder(FILE);
    // Act: keep every view, then read them all at the end
    const views = starts.map((s, i) => encoder.encode(bytes, s, ends[i]!, i + 1) as Uint8Array);
    // Assess
    const parser = new LineParser(FILE);
    views.forEach((view, i) => {
      assert.equal(decode(view), parser.parse(lines[i]!, i + 1), `line ${i + 1}`);
    });
  });

  it('hands a line with non-ASCII text to the reference and counts it', () => {
    const encoder = new RecordEncoder(FILE);
    const line = Buffer.from(albLine({ set: { userAgent: '"Mozilla/5.0 (Überphone) 😀"' } }));
    const out = encoder.encode(line, 0, line.length, 1);
    assert.ok(out instanceof Uint8Array);
    assert.equal(JSON.parse(decode(out)).user_agent, 'Mozilla/5.0 (Überphone) 😀');
    assert.equal(encoder.referenceLines, 1);
  });
});

describe('RecordEncoder: order of calls', () => {
  it('gives the same records when the lines of one buffer are encoded out of order', () => {
    const lines = [
      albLine({ set: { userAgent: '"a\\x22b"' } }),
      albLine(),
      albLine({ set: { request: '"GET /\\x22 HTTP/1.1"' } }),
    ];
    const { bytes, starts, ends } = packed(lines);
    const encoder = new RecordEncoder(FILE);
    const parser = new LineParser(FILE);
    for (const i of [2, 1, 0, 2, 0]) {
      assert.equal(
        encoded(encoder, bytes, starts[i]!, ends[i]!, i + 1),
        reference(parser, bytes, starts[i]!, ends[i]!, i + 1),
      );
    }
  });
});

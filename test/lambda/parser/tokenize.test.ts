import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as csvParse } from 'csv-parse/sync';
import fc from 'fast-check';
import { FieldOffsets, tokenize } from '../../../lambda/parser/tokenize';

function fields(line: string, max = 64): string[] | string {
  const out = new FieldOffsets(max);
  const error = tokenize(line, out);
  return error ?? Array.from({ length: out.count }, (_, i) => out.value(line, i));
}

describe('tokenize', () => {
  it('splits on single spaces and strips the quotes of quoted fields', () => {
    assert.deepEqual(fields('a "b c" - "-" ""'), ['a', 'b c', '-', '-', '']);
  });

  it('keeps escapes verbatim and does not end a field at \\"', () => {
    assert.deepEqual(fields('"x\\x22y" "say \\"hi\\"" "lone \\ slash" "ends with \\\\"'), [
      'x\\x22y',
      'say \\"hi\\"',
      'lone \\ slash',
      'ends with \\\\',
    ]);
  });

  it('keeps a quote inside an unquoted field as data', () => {
    assert.deepEqual(fields('a "b" c"d e'), ['a', 'b', 'c"d', 'e']);
  });

  it('stops after maxFields and reports where the remainder starts', () => {
    const out = new FieldOffsets(2);
    const line = 'a b "c d" e "f"';
    assert.equal(tokenize(line, out), undefined);
    assert.equal(out.count, 2);
    assert.equal(line.slice(out.restStart), '"c d" e "f"');
  });

  it('reports an unterminated quoted field', () => {
    assert.match(fields('a "b c') as string, /unterminated quoted field 2/);
    assert.match(fields('a "b \\"') as string, /unterminated quoted field 2/);
  });

  it('agrees with csv-parse (after csv-parse-style unescaping) on generated lines', () => {
    // Prepare: lines built from fields whose true values we know
    const unquoted = fc.stringMatching(/^[A-Za-z0-9:/._()=,\\-]{1,12}$/);
    const quotedBody = fc
      .array(fc.oneof(fc.stringMatching(/^[A-Za-z0-9 :/._;=-]{1,8}$/), fc.constantFrom('\\"', '\\x22', '\\\\', ' ')), {
        maxLength: 6,
      })
      .map((parts) => parts.join(''));
    const field = fc.oneof(
      unquoted.map((v) => ({ raw: v, value: v, quoted: false })),
      quotedBody.map((v) => ({ raw: `"${v}"`, value: v, quoted: true })),
    );
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 40 }), (generated) => {
        const line = generated.map((f) => f.raw).join(' ');
        // Act
        const ours = fields(line);
        const oracle = csvParse(line, { delimiter: ' ', quote: '"', escape: '\\', relax_column_count: true })[0];
        // Assess: verbatim values, and the same field boundaries as csv-parse
        assert.deepEqual(
          ours,
          generated.map((f) => f.value),
        );
        assert.deepEqual(
          (ours as string[]).map((v, i) => (generated[i]!.quoted ? v.replace(/\\([\s\S])/g, '$1') : v)),
          oracle,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary input, and never loses characters of fields it accepts', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '-', 'é', '\t'), maxLength: 60 }), (line) => {
        const out = new FieldOffsets(64);
        if (tokenize(line, out) !== undefined) return;
        let joinedLength = 0;
        for (let i = 0; i < out.count; i++) joinedLength += out.value(line, i).length;
        assert.ok(joinedLength <= line.length);
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * Property tests every log type's parser must pass, given a generator of valid fields (values.ts) for the type:
 * generated lines of every length from `minFields` up round-trip every field; fields appended after the known ones
 * land in `extra_fields` and never cause a rejection; and garbage is parsed or rejected with a reason, never thrown,
 * with every line of an object accounted for. Registers one `it` per property inside the caller's `describe`.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { LineParser } from '../../../lambda/parser/line-parser';
import type { IcebergType, LogSchema } from '../../../lambda/schema/types';
import { FILE, FILE_COLUMNS, parseObject } from './parse';
import { anyToken, joinFields, type RenderedField } from './values';

export interface PropertySubject {
  readonly schema: LogSchema;
  /** Valid values for every known field of a line, in order. */
  readonly fields: fc.Arbitrary<RenderedField[]>;
  /** An S3 key of this log type, and whether its objects are plain text (Classic) rather than gzip. */
  readonly key: string;
  readonly plain?: boolean;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** What a value of an Iceberg type must look like in a record, whatever line it came from. */
function assertColumnValue(type: IcebergType, value: unknown, name: string): void {
  if (type === 'string') assert.equal(typeof value, 'string', name);
  else if (type === 'timestamp') assert.match(String(value), ISO_UTC, name);
  else if (type === 'double') assert.ok(Number.isFinite(value), name);
  else assert.ok(Number.isInteger(value), name);
}

export function itRoundTripsLines(subject: PropertySubject): void {
  const { schema, fields } = subject;
  const known = schema.fields.length;
  const types = new Map(schema.columns.map((c) => [c.name, c.type]));

  it(`round-trips every field of generated lines of ${schema.minFields} to ${known} fields`, () => {
    fc.assert(
      fc.property(
        fields,
        fc.integer({ min: schema.minFields, max: known }),
        fc.integer({ min: 1, max: 2_000_000 }),
        (all, count, lineNumber) => {
          const line = joinFields(all.slice(0, count));
          const out = new LineParser(FILE, schema).parse(line.text, lineNumber);
          assert.equal(typeof out, 'string', `rejected ${JSON.stringify(line.text)}: ${JSON.stringify(out)}`);
          assert.deepEqual(JSON.parse(out as string), { line_number: lineNumber, ...line.columns, ...FILE_COLUMNS });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps any appended fields verbatim in extra_fields and never rejects the line for them', () => {
    fc.assert(
      fc.property(fields, fc.array(anyToken, { minLength: 1, maxLength: 5 }), (all, extra) => {
        const line = joinFields(all);
        const parser = new LineParser(FILE, schema);
        const out = parser.parse(`${line.text} ${extra.join(' ')}`, 1);
        assert.equal(typeof out, 'string', `rejected: ${JSON.stringify(out)}`);
        assert.deepEqual(JSON.parse(out as string), {
          line_number: 1,
          ...line.columns,
          extra_fields: extra.join(' '),
          ...FILE_COLUMNS,
        });
        assert.equal(parser.lastHadExtraFields, true);
      }),
      { numRuns: 200 },
    );
  });

  /** A valid line with a few characters inserted or removed here and there. */
  const damaged = fc
    .tuple(
      fields.map((all) => joinFields(all).text),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.nat({ max: 4 }),
          fc.string({ unit: fc.constantFrom(' ', '"', '\\', '-', ':', 'x', '9'), maxLength: 3 }),
        ),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
    )
    .map(([line, edits]) =>
      edits.reduce((l, [at, cut, insert]) => {
        const i = at % (l.length + 1);
        return l.slice(0, i) + insert + l.slice(i + cut);
      }, line),
    );
  const garbage = fc.oneof(
    damaged,
    fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '-', '1', ':', '.', 'T', 'Z', 'é', '\t'), maxLength: 80 }),
  );

  it('parses or rejects garbage with a reason, never throws, and writes only well-typed columns', () => {
    fc.assert(
      fc.property(garbage, (line) => {
        const out = new LineParser(FILE, schema).parse(line, 3);
        if (typeof out !== 'string') {
          assert.ok(out.reason.length > 0, 'a rejection names its reason');
          return;
        }
        const record = JSON.parse(out);
        assert.equal(record.line_number, 3);
        for (const [name, value] of Object.entries(record)) {
          const type = types.get(name);
          assert.ok(type, `${name} is a column`);
          assertColumnValue(type, value, name);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('accounts for every line of an object of garbage: lines = records + rejects + blank, each reject with its line and reason', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            garbage,
            fields.map((all) => joinFields(all).text),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        async (lines) => {
          // No generator writes a line break, so each generated line is one line of the object.
          const { stats, rows, rejects } = await parseObject(subject.key, lines, subject.plain);
          assert.equal(stats.lines, lines.length);
          assert.equal(stats.records + stats.rejects + stats.blankLines, lines.length);
          assert.equal(rows.length, stats.records);
          for (const r of rejects) {
            assert.ok(r.reason.length > 0);
            // The object holds the line's UTF-8 bytes: a surrogate a damaging edit split in two reads back as U+FFFD.
            assert.equal(r.raw, Buffer.from(lines[r.line - 1]!).toString('utf8'));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
}

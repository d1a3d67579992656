import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { newObjectStats, type ParsedChunk, parseLogObject } from '../../../lambda/parser/parse-object';
import { albLine } from '../../support/alb-line';
import { chunked, gz } from '../../support/streams';

const KEY =
  'logs/AWSLogs/123456789012/elasticloadbalancing/us-east-2/2026/11/23/' +
  '123456789012_elasticloadbalancing_us-east-2_app.my-lb.50dc6c495c0c9188_20261123T1805Z_10.0.1.23_2x7k9p1q.log.gz';

async function run(text: string, resumeAfterLine = 0) {
  const stats = newObjectStats();
  const chunks: ParsedChunk[] = [];
  for await (const c of parseLogObject(chunked(gz(text), 100), { key: KEY, stats, resumeAfterLine })) chunks.push(c);
  return {
    stats,
    records: chunks.flatMap((c) => c.records),
    rejects: chunks.flatMap((c) => c.rejects),
  };
}

describe('parseLogObject', () => {
  it('accounts for every line: lines = blank + records + rejects', async () => {
    const text = [albLine(), '', albLine({ set: { elbStatus: 'x' } }), '   ', albLine({ extra: ['1.2.3.4'] })].join(
      '\r\n',
    );
    const { stats, records, rejects } = await run(text);
    assert.equal(stats.lines, 5);
    assert.equal(stats.blankLines, 2);
    assert.equal(stats.records, 2);
    assert.equal(stats.rejects, 1);
    assert.equal(stats.extraFieldLines, 1);
    assert.deepEqual(
      records.map((r) => r.lineNumber),
      [1, 5],
    );
    assert.deepEqual(
      rejects.map((r) => [r.file, r.line]),
      [[KEY, 3]],
    );
    assert.equal(rejects[0]!.raw, albLine({ set: { elbStatus: 'x' } }));
    assert.match(rejects[0]!.reason, /elb_status_code/);
  });

  it('stamps each record with the file identity from the key and its line number', async () => {
    const { records } = await run(`${albLine()}\n${albLine()}\n`);
    const rows = records.map((r) => JSON.parse(new TextDecoder().decode(r.data)));
    assert.deepEqual(
      rows.map((r) => [r.account_id, r.region, r.source_file, r.line_number]),
      [
        ['123456789012', 'us-east-2', '20261123T1805Z_10.0.1.23_2x7k9p1q', 1],
        ['123456789012', 'us-east-2', '20261123T1805Z_10.0.1.23_2x7k9p1q', 2],
      ],
    );
  });

  it('resumes exactly after a given line (continuations)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 45 }), async (n, resume) => {
        const text = Array.from({ length: n }, () => albLine()).join('\n');
        const { stats, records } = await run(text, resume);
        assert.deepEqual(
          records.map((r) => r.lineNumber),
          Array.from({ length: Math.max(0, n - resume) }, (_, i) => resume + i + 1),
        );
        assert.equal(stats.lines, n);
        assert.equal(stats.resumedPast + stats.records, n);
      }),
      { numRuns: 50 },
    );
  });

  it('produces nothing, and no error, for a 0-byte object', async () => {
    const stats = newObjectStats();
    for await (const _ of parseLogObject(chunked(Buffer.alloc(0), 1), { key: KEY, stats })) assert.fail('no chunk');
    assert.equal(stats.lines, 0);
  });
});

/**
 * End to end on the local S3, Firehose and SQS servers: objects at the reader's edges. Damaged gzip delivers every
 * line decoded before the damage and reports where it stopped; compressed content that is not gzip is refused;
 * the invocation's time check holds even while an object yields nothing to send.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encodeContinuation } from '../../../lambda/ingest/messages';
import { albLine } from '../../support/alb-line';
import { range, storedRejects } from '../../support/ingest-assertions';
import { IngestHarness, LAKE_BUCKET, LOG_BUCKET, logKey, QUEUE } from '../../support/ingest-harness';

let h: IngestHarness;
const rejectsIn = () => storedRejects(h.s3, LAKE_BUCKET);
before(async () => {
  h = await IngestHarness.start();
});
after(() => h.close());
beforeEach(() => h.reset());

const lines = (n: number) =>
  `${range(1, n)
    .map(() => albLine())
    .join('\n')}\n`;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

const summaries = () => h.telemetry.logs.filter((l) => l.message === 'object summary').map((l) => l.fields);
/** Every stop cause the handler logged (it reports them as `stoppedBecause`, one string per cause). */
const errors = () =>
  h.telemetry.logs.flatMap((l) =>
    Array.isArray(l.fields.stoppedBecause) ? (l.fields.stoppedBecause as string[]) : [],
  );

describe('ingest: damaged gzip delivers every line decoded before the damage', () => {
  for (const n of [100, 20_000]) {
    it(`delivers all ${n} lines of a member followed by trailing garbage, and stores the damage as a reject`, async () => {
      // Prepare
      const key = logKey(`garbage${n}`);
      h.s3.putObject(LOG_BUCKET, key, Buffer.concat([gzipSync(lines(n)), Buffer.from('not gzip at all')]));
      // Act
      const { responses } = await h.drive([h.s3Event(key)]);
      // Assess: every line once, the object done, the damage visible in the rejects object
      assert.deepEqual(responses[0], { batchItemFailures: [] });
      assert.deepEqual(sorted(h.deliveredLines()), range(1, n));
      const [reject, ...more] = rejectsIn();
      assert.deepEqual(more, []);
      assert.equal(reject!.line, n + 1);
      assert.match(reject!.reason, /gzip damage: bytes after gzip member 1 .* are not a gzip member/);
      assert.equal(reject!.raw, 'not gzip at all');
      assert.equal(h.telemetry.metrics.ObjectsIngested, 1);
    });
  }

  it('delivers the whole first member when the second is corrupt, then fails the object naming the line', async () => {
    const key = logKey('corrupt2');
    const corrupt = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff]);
    h.s3.putObject(LOG_BUCKET, key, Buffer.concat([gzipSync(lines(100)), corrupt]));
    const { responses } = await h.drive([h.s3Event(key)]);
    assert.deepEqual(sorted(h.deliveredLines()), range(1, 100));
    assert.equal(responses[responses.length - 1]!.batchItemFailures.length, 1, 'then dead-lettered');
    assert.ok(
      errors().some((e) => /failed after line 100: DamagedObjectError: gzip member 2 is corrupt/.test(e)),
      errors().join('\n'),
    );
  });

  it('rejects the line a truncation cut short, and reports the truncation after it', async () => {
    const key = logKey('cutline');
    const whole = gzipSync(lines(4000));
    h.s3.putObject(LOG_BUCKET, key, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const { responses } = await h.drive([h.s3Event(key)]);
    const delivered = sorted(h.deliveredLines());
    const [cut] = rejectsIn();
    assert.equal(cut!.line, delivered.length + 1, 'the cut line comes right after the delivered ones');
    assert.deepEqual(delivered, range(1, cut!.line - 1));
    assert.match(cut!.reason, /line cut by gzip damage \(truncated\)/);
    assert.ok(albLine().startsWith(cut!.raw), 'the cut line is stored as far as it was decoded');
    assert.equal(responses[responses.length - 1]!.batchItemFailures.length, 1);
    assert.ok(errors().some((e) => new RegExp(`failed after line ${cut!.line}: .*unexpected end of file`).test(e)));
  });
});

describe('ingest: compressed content that is not gzip', () => {
  const formats: [string, number[]][] = [
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
    ['bzip2', [...Buffer.from('BZh9')]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ];
  for (const [format, magic] of formats) {
    it(`fails a ${format} object named .log.gz with the reason, sending nothing`, async () => {
      const key = logKey(format);
      h.s3.putObject(LOG_BUCKET, key, Buffer.concat([Buffer.from(magic), Buffer.from(lines(3))]));
      const { responses } = await h.drive([h.s3Event(key)]);
      assert.equal(responses.length, 1, 'permanent: no continuation');
      assert.equal(responses[0]!.batchItemFailures.length, 1, 'the message fails, then goes to the DLQ');
      assert.equal(h.firehose.calls.length, 0);
      assert.deepEqual(h.s3.keys(LAKE_BUCKET, 'rejects/'), []);
      assert.ok(
        errors().some((e) => new RegExp(`${format}-compressed, not gzip: ALB writes gzip`).test(e)),
        errors().join('\n'),
      );
      assert.equal(h.telemetry.metrics.ObjectsIngested, undefined);
    });
  }
});

describe('ingest: the time check holds while an object yields nothing to send', () => {
  /** Round 0's remaining time drops under the margin after `calls` checks; later rounds have plenty. */
  const shortFirstRound = (calls: number) => (round: number) => {
    let n = 0;
    return h.deps({ remainingMs: () => (round === 0 && ++n > calls ? 1_000 : 600_000) });
  };

  it('stops inside megabytes of blank lines and resumes exactly after its checkpoint', async () => {
    // Prepare: 8 MiB of newlines (8 KiB gzipped), then one real line
    const key = logKey('blank');
    const blank = 8 * 1024 * 1024;
    h.s3.putObject(LOG_BUCKET, key, gzipSync(Buffer.concat([Buffer.alloc(blank, '\n'), Buffer.from(albLine())])));
    // Act
    const { responses } = await h.drive([h.s3Event(key)], shortFirstRound(5));
    // Assess: the first invocation stopped at the time check, inside the blank lines
    assert.ok(responses.length >= 2, 'a continuation was needed');
    const [first] = h.sqs.json<{ resumeAfterLine: number }>(QUEUE);
    assert.ok(first!.resumeAfterLine > 0 && first!.resumeAfterLine < blank, `checkpoint ${first!.resumeAfterLine}`);
    assert.equal(summaries()[0]!.linesRead, first!.resumeAfterLine);
    assert.deepEqual(h.deliveredLines(), [blank + 1]);
    const blankSeen = summaries().reduce((n, s) => n + (s.blankLines as number), 0);
    assert.equal(blankSeen, blank, 'every blank line counted once over the invocations');
  });

  it('stops while skipping lines already done by an earlier run', async () => {
    const key = logKey('resumed');
    h.s3.putObject(LOG_BUCKET, key, gzipSync(lines(30_000)));
    const continuation = encodeContinuation({
      bucket: LOG_BUCKET,
      key,
      resumeAfterLine: 29_000,
      doneRanges: [],
      attemptsWithoutProgress: 0,
      continuations: 1,
    });
    await h.drive([continuation], shortFirstRound(3));
    const first = summaries()[0]!;
    assert.ok(
      (first.linesRead as number) < 29_000,
      `the first run stopped inside the skipped lines (${first.linesRead})`,
    );
    assert.equal(first.records, 0);
    assert.deepEqual(sorted(h.deliveredLines()), range(29_001, 30_000));
  });

  it('stops while skipping an over-long line, and rejects that line exactly once', async () => {
    const key = logKey('overlong');
    const long = 'y'.repeat(30 * 1024 * 1024);
    h.s3.putObject(LOG_BUCKET, key, gzipSync(`${albLine()}\n${long}\n${albLine()}\n`));
    const { responses } = await h.drive([h.s3Event(key)], shortFirstRound(4));
    assert.ok(responses.length >= 2, 'a continuation was needed');
    assert.equal(summaries()[0]!.linesRead, 1, 'the first run stopped inside line 2');
    assert.deepEqual(sorted(h.deliveredLines()), [1, 3]);
    const rejects = rejectsIn();
    assert.deepEqual(
      rejects.map((r) => r.line),
      [2],
    );
    assert.match(rejects[0]!.reason, /line too long: 31457280 bytes/);
  });
});

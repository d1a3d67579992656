/**
 * End to end: real AWS SDK clients over HTTP to local S3, Firehose and SQS servers. Each test proves delivery by
 * comparing what Firehose stored with the source lines: every good line exactly once, every bad line in the rejects
 * object, nothing else.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { MAX_BATCH_RECORDS } from '../../../lambda/ingest/batcher';
import { encodeContinuation } from '../../../lambda/ingest/messages';
import { processBatch } from '../../../lambda/ingest/process-batch';
import { albLine } from '../../support/alb-line';
import { assertExactlyOnce, logObject, range, storedRejects } from '../../support/ingest-assertions';
import { IngestHarness, LAKE_BUCKET, LOG_BUCKET, logKey, QUEUE } from '../../support/ingest-harness';
import { firehoseFaults } from '../../support/local-firehose';

let h: IngestHarness;
const rejectsIn = (prefix = 'rejects/') => storedRejects(h.s3, LAKE_BUCKET, prefix);
before(async () => {
  h = await IngestHarness.start();
});
after(() => h.close());
beforeEach(() => h.reset());

const SOURCE_FILE = (random: string) => `20261123T1805Z_10.0.1.23_${random}`;

describe('ingest: happy path', () => {
  it('delivers every good line once, stores rejects in one object, and accounts for every line', async () => {
    // Prepare
    const key = logKey('happy');
    h.s3.putObject(LOG_BUCKET, key, logObject(1200, [5, 700], [10, 11]));
    // Act
    const { responses } = await h.drive([h.s3Event(key)]);
    // Assess
    assert.deepEqual(responses[0], { batchItemFailures: [] });
    const good = range(1, 1200).filter((l) => ![5, 700, 10, 11].includes(l));
    assertExactlyOnce(h.deliveredLines(SOURCE_FILE('happy')), good);
    assert.deepEqual(h.s3.keys(LAKE_BUCKET, 'rejects/'), [`rejects/${LOG_BUCKET}/${key}.from-line-1.run-0.ndjson.gz`]);
    const rejects = rejectsIn();
    assert.deepEqual(
      rejects.map((r) => [r.file, r.line]),
      [
        [key, 5],
        [key, 700],
      ],
    );
    assert.match(rejects[0]!.reason, /elb_status_code/);
    const summary = h.telemetry.logs.find((l) => l.message === 'object summary')!.fields;
    assert.equal(summary.linesRead, 1200);
    assert.equal(
      (summary.recordsAcknowledged as number) + (summary.rejects as number) + (summary.blankLines as number),
      1200,
    );
    assert.ok(h.firehose.calls.every((c) => c.entries <= MAX_BATCH_RECORDS));
    assert.equal(h.telemetry.metrics.RecordsSent, good.length);
    assert.equal(h.telemetry.metrics.ObjectsIngested, 1);
  });

  it('writes no rejects object when no line is rejected', async () => {
    const key = logKey('clean');
    h.s3.putObject(LOG_BUCKET, key, logObject(20));
    await h.drive([h.s3Event(key)]);
    assert.deepEqual(h.s3.keys(LAKE_BUCKET, 'rejects/'), []);
    assert.equal(h.deliveredLines().length, 20);
  });

  it('decodes URL-encoded keys (spaces as +) and SNS-wrapped notifications', async () => {
    const key = logKey('spaced').replace('prod/', 'my logs/');
    h.s3.putObject(LOG_BUCKET, key, logObject(3));
    const sns = JSON.stringify({ Type: 'Notification', Message: h.s3Event(key) });
    const { responses } = await h.drive([sns]);
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    assertExactlyOnce(h.deliveredLines(), [1, 2, 3]);
  });
});

describe('ingest: Firehose failures never lose or duplicate a line', () => {
  const storms: [string, Parameters<typeof firehoseFaults.storm>[0]][] = [
    ['per-entry failures', { seed: 1, entryFailureRate: 0.3 }],
    ['a throttling storm', { seed: 2, callFailureRate: 0.6, callCodes: ['ServiceUnavailableException'] }],
    ['5xx responses', { seed: 3, callFailureRate: 0.4, callCodes: ['InternalFailure'] }],
    ['everything at once', { seed: 4, callFailureRate: 0.3, entryFailureRate: 0.2 }],
  ];
  for (const [what, storm] of storms) {
    it(`under ${what}`, async () => {
      const key = logKey('storm');
      h.s3.putObject(LOG_BUCKET, key, logObject(2600, [100]));
      h.firehose.behave(firehoseFaults.storm(storm));
      const { responses } = await h.drive([h.s3Event(key)]);
      assert.ok(responses.every((r) => r.batchItemFailures.length === 0));
      assertExactlyOnce(
        h.deliveredLines(),
        range(1, 2600).filter((l) => l !== 100),
      );
      assert.ok((h.telemetry.metrics.Retries ?? 0) > 0, 'the storm caused retries');
    });
  }

  it('checkpoints when the retry budget is exhausted, then resumes exactly after it once Firehose recovers', async () => {
    // Prepare: Firehose accepts 3 calls, then fails everything for a while
    const key = logKey('budget');
    h.s3.putObject(LOG_BUCKET, key, logObject(3000, [2999]));
    let calls = 0;
    h.firehose.behave(() => (++calls > 3 && calls <= 40 ? firehoseFaults.failAllEntries() : undefined));
    // Act
    const { responses } = await h.drive([h.s3Event(key)], () => h.deps({ config: { retryBudgetMs: 2_000 } }));
    // Assess
    assert.ok(responses.length >= 2, 'at least one continuation was needed');
    assert.ok(responses.every((r) => r.batchItemFailures.length === 0));
    assertExactlyOnce(
      h.deliveredLines(),
      range(1, 3000).filter((l) => l !== 2999),
    );
    // The first 3 calls (1,500 lines) succeeded, in whatever order they reached Firehose: the first continuation
    // must skip all of them, through its checkpoint or its done ranges.
    const [first] = h.sqs.json<{ resumeAfterLine: number; doneRanges: [number, number][] }>(QUEUE);
    const covered = first!.resumeAfterLine + first!.doneRanges.reduce((n, [a, b]) => n + b - a + 1, 0);
    assert.ok(covered >= 1500, `the first continuation skips the delivered lines (${covered})`);
    assert.equal(rejectsIn().length, 1, 'the rejected line is stored once, not once per attempt');
  });

  it('fails the message after a bounded number of attempts without progress', async () => {
    const key = logKey('dead');
    h.s3.putObject(LOG_BUCKET, key, logObject(50));
    h.firehose.behave(() => firehoseFaults.failAllEntries());
    const { responses, events } = await h.drive([h.s3Event(key)], () =>
      h.deps({ config: { retryBudgetMs: 500, maxAttemptsWithoutProgress: 3 } }),
    );
    const last = responses[responses.length - 1]!;
    assert.deepEqual(last.batchItemFailures, [{ itemIdentifier: events[events.length - 1]!.Records[0]!.messageId }]);
    assert.equal(responses.length, 3, 'first try + 2 continuations, then the message fails (SQS retries, then DLQ)');
    assert.deepEqual(h.deliveredLines(), []);
    const delays = h.sqs.sent(QUEUE).map((m) => m.delaySeconds);
    assert.ok(
      delays.every((d, i) => i === 0 || d >= delays[i - 1]!),
      `delays grow: ${delays}`,
    );
  });

  it('fails fast, without retrying, when the stream does not exist', async () => {
    const key = logKey('nostream');
    h.s3.putObject(LOG_BUCKET, key, logObject(5));
    const { responses } = await h.drive([h.s3Event(key)], () =>
      h.deps({ config: { deliveryStreams: { 'alb-access': 'no-such-stream' } } }),
    );
    assert.equal(responses.length, 1);
    assert.equal(responses[0]!.batchItemFailures.length, 1);
    assert.equal(h.firehose.calls.length, 1);
  });
});

describe('ingest: time budget', () => {
  it('stops before the invocation times out and continues exactly after the checkpoint', async () => {
    // Prepare: each invocation may send about 4 batches before its remaining time drops under the margin
    const key = logKey('slow');
    h.s3.putObject(LOG_BUCKET, key, logObject(6000, [1, 5999], [3000]));
    const depsFor = () => {
      const start = h.firehose.calls.length;
      return h.deps({ remainingMs: () => (h.firehose.calls.length - start >= 4 ? 1_000 : 600_000) });
    };
    // Act
    const { responses } = await h.drive([h.s3Event(key)], depsFor);
    // Assess
    assert.ok(responses.length >= 3, `several invocations were needed (${responses.length})`);
    assert.ok(responses.every((r) => r.batchItemFailures.length === 0));
    assertExactlyOnce(
      h.deliveredLines(),
      range(1, 6000).filter((l) => ![1, 5999, 3000].includes(l)),
    );
    assert.deepEqual(
      rejectsIn()
        .map((r) => r.line)
        .sort((a, b) => a - b),
      [1, 5999],
    );
    assert.ok(
      h.sqs.sent(QUEUE).every((m) => m.delaySeconds === 0),
      'time-budget continuations resume at once',
    );
  });

  it('defers objects it has no time to start, without counting an attempt', async () => {
    const key = logKey('late');
    h.s3.putObject(LOG_BUCKET, key, logObject(5));
    let round = 0;
    await h.drive([h.s3Event(key)], () => h.deps({ remainingMs: () => (round++ === 0 ? 1_000 : 600_000) }));
    const [first] = h.sqs.json<{ resumeAfterLine: number; attemptsWithoutProgress: number }>(QUEUE);
    assert.deepEqual([first!.resumeAfterLine, first!.attemptsWithoutProgress], [0, 0]);
    assertExactlyOnce(h.deliveredLines(), [1, 2, 3, 4, 5]);
  });

  it('keeps the count of failed attempts when an object is deferred', async () => {
    const key = logKey('deferred-after-failures');
    h.s3.putObject(LOG_BUCKET, key, logObject(5));
    const continuation = encodeContinuation({
      bucket: LOG_BUCKET,
      key,
      resumeAfterLine: 0,
      doneRanges: [],
      attemptsWithoutProgress: 2,
      continuations: 2,
    });
    await processBatch({ Records: [h.record(continuation)] }, h.deps({ remainingMs: () => 1_000 }));
    const [deferred] = h.sqs.json<{ attemptsWithoutProgress: number; continuations: number }>(QUEUE);
    assert.deepEqual([deferred!.attemptsWithoutProgress, deferred!.continuations], [2, 3]);
  });
});

describe('ingest: S3 problems', () => {
  it('skips and reports a missing object without failing the message', async () => {
    const { responses } = await h.drive([h.s3Event(logKey('gone'))]);
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    assert.equal(h.telemetry.metrics.ObjectsMissing, 1);
    assert.ok(h.telemetry.logs.some((l) => l.level === 'warn' && /no longer exists/.test(l.message)));
  });

  it('fails the message when access is denied', async () => {
    const key = logKey('denied');
    h.s3.putObject(LOG_BUCKET, key, logObject(5));
    h.s3.denyAccess(LOG_BUCKET, key);
    const { responses, events } = await h.drive([h.s3Event(key)]);
    assert.deepEqual(responses[0]!.batchItemFailures, [{ itemIdentifier: events[0]!.Records[0]!.messageId }]);
    assert.equal(responses.length, 1, 'a permanent error is not retried through continuations');
  });

  it('delivers the lines before a truncated gzip, reports the damage, and fails the work without duplicates', async () => {
    // Prepare: a gzip object missing its last quarter
    const key = logKey('cut');
    const whole = logObject(4000);
    h.s3.putObject(LOG_BUCKET, key, whole.subarray(0, Math.floor(whole.length * 0.75)));
    // Act
    const { responses } = await h.drive([h.s3Event(key)]);
    // Assess: lines before the damage delivered exactly once; the message carrying the checkpoint failed
    const delivered = h.deliveredLines();
    assert.ok(delivered.length > 2000);
    assertExactlyOnce(delivered, range(1, Math.max(...delivered)));
    const last = responses[responses.length - 1]!;
    assert.equal(last.batchItemFailures.length, 1, 'the damaged object ends up failed (then dead-lettered)');
    assert.ok(
      h.telemetry.logs.some((l) => /unexpected end of file/.test(JSON.stringify(l.fields.stoppedBecause ?? ''))),
      'the damage is reported',
    );
  });

  it('retries a connection reset mid-body through a continuation, without duplicates', async () => {
    const key = logKey('reset');
    const body = logObject(3000);
    h.s3.putObject(LOG_BUCKET, key, body);
    h.s3.cutBody(LOG_BUCKET, key, Math.floor(body.length / 2));
    const { responses } = await h.drive([h.s3Event(key)]);
    assert.ok(responses.every((r) => r.batchItemFailures.length === 0));
    assertExactlyOnce(h.deliveredLines(), range(1, 3000));
  });

  it('restarts an object that changed since the first attempt instead of splicing versions', async () => {
    const key = logKey('changed');
    h.s3.putObject(LOG_BUCKET, key, logObject(10));
    const continuation = encodeContinuation({
      bucket: LOG_BUCKET,
      key,
      etag: '"an-older-version"',
      resumeAfterLine: 6,
      doneRanges: [],
      attemptsWithoutProgress: 0,
      continuations: 1,
    });
    await h.drive([continuation]);
    assertExactlyOnce(h.deliveredLines(), range(1, 10));
    assert.equal(h.telemetry.metrics.ObjectsRestarted, 1);
  });
});

describe('ingest: messages and objects that are not work', () => {
  it('only the broken message of a mixed batch is reported failed', async () => {
    const key = logKey('mixed');
    h.s3.putObject(LOG_BUCKET, key, logObject(7));
    const bodies = [
      JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: LOG_BUCKET }),
      h.s3Event(key),
      '{"not":"an event"}',
      'not json at all',
    ];
    const { responses, events } = await h.drive(bodies);
    const ids = events[0]!.Records.map((r) => r.messageId);
    assert.deepEqual(responses[0]!.batchItemFailures, [{ itemIdentifier: ids[2] }, { itemIdentifier: ids[3] }]);
    assertExactlyOnce(h.deliveredLines(), range(1, 7));
    assert.ok(h.telemetry.logs.some((l) => l.level === 'error' && l.fields.messageId === ids[3]));
  });

  it('skips 0-byte objects, CloudWatch-delivered objects and the ELB test file, counted', async () => {
    // CloudWatch delivery's Hive-compatible key (documented); its lines are not the legacy format.
    const conn =
      'prod/AWSLogs/aws-account-id=123456789012/elasticloadbalancing/region=us-east-1/year=2026/month=11/day=23/x.json.gz';
    h.s3.putObject(LOG_BUCKET, conn, gzipSync('{"type":"h2","time":"2026-11-23T18:00:00.000000Z"}'));
    h.s3.putObject(LOG_BUCKET, logKey('empty'), Buffer.alloc(0));
    h.s3.putObject(LOG_BUCKET, 'prod/AWSLogs/123456789012/ELBAccessLogTestFile', 'Enable AccessLog for ELB: x');
    const bodies = [
      h.s3Event(conn),
      h.s3Event(logKey('empty'), 0),
      h.s3Event('prod/AWSLogs/123456789012/ELBAccessLogTestFile'),
    ];
    const { responses } = await h.drive(bodies);
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    assert.equal(h.telemetry.metrics.ObjectsSkipped, 3);
    assert.equal(h.firehose.calls.length, 0);
  });

  it('reads a 0-byte object that the notification did not size', async () => {
    h.s3.putObject(LOG_BUCKET, logKey('unsized'), Buffer.alloc(0));
    const { responses } = await h.drive([h.s3Event(logKey('unsized'))]);
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    assert.equal(h.firehose.calls.length, 0);
  });
});

describe('ingest: batch limits', () => {
  it('never exceeds 500 records or 4 MiB per call, and rejects a record over the Firehose limit', async () => {
    // Prepare: big lines (~90 KB user agents) so batches fill by bytes, plus one line whose record is over 1,000 KB
    const key = logKey('big');
    const big = (n: number) => albLine({ set: { userAgent: `"${'u'.repeat(90_000 + n)}"` } });
    const lines = range(1, 200).map((i) =>
      i === 77 ? albLine({ set: { userAgent: `"${'é'.repeat(520_000)}"` } }) : i % 3 === 0 ? big(i) : albLine(),
    );
    h.s3.putObject(LOG_BUCKET, key, gzipSync(lines.join('\n')));
    // Act
    await h.drive([h.s3Event(key)]);
    // Assess
    for (const c of h.firehose.calls) {
      assert.ok(c.entries <= 500 && c.dataBytes <= 4 * 1024 * 1024, `call ${c.seq}: ${c.entries} / ${c.dataBytes}`);
      assert.equal(c.errorCode, undefined);
    }
    assert.ok(h.firehose.calls.length > 1, 'the batches were split by size');
    assertExactlyOnce(
      h.deliveredLines(),
      range(1, 200).filter((l) => l !== 77),
    );
    const [reject] = rejectsIn();
    assert.equal(reject!.line, 77);
    assert.match(reject!.reason, /over the Firehose record limit/);
  });
});

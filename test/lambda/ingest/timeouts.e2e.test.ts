/**
 * Every AWS call the ingest handler makes ends before the invocation does (issue 10, item 4), end to end against
 * local peers that accept a request and never answer, or send headers and then stall the body. The remaining time
 * is real (a fake invocation of a few seconds), so each test takes seconds. The harness's clients have the timeouts
 * production derives from the safety margin; tests named "abort alone" use clients without any timeout, to prove
 * the per-call abort signal by itself ends the call.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { encodeContinuation } from '../../../lambda/ingest/messages';
import { processBatch } from '../../../lambda/ingest/process-batch';
import { s3TestClientConfig, testClientConfig } from '../../support/aws-env';
import { assertExactlyOnce, logObject, range } from '../../support/ingest-assertions';
import { IngestHarness, LAKE_BUCKET, LOG_BUCKET, logKey, QUEUE } from '../../support/ingest-harness';
import { firehoseFaults } from '../../support/local-firehose';

let h: IngestHarness;
before(async () => {
  h = await IngestHarness.start();
});
after(() => h.close());
beforeEach(() => h.reset());

/** Fails the test (instead of hanging the run) when a call never ends, as it did before the fix. */
const LIMIT = { timeout: 30_000 };

/** An invocation that ends `ms` from now, in real time. */
function invocation(ms: number): { remainingMs: () => number; end: number } {
  const end = Date.now() + ms;
  return { remainingMs: () => end - Date.now(), end };
}

function counts(lines: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

type Sent = { resumeAfterLine: number; doneRanges: [number, number][]; attemptsWithoutProgress: number };

/** Clients without any timeout: only an abort signal can end a call to a peer that never answers. */
function clientsWithoutTimeouts() {
  return {
    s3: new S3Client(s3TestClientConfig(h.s3.endpoint, { maxAttempts: 1 })),
    firehose: new FirehoseClient(testClientConfig(h.firehose.endpoint, { maxAttempts: 1 })),
    sqs: new SQSClient(testClientConfig(h.sqs.endpoint, { maxAttempts: 1 })),
  };
}

/** The stop causes a log line reports (`stoppedBecause`), as one string. */
const causes = (l: { fields: Record<string, unknown> }) => JSON.stringify(l.fields.stoppedBecause ?? []);

describe('ingest timeouts: Firehose PutRecordBatch', () => {
  it(
    'abort alone: calls that never answer end at the deadline, their lines stay pending and are resent',
    LIMIT,
    async () => {
      // Prepare: 1,200 lines = 3 batches; every call of the first invocation hangs (nothing stored)
      const key = logKey('fh-hang');
      h.s3.putObject(LOG_BUCKET, key, logObject(1200));
      h.firehose.behave(() => firehoseFaults.hang());
      const first = invocation(4_000);
      // Act: the first invocation, with clients that have no timeouts
      const started = Date.now();
      const response = await processBatch(
        { Records: [h.record(h.s3Event(key))] },
        h.deps({ ...clientsWithoutTimeouts(), remainingMs: first.remainingMs, config: { safetyMarginMs: 2_000 } }),
      );
      const returnedAt = Date.now();
      // Assess: it returned inside its time, with every line still pending in a continuation
      assert.ok(returnedAt < first.end, `returned ${first.end - returnedAt} ms before the end`);
      assert.ok(returnedAt - started >= 2_500, 'the calls were waited for until the data deadline (remaining 1 s)');
      assert.deepEqual(response, { batchItemFailures: [] });
      assert.equal(h.firehose.hung, 3, 'three calls were left unanswered');
      const [continuation] = h.sqs.json<Sent>(QUEUE);
      assert.deepEqual([continuation!.resumeAfterLine, continuation!.doneRanges], [0, []]);
      // Act: the continuation, with Firehose answering again
      h.firehose.behave(undefined);
      const { responses } = await h.drive(h.takeNewMessages());
      // Assess: no line lost, none twice (the hung calls stored nothing)
      assert.ok(responses.every((r) => r.batchItemFailures.length === 0));
      assertExactlyOnce(h.deliveredLines(), range(1, 1200));
    },
  );

  it(
    'production timeouts: a hung call and its retries end, the invocation checkpoints before it ends',
    LIMIT,
    async () => {
      // Prepare: batch 2's calls hang after storing (the acknowledgement is lost), the others answer
      const key = logKey('fh-lost-ack');
      h.s3.putObject(LOG_BUCKET, key, logObject(1500));
      h.firehose.behave((call) =>
        call.records.some((r) => JSON.parse(r.toString()).line_number === 501)
          ? firehoseFaults.hang({ afterStoring: true })
          : undefined,
      );
      const first = invocation(8_000);
      // Act
      const response = await processBatch(
        { Records: [h.record(h.s3Event(key))] },
        h.deps({ remainingMs: first.remainingMs, config: { retryBudgetMs: 600_000 } }),
      );
      const returnedAt = Date.now();
      // Assess: lines 1-500 and 1001-1500 acknowledged, 501-1000 unknown, so pending
      assert.ok(returnedAt < first.end, `returned ${first.end - returnedAt} ms before the end`);
      assert.deepEqual(response, { batchItemFailures: [] });
      assert.ok(h.firehose.hung >= 2, `the lost batch was tried again after a timeout (${h.firehose.hung} hung)`);
      const [continuation] = h.sqs.json<Sent>(QUEUE);
      assert.deepEqual([continuation!.resumeAfterLine, continuation!.doneRanges], [500, [[1001, 1500]]]);
      // Act: the continuation
      h.firehose.behave(undefined);
      await h.drive(h.takeNewMessages());
      // Assess: every line at least once; the only duplicates are the batch whose answers were lost
      const c = counts(h.deliveredLines());
      assert.deepEqual(
        [...c.keys()].sort((a, b) => a - b),
        range(1, 1500),
      );
      const twice = [...c].filter(([, n]) => n > 1).map(([l]) => l);
      assert.ok(
        twice.every((l) => l >= 501 && l <= 1000),
        'duplicates only from the unacknowledged batch',
      );
    },
  );
});

describe('ingest timeouts: S3 GetObject and its body', () => {
  it('a body that stalls mid-stream ends, and the continuation resumes at the checkpoint', LIMIT, async () => {
    // Prepare: the first GET sends part of the object, then nothing (connection open)
    const key = logKey('s3-stall');
    const body = logObject(20_000, [7]);
    h.s3.putObject(LOG_BUCKET, key, body);
    h.s3.stallBody(LOG_BUCKET, key, Math.floor(body.length / 2));
    // Act
    const started = Date.now();
    const first = await processBatch({ Records: [h.record(h.s3Event(key))] }, h.deps());
    // Assess: ended by the stall timeout (M/4 = 1.25 s here), with a continuation after the lines read
    assert.ok(Date.now() - started < 10_000, 'the stalled body ended');
    assert.deepEqual(first, { batchItemFailures: [] });
    assert.equal(h.s3.hung, 1);
    const [continuation] = h.sqs.json<Sent>(QUEUE);
    const delivered = h.deliveredLines();
    assert.ok(delivered.length > 0, 'lines before the stall were delivered');
    assert.equal(
      continuation!.resumeAfterLine,
      delivered.length + 1,
      'checkpoint after the delivered lines and reject',
    );
    assert.deepEqual(continuation!.doneRanges, []);
    assert.ok(h.telemetry.logs.some((l) => /continuation/.test(l.message) && /TimeoutError/.test(causes(l))));
    // Act: the continuation
    const { responses } = await h.drive(h.takeNewMessages());
    // Assess
    assert.ok(responses.every((r) => r.batchItemFailures.length === 0));
    assertExactlyOnce(
      h.deliveredLines(),
      range(1, 20_000).filter((l) => l !== 7),
    );
  });

  it('a GetObject that never answers ends by its request timeout: a continuation, then delivery', LIMIT, async () => {
    const key = logKey('s3-hang');
    h.s3.putObject(LOG_BUCKET, key, logObject(50));
    h.s3.script({ hang: true });
    const started = Date.now();
    const first = await processBatch({ Records: [h.record(h.s3Event(key))] }, h.deps());
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(first, { batchItemFailures: [] });
    const [continuation] = h.sqs.json<Sent>(QUEUE);
    assert.deepEqual([continuation!.resumeAfterLine, continuation!.attemptsWithoutProgress], [0, 1]);
    await h.drive(h.takeNewMessages());
    assertExactlyOnce(h.deliveredLines(), range(1, 50));
  });

  it('abort alone: a GetObject that never answers ends at the deadline', LIMIT, async () => {
    const key = logKey('s3-hang-abort');
    h.s3.putObject(LOG_BUCKET, key, logObject(50));
    h.s3.script({ hang: true });
    const inv = invocation(3_000);
    const response = await processBatch(
      { Records: [h.record(h.s3Event(key))] },
      h.deps({ ...clientsWithoutTimeouts(), remainingMs: inv.remainingMs, config: { safetyMarginMs: 2_000 } }),
    );
    assert.ok(Date.now() < inv.end);
    assert.deepEqual(response, { batchItemFailures: [] });
    assert.equal(h.sqs.json<Sent>(QUEUE).length, 1);
  });
});

describe('ingest timeouts: S3 upload of rejects', () => {
  it('abort alone: a rejects upload that never answers is aborted, its lines read again', LIMIT, async () => {
    // Prepare: the rejects PutObject hangs; the object's lines are delivered
    const key = logKey('rejects-hang');
    h.s3.putObject(LOG_BUCKET, key, logObject(600, [3, 550]));
    h.s3.behave((r) => (r.operation === 'PutObject' && r.bucket === LAKE_BUCKET ? { hang: true } : undefined));
    const inv = invocation(4_000);
    // Act
    const response = await processBatch(
      { Records: [h.record(h.s3Event(key))] },
      h.deps({ ...clientsWithoutTimeouts(), remainingMs: inv.remainingMs, config: { safetyMarginMs: 2_000 } }),
    );
    // Assess: returned in time; the rejected lines are not done, so the checkpoint stops before line 3
    assert.ok(Date.now() < inv.end, 'returned before the invocation ended');
    assert.deepEqual(response, { batchItemFailures: [] });
    assert.equal(h.s3.hung, 1);
    const [continuation] = h.sqs.json<Sent>(QUEUE);
    assert.equal(continuation!.resumeAfterLine, 2);
    assert.ok(h.telemetry.logs.some((l) => /writing rejects/.test(causes(l)) && /abort/i.test(causes(l))));
    // Act: the continuation, with S3 answering again
    h.s3.behave(undefined);
    await h.drive(h.takeNewMessages());
    assertExactlyOnce(
      h.deliveredLines(),
      range(1, 600).filter((l) => l !== 3 && l !== 550),
    );
    assert.ok(h.s3.keys(LAKE_BUCKET, 'rejects/').length >= 1, 'the rejects were stored in the end');
  });

  it('production timeouts: a rejects upload that never answers ends by its request timeout', LIMIT, async () => {
    const key = logKey('rejects-hang-timeout');
    h.s3.putObject(LOG_BUCKET, key, logObject(20, [3]));
    h.s3.behave((r) => (r.operation === 'PutObject' && r.bucket === LAKE_BUCKET ? { hang: true } : undefined));
    const started = Date.now();
    const response = await processBatch({ Records: [h.record(h.s3Event(key))] }, h.deps());
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(response, { batchItemFailures: [] });
    assert.equal(h.sqs.json<Sent>(QUEUE)[0]!.resumeAfterLine, 2);
  });
});

describe('ingest timeouts: SQS SendMessage of continuations', () => {
  for (const variant of ['production timeouts', 'abort alone'] as const) {
    it(`${variant}: a SendMessage that never answers fails the message fast`, LIMIT, async () => {
      // Prepare: a continuation that has no time to start (so it re-enqueues itself), and a queue that hangs
      const key = logKey(`sqs-hang-${variant.replace(' ', '-')}`);
      h.s3.putObject(LOG_BUCKET, key, logObject(5));
      h.sqs.behave((call) => (call.operation === 'SendMessage' ? { hang: true } : undefined));
      const record = h.record(
        encodeContinuation({
          bucket: LOG_BUCKET,
          key,
          resumeAfterLine: 0,
          doneRanges: [],
          attemptsWithoutProgress: 0,
          continuations: 1,
        }),
      );
      const inv = invocation(3_000);
      // Act
      const response = await processBatch(
        { Records: [record] },
        h.deps({
          ...(variant === 'abort alone' ? clientsWithoutTimeouts() : {}),
          remainingMs: inv.remainingMs,
          config: { safetyMarginMs: 4_000 },
        }),
      );
      // Assess: the message failed (SQS will redeliver it) before the invocation ended
      assert.ok(Date.now() < inv.end, `returned ${inv.end - Date.now()} ms before the end`);
      assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: record.messageId }] });
      assert.equal(h.sqs.hung, 1);
      assert.ok(h.telemetry.logs.some((l) => /could not enqueue a continuation/.test(l.message)));
    });
  }
});

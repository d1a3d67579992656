/**
 * End to end on the local peers: the edges where a line could be lost, stored twice or hidden (issue 10, "Ingest
 * Lambda"): rejects segments, bounded rejects keys and permanent write errors, every stop cause reported, bounded
 * summaries, an object finished on its last chunk, one ingestion per object per message, and one chain per object to
 * the dead-letter queue.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeMessageBody, encodeContinuation } from '../../../lambda/ingest/messages';
import { processBatch } from '../../../lambda/ingest/process-batch';
import { MAX_S3_KEY_BYTES } from '../../../lambda/ingest/rejects-sink';
import { albLine } from '../../support/alb-line';
import { assertExactlyOnce, logObject, range } from '../../support/ingest-assertions';
import { IngestHarness, LAKE_BUCKET, LOG_BUCKET, logKey, QUEUE } from '../../support/ingest-harness';
import { firehoseFaults } from '../../support/local-firehose';

let h: IngestHarness;
before(async () => {
  h = await IngestHarness.start();
});
after(() => h.close());
beforeEach(() => h.reset());

function rejectObjects(): Map<string, { bucket: string; file: string; line: number; raw: string }[]> {
  const out = new Map<string, { bucket: string; file: string; line: number; raw: string }[]>();
  for (const k of h.s3.keys(LAKE_BUCKET, 'rejects/')) {
    const text = gunzipSync(h.s3.body(LAKE_BUCKET, k)!).toString('utf8').trimEnd();
    out.set(
      k,
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    );
  }
  return out;
}

/** One S3 event record (keys here need no URL-encoding). */
const record = (key: string, eventName?: string) => ({
  eventSource: 'aws:s3',
  ...(eventName ? { eventName } : {}),
  s3: { bucket: { name: LOG_BUCKET }, object: { key } },
});

/**
 * Deps whose remaining time is plenty for the first question (can the object start?) and short afterwards: inside
 * the safety margin (5 s in the harness), so the read loop stops, but above the half of it where the data calls are
 * aborted (deadline.ts), as in a real invocation's last seconds.
 */
const shortAfterStart = () => {
  let calls = 0;
  return h.deps({ remainingMs: () => (calls++ === 0 ? 600_000 : 4_000) });
};

const startsAtLine = (record: Buffer, line: number) => record.toString('utf8').startsWith(`{"line_number":${line},`);

describe('ingest edges: rejects segments (item 1)', () => {
  it('keeps the reject of line 5 when the first batch fails and the continuation resumes at the same checkpoint', async () => {
    // Prepare: bad lines 5 and 19,990; in the first run, the batch holding line 1 is never acknowledged
    const key = logKey('segments');
    h.s3.putObject(LOG_BUCKET, key, logObject(20_000, [5, 19_990]));
    let firstRun = true;
    h.firehose.behave((call) =>
      firstRun && call.records.some((r) => startsAtLine(r, 1)) ? firehoseFaults.failAllEntries() : undefined,
    );
    // Act
    const { responses } = await h.drive([h.s3Event(key)], (round) => {
      firstRun = round === 0;
      return h.deps({ config: { retryBudgetMs: 1_000 } });
    });
    // Assess: both rejects stored, each in exactly one object; every good line delivered once
    assert.ok(responses.length >= 2, 'a continuation was needed');
    assert.ok(responses.every((r) => r.batchItemFailures.length === 0));
    const stored = [...rejectObjects().values()].flat().map((r) => r.line);
    assert.deepEqual(
      stored.sort((a, b) => a - b),
      [5, 19_990],
    );
    assertExactlyOnce(
      h.deliveredLines(),
      range(1, 20_000).filter((l) => l !== 5 && l !== 19_990),
    );
  });

  it('overwrites its own rejects object when the same message is delivered again', async () => {
    // Prepare
    const key = logKey('redelivered');
    h.s3.putObject(LOG_BUCKET, key, logObject(30, [3, 20]));
    const body = encodeContinuation({
      bucket: LOG_BUCKET,
      key,
      resumeAfterLine: 10,
      doneRanges: [],
      attemptsWithoutProgress: 0,
      continuations: 2,
    });
    // Act: the same continuation twice (SQS is at least once)
    await h.drive([body]);
    await h.drive([body]);
    // Assess: one object, holding line 20 once
    const objects = rejectObjects();
    assert.deepEqual([...objects.keys()], [`rejects/${LOG_BUCKET}/${key}.from-line-11.run-2.ndjson.gz`]);
    assert.deepEqual(
      [...objects.values()].flat().map((r) => [r.bucket, r.line]),
      [[LOG_BUCKET, 20]],
    );
  });
});

describe('ingest edges: rejects keys and write errors (items 5, 6)', () => {
  it('bounds a rejects key over 1,024 bytes and keeps the full source bucket and key inside the object', async () => {
    // Prepare: a source key of about 1,000 bytes, with multi-byte characters
    const key = logKey('long').replace('prod/', `${'é'.repeat(200)}/${'x'.repeat(500)}/`);
    h.s3.putObject(LOG_BUCKET, key, logObject(10, [4]));
    // Act
    const { responses } = await h.drive([h.s3Event(key)]);
    // Assess
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    const [objectKey, lines] = [...rejectObjects()][0]!;
    assert.ok(Buffer.byteLength(objectKey!) <= MAX_S3_KEY_BYTES, `${Buffer.byteLength(objectKey!)} bytes`);
    assert.match(objectKey!, /~[0-9a-f]{64}\.from-line-1\.run-0\.ndjson\.gz$/);
    assert.deepEqual(
      lines!.map((r) => [r.bucket, r.file, r.line]),
      [[LOG_BUCKET, key, 4]],
    );
  });

  it('fails fast on AccessDenied for the rejects write, and reports it beside the time budget', async () => {
    // Prepare: every line is rejected, the rejects write is denied, and time runs out after the first chunk of a
    // body (incompressible, several MB) that is still arriving
    const key = logKey('denied-rejects');
    const bad = (i: number) =>
      albLine({ set: { elbStatus: `bad${i}`, userAgent: `"${randomBytes(1500).toString('hex')}"` } });
    h.s3.putObject(LOG_BUCKET, key, gzipSync(range(1, 3000).map(bad).join('\n')));
    h.s3.denyAccess(LAKE_BUCKET, `rejects/${LOG_BUCKET}/${key}.from-line-1.run-0.ndjson.gz`, ['PutObject']);
    // Act
    const { responses, events } = await h.drive([h.s3Event(key)], shortAfterStart);
    // Assess: one invocation, the message failed (no continuation with a growing delay), both causes reported
    assert.equal(responses.length, 1, 'a permanent error is not retried through delayed continuations');
    assert.deepEqual(responses[0]!.batchItemFailures, [{ itemIdentifier: events[0]!.Records[0]!.messageId }]);
    assert.deepEqual(h.sqs.sent(QUEUE), []);
    const failed = h.telemetry.logs.find((l) => /dead-lettered/.test(l.message))!;
    const causes = failed.fields.stoppedBecause as string[];
    assert.ok(
      causes.some((c) => /^time-budget/.test(c)),
      `time budget reported: ${causes}`,
    );
    assert.ok(
      causes.some((c) => /^rejects-write \(permanent\).*AccessDenied/.test(c)),
      `rejects write reported: ${causes}`,
    );
    assert.equal(failed.fields.permanent, true);
  });
});

describe('ingest edges: bounded summary (item 7)', () => {
  it('keeps the summary line small when rejected lines are ~500 KB each', async () => {
    // Prepare: three rejected lines of ~500 KB
    const key = logKey('huge-rejects');
    const huge = (i: number) => albLine({ set: { elbStatus: `bad${i}`, userAgent: `"${'u'.repeat(500_000)}"` } });
    h.s3.putObject(LOG_BUCKET, key, gzipSync([huge(1), albLine(), huge(3), huge(4)].join('\n')));
    // Act
    await h.drive([h.s3Event(key)]);
    // Assess
    const summary = h.telemetry.logs.find((l) => l.message === 'object summary')!;
    const size = Buffer.byteLength(JSON.stringify(summary.fields));
    assert.ok(size < 16 * 1024, `summary is ${size} bytes`);
    const samples = summary.fields.rejectSamples as { raw: string; rawChars?: number }[];
    assert.equal(samples.length, 3);
    assert.ok(samples.every((s) => s.raw.endsWith('…') && (s.rawChars ?? 0) > 500_000));
    assert.ok(
      [...rejectObjects().values()].flat().every((r) => r.raw.length > 500_000),
      'the object keeps them whole',
    );
  });
});

describe('ingest edges: finished on the last chunk (item 9)', () => {
  it('does not queue an object read to its end when the time check trips on its last chunk', async () => {
    // Prepare: a small object (one chunk); time is short once the object is open
    const key = logKey('last-chunk');
    h.s3.putObject(LOG_BUCKET, key, logObject(10));
    // Act
    const { responses } = await h.drive([h.s3Event(key)], shortAfterStart);
    // Assess
    assert.equal(responses.length, 1);
    assert.deepEqual(h.sqs.sent(QUEUE), [], 'no continuation');
    assert.equal(h.telemetry.metrics.ObjectsIngested, 1);
    assertExactlyOnce(h.deliveredLines(), range(1, 10));
  });
});

describe('ingest edges: one ingestion per object per message (item 10)', () => {
  it('ingests an object named 834 times once, and ignores delete events, counted', async () => {
    // Prepare
    const key = logKey('repeated');
    const deleted = logKey('deleted');
    h.s3.putObject(LOG_BUCKET, key, logObject(5));
    h.s3.putObject(LOG_BUCKET, deleted, logObject(5));
    const body = JSON.stringify({
      Records: [
        ...Array.from({ length: 834 }, () => record(key, 'ObjectCreated:Put')),
        record(deleted, 'ObjectRemoved:Delete'),
      ],
    });
    // Act
    const { responses } = await h.drive([body]);
    // Assess
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    assertExactlyOnce(h.deliveredLines(), range(1, 5));
    assert.equal(h.telemetry.metrics.DuplicateRecords, 833);
    assert.equal(h.telemetry.metrics.EventsIgnored, 1);
    assert.ok(h.telemetry.logs.some((l) => /not ObjectCreated/.test(l.message)));
  });

  it('accepts backfill records and records without an eventName', async () => {
    const a = logKey('backfilled');
    const b = logKey('unnamed');
    h.s3.putObject(LOG_BUCKET, a, logObject(2));
    h.s3.putObject(LOG_BUCKET, b, logObject(3));
    const body = JSON.stringify({ Records: [record(a, 'ObjectCreated:Backfill'), record(b)] });
    await h.drive([body]);
    assert.equal(h.deliveredLines().length, 5);
  });
});

describe('ingest edges: one chain per object to the dead-letter queue (item 12)', () => {
  it('dead-letters one message per object, saying where it stopped, and a redrive resumes exactly there', async () => {
    // Prepare: three objects in one message; Firehose accepts only the first 4 calls for `stuck`, then nothing
    const stuck = logKey('stuck');
    const fine = [logKey('fine1'), logKey('fine2')];
    h.s3.putObject(LOG_BUCKET, stuck, logObject(3000));
    for (const k of fine) h.s3.putObject(LOG_BUCKET, k, logObject(700));
    let down = false;
    let stuckCalls = 0;
    h.firehose.behave((call) => {
      const forStuck = call.records.some((r) => r.toString('utf8').includes('_stuck'));
      if (forStuck && ++stuckCalls > 2) down = true;
      return down && forStuck ? firehoseFaults.failAllEntries() : undefined;
    });
    const body = JSON.stringify({ Records: [stuck, ...fine].map((k) => record(k)) });
    // Act
    const { responses, events } = await h.drive([body], () =>
      h.deps({ config: { retryBudgetMs: 500, maxAttemptsWithoutProgress: 2, maxInFlight: 1 } }),
    );
    // Assess: exactly one failed message in the whole chain, a continuation that says where the object stopped
    const failed = responses.flatMap((r, i) =>
      r.batchItemFailures.map((f) => events[i]!.Records.find((m) => m.messageId === f.itemIdentifier)!),
    );
    assert.equal(failed.length, 1, 'one dead-letter-bound message');
    const dead = JSON.parse(failed[0]!.body);
    assert.equal(dead.type, 'alb-iceberg/continuation');
    assert.equal(dead.firstUndeliveredLine, 1001);
    assert.deepEqual(dead.undeliveredRanges, [[1001, null]]);
    assert.ok(dead.stoppedBecause.some((c: string) => /^firehose/.test(c)));
    // Act: the operator fixes the cause and redrives the dead-lettered body
    down = false;
    h.firehose.behave(undefined);
    await h.drive([failed[0]!.body]);
    // Assess: every line of every object exactly once
    const byFile = (k: string) => h.rows().filter((r) => k.endsWith(`${r.source_file}.log.gz`));
    assertExactlyOnce(
      byFile(stuck).map((r) => r.line_number as number),
      range(1, 3000),
    );
    for (const k of fine)
      assertExactlyOnce(
        byFile(k).map((r) => r.line_number as number),
        range(1, 700),
      );
  });

  it('counts earlier failed receives as attempts when a continuation replaces a failed message', async () => {
    // Prepare: a message already received 3 times, whose object makes no progress (transient)
    const key = logKey('received-often');
    h.s3.putObject(LOG_BUCKET, key, logObject(5));
    h.firehose.behave(() => firehoseFaults.failAllEntries());
    const other = logKey('other');
    h.s3.putObject(LOG_BUCKET, other, logObject(2));
    const body = JSON.stringify({ Records: [record(key), record(other)] });
    const message = h.record(body);
    message.attributes.ApproximateReceiveCount = '3';
    // Act
    await processBatch(
      { Records: [message] },
      h.deps({ config: { retryBudgetMs: 200, maxAttemptsWithoutProgress: 5 } }),
    );
    // Assess
    const sent = h.sqs.sent(QUEUE).map((m) => decodeMessageBody(m.body));
    const continuation = sent.flatMap((d) => (d.kind === 'work' ? d.objects : [])).find((o) => o.key === key)!;
    assert.equal(continuation.attemptsWithoutProgress, 3, '1 for this run + 2 earlier failed receives');
  });
});

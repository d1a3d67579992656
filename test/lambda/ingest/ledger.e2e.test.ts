/**
 * End to end on the local peers, with the object ledger (LocalDynamoDb): claim before read, duplicate and concurrent
 * deliveries, a throttled / failing / hanging ledger, takeover of an expired lease, redrive of a failed entry, a
 * changed ETag, and skips recorded with their reasons.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { REINGEST_EVENT_NAME } from '../../../lambda/ingest/messages';
import { processBatch } from '../../../lambda/ingest/process-batch';
import { assertExactlyOnce, range, storedRejects } from '../../support/ingest-assertions';
import { captureTelemetry, IngestHarness, LAKE_BUCKET, LOG_BUCKET, logKey, QUEUE } from '../../support/ingest-harness';
import { assertDoneAccounting, LedgerFixture, timedLogObject } from '../../support/ledger-ingest';
import { dynamoFaults, LocalDynamoDb } from '../../support/local-dynamodb';
import { firehoseFaults } from '../../support/local-firehose';

let h: IngestHarness;
let ddb: LocalDynamoDb;
let L: LedgerFixture;
before(async () => {
  h = await IngestHarness.start();
  ddb = await LocalDynamoDb.start();
  L = new LedgerFixture(h, ddb);
});
after(async () => {
  L.close();
  await Promise.all([h.close(), ddb.close()]);
});
beforeEach(() => {
  h.reset();
  ddb.fault(undefined);
  ddb.calls.length = 0;
});

/** A lease of the harness (remaining time 600 s) has surely expired this much later. */
const AFTER_LEASE = 3_600_000;

/** The S3 event of `key` with its ETag (as S3 sends it: unquoted), so the claim comes before GetObject. */
const eventWithEtag = (key: string): string => {
  const body = JSON.parse(h.s3Event(key));
  body.Records[0].s3.object.eTag = L.etag(key).replace(/"/g, '');
  return JSON.stringify(body);
};

const summaries = () => h.telemetry.logs.filter((l) => l.message === 'object summary');
const isClaim = (input: Record<string, unknown>) => input.ReturnValues === 'ALL_OLD';
const isFinish = (input: Record<string, unknown>) =>
  JSON.stringify(input.ExpressionAttributeValues ?? {}).includes('"done"') && !isClaim(input);

describe('ledger: duplicate and concurrent deliveries', () => {
  it('ingests an object once when its notification is delivered twice, and records exact accounting', async () => {
    // Prepare
    const key = logKey('twice');
    const bad = [7, 2_500];
    const blank = [10, 11];
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(3_000, bad, blank));
    // Act: the same notification, twice, one after the other
    await h.drive([h.s3Event(key)], () => L.deps({ owner: 'run-1' }));
    const writesFirst = L.writes();
    const first = h.telemetry;
    h.telemetry = captureTelemetry();
    const { responses } = await h.drive([h.s3Event(key)], () => L.deps({ owner: 'run-2' }));
    // Assess
    assertExactlyOnce(
      h.deliveredLines(),
      range(1, 3_000).filter((i) => !bad.includes(i) && !blank.includes(i)),
    );
    assert.equal(first.metrics.ObjectsIngested, 1);
    assert.equal(h.telemetry.metrics.ObjectsAlreadyDone, 1);
    assert.equal(h.telemetry.metrics.ObjectsIngested, undefined);
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    const entry = await L.entry(key);
    assertDoneAccounting(entry, 3_000, bad, blank);
    assert.equal(entry!.runs, 1);
    // Every rejects key is recorded and holds the rejects; together they hold each rejected line once
    assert.ok(entry!.accounting.rejectsKeys.length >= 1);
    assert.deepEqual(entry!.accounting.rejectsKeys.slice().sort(), h.s3.keys(LAKE_BUCKET, 'rejects/').slice().sort());
    assert.deepEqual(
      storedRejects(h.s3, LAKE_BUCKET)
        .map((r) => r.line)
        .sort((a, b) => a - b),
      bad,
    );
    // Writes: claim + checkpoints (3,000 lines, one every 1,000 settled) + finish
    assert.ok(writesFirst >= 3 && writesFirst <= 5, `ledger writes for one object: ${writesFirst}`);
    assert.equal(first.metrics.CheckpointsPersisted, writesFirst - 2);
    process.stdout.write(`# ledger writes for a 3,000-line object, checkpoint every 1,000 lines: ${writesFirst}\n`);
  });

  it('lets one of two concurrent invocations ingest the object; the other defers until the lease expires', async () => {
    // Prepare: big enough that the first claim is held while the second invocation asks
    const key = logKey('concurrent');
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(20_000));
    const event = (id: string) => ({ Records: [{ ...h.record(h.s3Event(key)), messageId: id }] });
    // Act: two invocations at once
    const [a, b] = await Promise.all([
      processBatch(event('a'), L.deps({ owner: 'inv-a' })),
      processBatch(event('b'), L.deps({ owner: 'inv-b' })),
    ]);
    // Assess: both messages handled; one continuation (the busy one) delayed to about the lease's end
    assert.deepEqual([a.batchItemFailures, b.batchItemFailures], [[], []]);
    assert.equal(h.telemetry.metrics.ObjectsBusy, 1);
    assert.equal(h.telemetry.metrics.ObjectsIngested, 1);
    const sent = h.sqs.sent(QUEUE);
    assert.equal(sent.length, 1, 'only the busy object has a continuation');
    // The harness lease: 600 s remaining + 5 s skew; capped at SQS's 900 s either way
    assert.ok(sent[0]!.delaySeconds >= 600 && sent[0]!.delaySeconds <= 607, `delay ${sent[0]!.delaySeconds}`);
    // The continuation, delivered later: the ledger says done, nothing is read
    const { responses } = await h.drive(h.takeNewMessages(), () => L.deps({ owner: 'inv-c' }));
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    assert.equal(h.telemetry.metrics.ObjectsAlreadyDone, 1);
    assertExactlyOnce(h.deliveredLines(), range(1, 20_000));
    assertDoneAccounting(await L.entry(key), 20_000, [], []);
  });
});

describe('ledger: failures of the ledger itself', () => {
  it('reads nothing while the claim is throttled, then finishes the object once the ledger answers', async () => {
    const key = logKey('claim-throttled');
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(2_000));
    ddb.fault(() => dynamoFaults.throttle());
    const first = await processBatch({ Records: [h.record(eventWithEtag(key))] }, L.deps({ owner: 'r1' }));
    // Nothing read or sent; a continuation without progress, delayed by the normal backoff
    assert.deepEqual(first.batchItemFailures, []);
    assert.equal(h.firehose.texts('alb-stream').length, 0);
    assert.equal(h.s3.requests.filter((c) => c.operation === 'GetObject').length, 0, 'claim before read');
    assert.ok((h.telemetry.metrics.LedgerErrors ?? 0) >= 1);
    const [c] = h.sqs.sent(QUEUE);
    assert.equal(JSON.parse(c!.body).attemptsWithoutProgress, 1);
    assert.equal(c!.delaySeconds, 30);
    // The fault clears: the continuation finishes it
    ddb.fault(undefined);
    await h.drive(h.takeNewMessages(), () => L.deps({ owner: 'r2' }));
    assertExactlyOnce(h.deliveredLines(), range(1, 2_000));
    assertDoneAccounting(await L.entry(key), 2_000, [], []);
  });

  it('dead-letters with its position once the attempt budget is spent while the ledger keeps failing', async () => {
    const key = logKey('claim-down');
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(500));
    ddb.fault(() => dynamoFaults.internal());
    const { responses } = await h.drive([h.s3Event(key)], (round) => L.deps({ owner: `r${round}` }), 10);
    // maxAttemptsWithoutProgress = 3 in the harness: three continuations, then the last one fails
    const last = responses[responses.length - 1]!;
    assert.equal(last.batchItemFailures.length, 1, 'the message goes to the dead-letter queue');
    assert.equal(h.firehose.texts('alb-stream').length, 0);
    ddb.fault(undefined);
    assert.equal(await L.entry(key), undefined, 'nothing recorded, nothing marked done');
  });

  it('keeps streaming while checkpoints fail; a failed finish fails the message and the redelivery finishes it', async () => {
    const key = logKey('finish-fails');
    const bad = [3, 4_000];
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(6_000, bad));
    // Every write after the claim fails: checkpoints (500s) and the finish
    ddb.fault((call) =>
      call.operation === 'UpdateItem' && !isClaim(call.input) ? dynamoFaults.internal() : undefined,
    );
    const event = { Records: [h.record(h.s3Event(key))] };
    const first = await processBatch(event, L.deps({ owner: 'r1' }));
    assert.equal(first.batchItemFailures.length, 1, 'the message fails: SQS redelivers it');
    assert.ok((h.telemetry.metrics.LedgerErrors ?? 0) >= 3, 'checkpoint and finish failures counted');
    assert.equal(h.telemetry.metrics.CheckpointsPersisted, undefined);
    assert.equal((await L.entry(key))?.state, 'in-progress', 'never done while the ledger does not say so');
    // Redelivery after the lease expired, the ledger healthy: from the last persisted checkpoint (none: line 1)
    ddb.fault(undefined);
    const again = await processBatch(event, L.deps({ owner: 'r2', clockShiftMs: AFTER_LEASE }));
    assert.deepEqual(again.batchItemFailures, []);
    const good = range(1, 6_000).filter((i) => !bad.includes(i));
    assert.deepEqual(
      [...new Set(h.deliveredLines())].sort((a, b) => a - b),
      good,
      'no line lost',
    );
    assertDoneAccounting(await L.entry(key), 6_000, bad, []);
    assert.equal(h.telemetry.metrics.ObjectsTakenOver, 1);
  });

  it('times out a hanging ledger: nothing read, and the next delivery finishes the object', async () => {
    const key = logKey('hang');
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(1_000));
    ddb.fault(() => dynamoFaults.hang());
    const started = Date.now();
    const first = await processBatch({ Records: [h.record(h.s3Event(key))] }, L.deps({ owner: 'r1' }));
    assert.ok(Date.now() - started < 8_000, 'the claim ended by its timeouts');
    assert.deepEqual(first.batchItemFailures, []);
    assert.equal(h.firehose.texts('alb-stream').length, 0);
    ddb.fault(undefined);
    await h.drive(h.takeNewMessages(), () => L.deps({ owner: 'r2' }));
    assertExactlyOnce(h.deliveredLines(), range(1, 1_000));
    assertDoneAccounting(await L.entry(key), 1_000, [], []);
  });

  it('keeps streaming through checkpoint throttling without losing a line; finish then succeeds', async () => {
    const key = logKey('cp-throttle');
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(5_000));
    ddb.fault((call) =>
      call.operation === 'UpdateItem' && !isClaim(call.input) && !isFinish(call.input)
        ? dynamoFaults.throttle()
        : undefined,
    );
    await h.drive([h.s3Event(key)], () => L.deps({ owner: 'r1' }));
    assertExactlyOnce(h.deliveredLines(), range(1, 5_000));
    assert.ok((h.telemetry.metrics.LedgerErrors ?? 0) >= 1);
    assertDoneAccounting(await L.entry(key), 5_000, [], []);
  });
});

describe('ledger: takeover, redrive, new versions and skips', () => {
  it('takes over an expired lease and resumes from the persisted checkpoint, not line 1', async () => {
    const key = logKey('takeover');
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(8_000, [5_000]));
    // Run 1 stops by its time budget after a few chunks, and its release is lost (as if it was killed there)
    let chunks = 0;
    ddb.fault((call) =>
      call.operation === 'UpdateItem' && JSON.stringify(call.input).includes('"cause"') && !isClaim(call.input)
        ? dynamoFaults.internal()
        : undefined,
    );
    const run1 = L.deps({
      owner: 'r1',
      deps: { remainingMs: () => (chunks++ < 60 ? 600_000 : 4_000) },
    });
    await processBatch({ Records: [h.record(h.s3Event(key))] }, run1);
    const held = await L.entry(key);
    assert.equal(held?.state, 'in-progress');
    assert.equal(held?.owner, 'r1', 'the lease was not released');
    const checkpoint = held!.checkpoint.resumeAfterLine;
    assert.ok(checkpoint > 0, `a checkpoint was persisted (${checkpoint})`);
    // Run 2, after the lease expired, with run 1's continuation (its position is ahead of the ledger's)
    ddb.fault(undefined);
    const before = h.deliveredLines().length;
    await h.drive(h.takeNewMessages(), () => L.deps({ owner: 'r2', clockShiftMs: AFTER_LEASE }));
    assert.equal(h.telemetry.metrics.ObjectsTakenOver, 1);
    const resumed = summaries().at(-1)!.fields.ledger as Record<string, unknown>;
    assert.equal(resumed.claim, 'takeover');
    assert.equal(resumed.resumedFrom, 'ledger');
    assert.equal(resumed.resumeAfterLine, checkpoint);
    const run2Lines = h.deliveredLines().slice(before);
    assert.ok(Math.min(...run2Lines) > checkpoint, 'run 2 sent nothing at or before the checkpoint');
    const good = range(1, 8_000).filter((i) => i !== 5_000);
    assert.deepEqual(
      [...new Set(h.deliveredLines())].sort((a, b) => a - b),
      good,
    );
    assertDoneAccounting(await L.entry(key), 8_000, [5_000], []);
  });

  it('stops at once when the lease is lost mid-stream, and writes nothing more to the ledger', async () => {
    const key = logKey('lease-lost');
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(20_000));
    h.firehose.behave(() => firehoseFaults.slow(20));
    const run = processBatch({ Records: [h.record(h.s3Event(key))] }, L.deps({ owner: 'a' }));
    // Once run a persisted a checkpoint, run b takes the object over (as if a's lease had expired)
    for (;;) {
      const e = await L.entry(key);
      if ((e?.checkpoint.resumeAfterLine ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const taken = await L.ledger(AFTER_LEASE).claim(L.version(key), {
      owner: 'b',
      leaseUntil: Date.now() + AFTER_LEASE * 2,
    });
    assert.equal(taken.kind === 'claimed' && taken.takeover, true);
    const takenAt = ddb.calls.length;
    const response = await run;
    // Run a stopped: a transient cause, its continuation enqueued; the entry is b's, untouched by a since
    assert.deepEqual(response.batchItemFailures, []);
    const summary = summaries().at(-1)!.fields;
    assert.equal((summary.ledger as Record<string, unknown>).leaseLost, true);
    assert.match(String(summary.stoppedBecause), /^lease-lost: /);
    assert.ok(h.deliveredLines().length < 20_000, 'stopped before the end');
    const after = ddb.calls.slice(takenAt).filter((c) => c.operation === 'UpdateItem');
    assert.deepEqual(
      after.map((c) => c.errorCode),
      ['ConditionalCheckFailedException'],
      'only the checkpoint that found the lease lost',
    );
    const entry = await L.entry(key);
    assert.deepEqual([entry?.state, entry?.owner], ['in-progress', 'b']);
    assert.equal(h.sqs.sent(QUEUE).length, 1);
  });

  it('records a given-up object failed, and a redrive claims it again from its checkpoint', async () => {
    const key = logKey('redrive');
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(6_000));
    // Firehose is denied after the first 6 calls: a permanent error mid-object
    h.firehose.behave((call) => (call.seq >= 6 ? firehoseFaults.error('AccessDeniedException', 400) : undefined));
    const { responses } = await h.drive([h.s3Event(key)], (round) => L.deps({ owner: `r${round}` }));
    assert.equal(responses.at(-1)!.batchItemFailures.length, 1, 'dead-lettered');
    const failed = await L.entry(key);
    assert.equal(failed?.state, 'failed');
    assert.ok(failed!.checkpoint.resumeAfterLine >= 1_000, 'its checkpoint is kept');
    assert.equal(failed!.firstUndeliveredLine, failed!.checkpoint.resumeAfterLine + 1);
    // Redrive (the dead-lettered message) once Firehose is fixed: resumes from the ledger's checkpoint
    h.firehose.behave(undefined);
    const dead = h.sqs.sent(QUEUE).at(-1)!.body;
    const before = h.deliveredLines().length;
    await h.drive([dead], () => L.deps({ owner: 'redrive' }));
    const redriven = h.deliveredLines().slice(before);
    assert.equal(Math.min(...redriven), failed!.checkpoint.resumeAfterLine + 1);
    assertExactlyOnce(h.deliveredLines(), range(1, 6_000));
    assertDoneAccounting(await L.entry(key), 6_000, [], []);
  });

  it('starts a changed object (new ETag) as a new entry from line 1, and records the old version replaced', async () => {
    const key = logKey('changed');
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(4_000));
    const oldEtag = L.etag(key);
    let chunks = 0;
    await processBatch(
      { Records: [h.record(h.s3Event(key))] },
      L.deps({ owner: 'r1', deps: { remainingMs: () => (chunks++ < 10 ? 600_000 : 4_000) } }),
    );
    assert.equal((await L.entry(key, oldEtag))?.state, 'in-progress');
    // The object is replaced before its continuation runs
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(1_500, [2]));
    const before = h.deliveredLines().length;
    await h.drive(h.takeNewMessages(), () => L.deps({ owner: 'r2' }));
    assert.equal(h.telemetry.metrics.ObjectsRestarted, 1);
    const newLines = h.deliveredLines().slice(before);
    assertExactlyOnce(
      newLines,
      range(1, 1_500).filter((i) => i !== 2),
    );
    const entries = (await L.folder(key)).filter((e) => e.key === key);
    assert.equal(entries.length, 2);
    const old = entries.find((e) => e.etag === oldEtag.replace(/"/g, ''));
    assert.equal(old?.state, 'skipped');
    assert.match(old?.reason ?? '', /replaced/);
    assertDoneAccounting(await L.entry(key), 1_500, [2], []);
  });

  it('records skips with their reasons: not an ELB log file, empty, missing', async () => {
    const folder = logKey('x').slice(0, logKey('x').lastIndexOf('/') + 1);
    const conn = `${folder}notes-not-a-log.txt`;
    const empty = logKey('empty');
    const missing = logKey('missing');
    h.s3.putObject(LOG_BUCKET, empty, Buffer.alloc(0));
    const body = JSON.stringify({
      Records: [conn, empty, missing].map((key, i) => ({
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: LOG_BUCKET },
          object: { key, ...(i === 1 ? { size: 0 } : {}), eTag: `etag${i}` },
        },
      })),
    });
    const { responses } = await h.drive([body], () => L.deps({ owner: 'r1' }));
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    const entries = await L.folder(empty);
    const reasons = Object.fromEntries(entries.map((e) => [e.key.slice(folder.length), `${e.state}: ${e.reason}`]));
    assert.equal(reasons[empty.slice(folder.length)], 'skipped: empty');
    assert.equal(reasons[missing.slice(folder.length)], 'skipped: missing');
    assert.equal(reasons[conn.slice(folder.length)], 'skipped: not-an-elb-log');
  });
});

describe('ledger: re-ingest after a parser fix (backfill --reingest)', () => {
  it('ingests a done object again from line 1 and records it done again with exact accounting', async () => {
    // Prepare: the object is ingested and done
    const key = logKey('reingest');
    const bad = [3];
    h.s3.putObject(LOG_BUCKET, key, timedLogObject(1_200, bad));
    await h.drive([h.s3Event(key)], () => L.deps({ owner: 'run-1' }));
    const good = range(1, 1_200).filter((i) => !bad.includes(i));
    assertExactlyOnce(h.deliveredLines(), good);
    // Act: a re-ingest message, then a plain duplicate notification
    const reingest = JSON.parse(eventWithEtag(key));
    reingest.Records[0].eventName = REINGEST_EVENT_NAME;
    h.telemetry = captureTelemetry();
    const { responses } = await h.drive([JSON.stringify(reingest)], () => L.deps({ owner: 'run-2' }));
    const afterReingest = h.deliveredLines().slice();
    h.telemetry = captureTelemetry();
    await h.drive([h.s3Event(key)], () => L.deps({ owner: 'run-3' }));
    // Assess: every line delivered exactly twice (once per ingest), nothing by the duplicate notification
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    const counts = new Map<number, number>();
    for (const line of afterReingest) counts.set(line, (counts.get(line) ?? 0) + 1);
    assert.deepEqual(
      good.filter((i) => counts.get(i) !== 2),
      [],
    );
    assert.equal(afterReingest.length, good.length * 2);
    assert.equal(h.deliveredLines().length, afterReingest.length);
    assert.equal(h.telemetry.metrics.ObjectsAlreadyDone, 1);
    const entry = await L.entry(key);
    assertDoneAccounting(entry, 1_200, bad, []);
    assert.equal(entry!.runs, 2);
  });
});

/** Pure parts of the ingest handler's failure model: positions, rejects keys, samples, stop causes and decisions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideMessage, delayFor, type Unfinished } from '../../../lambda/ingest/decide';
import {
  decodeMessageBody,
  encodeContinuation,
  MalformedMessageError,
  normalisePosition,
  undeliveredRanges,
} from '../../../lambda/ingest/messages';
import { MAX_S3_KEY_BYTES, rejectsKey, utf8Head } from '../../../lambda/ingest/rejects-sink';
import { allTransient, type StopCause } from '../../../lambda/ingest/stop-causes';
import { SAMPLE_RAW_CHARS, sampleOf } from '../../../lambda/ingest/summary';

const continuation = (fields: Record<string, unknown>) =>
  JSON.stringify({
    type: 'alb-iceberg/continuation',
    version: 1,
    bucket: 'b',
    key: 'k',
    resumeAfterLine: 0,
    doneRanges: [],
    attemptsWithoutProgress: 0,
    continuations: 1,
    ...fields,
  });

describe('continuation positions (item 8)', () => {
  it('sorts, merges and folds done ranges into the checkpoint on decode', () => {
    const decoded = decodeMessageBody(
      continuation({
        doneRanges: [
          [10, 20],
          [1, 5],
          [21, 22],
          [30, 31],
        ],
      }),
    );
    assert.equal(decoded.kind, 'work');
    const [work] = decoded.kind === 'work' ? decoded.objects : [];
    assert.deepEqual(
      [work!.resumeAfterLine, work!.doneRanges],
      [
        5,
        [
          [10, 22],
          [30, 31],
        ],
      ],
    );
  });

  it('drops ranges at or before the checkpoint and clips one that straddles it', () => {
    assert.deepEqual(
      normalisePosition(50, [
        [3, 9],
        [40, 55],
        [70, 80],
      ]),
      { resumeAfterLine: 55, doneRanges: [[70, 80]] },
    );
    assert.deepEqual(normalisePosition(50, [[60, 61]]), { resumeAfterLine: 50, doneRanges: [[60, 61]] });
  });

  it('refuses overlapping ranges, line 0 and reversed ranges with a clear error', () => {
    for (const doneRanges of [
      [
        [1, 5],
        [4, 8],
      ],
      [[0, 3]],
      [[9, 2]],
    ]) {
      assert.throws(
        () => decodeMessageBody(continuation({ resumeAfterLine: 0, doneRanges })),
        (e: Error) => e instanceof MalformedMessageError && /invalid continuation/.test(e.message),
      );
    }
  });

  it('writes the first undelivered line and the undelivered ranges into every continuation', () => {
    const body = JSON.parse(
      encodeContinuation({
        bucket: 'b',
        key: 'k',
        resumeAfterLine: 3,
        doneRanges: [
          [4, 6],
          [10, 12],
        ],
        attemptsWithoutProgress: 0,
        continuations: 1,
      }),
    );
    assert.deepEqual([body.resumeAfterLine, body.firstUndeliveredLine], [6, 7]);
    assert.deepEqual(body.undeliveredRanges, [
      [7, 9],
      [13, null],
    ]);
    assert.deepEqual(undeliveredRanges({ resumeAfterLine: 0, doneRanges: [] }), [[1, null]]);
  });
});

describe('S3 event records (item 10)', () => {
  const rec = (key: string, eventName?: string, bucket = 'b') => ({
    ...(eventName ? { eventName } : {}),
    s3: { bucket: { name: bucket }, object: { key } },
  });

  it('keeps each (bucket, key) once and only ObjectCreated (or unnamed) events', () => {
    const body = JSON.stringify({
      Records: [
        rec('a', 'ObjectCreated:Put'),
        rec('a', 'ObjectCreated:CompleteMultipartUpload'),
        rec('a', 'ObjectCreated:Put', 'other-bucket'),
        rec('gone', 'ObjectRemoved:Delete'),
        rec('c'),
        rec('d', 'ObjectCreated:Backfill'),
      ],
    });
    const d = decodeMessageBody(body);
    assert.ok(d.kind === 'work');
    assert.deepEqual(
      d.objects.map((o) => `${o.bucket}/${o.key}`),
      ['b/a', 'other-bucket/a', 'b/c', 'b/d'],
    );
    assert.deepEqual(
      d.ignored.map((r) => [r.index, r.why, r.eventName]),
      [
        [1, 'duplicate', undefined],
        [3, 'event', 'ObjectRemoved:Delete'],
      ],
    );
  });
});

describe('rejects keys (items 1, 5)', () => {
  const at = { bucket: 'lake', prefix: 'rejects/' };

  it('names a segment after its first line and its run, so retries overwrite and the next run does not', () => {
    assert.equal(
      rejectsKey(at, 'logs', 'a/b.log.gz', { fromLine: 1, run: 0 }),
      'rejects/logs/a/b.log.gz.from-line-1.run-0.ndjson.gz',
    );
    assert.notEqual(
      rejectsKey(at, 'logs', 'k', { fromLine: 1, run: 1 }),
      rejectsKey(at, 'logs', 'k', { fromLine: 1, run: 0 }),
    );
  });

  it('stays within 1,024 UTF-8 bytes, deterministic and distinct for long keys', () => {
    const long = (c: string) => `${'€'.repeat(400)}${c}`;
    const a = rejectsKey(at, 'logs', long('a'), { fromLine: 7, run: 3 });
    const b = rejectsKey(at, 'logs', long('b'), { fromLine: 7, run: 3 });
    assert.ok(Buffer.byteLength(a) <= MAX_S3_KEY_BYTES && Buffer.byteLength(b) <= MAX_S3_KEY_BYTES);
    assert.notEqual(a, b);
    assert.equal(a, rejectsKey(at, 'logs', long('a'), { fromLine: 7, run: 3 }));
    assert.match(a, /^rejects\/logs\/€+~[0-9a-f]{64}\.from-line-7\.run-3\.ndjson\.gz$/);
    assert.equal(utf8Head('a€b', 3), 'a');
  });
});

describe('samples and stop causes (items 6, 7)', () => {
  it('cuts a sample raw line and keeps its length', () => {
    const s = sampleOf({ file: 'f', line: 3, reason: 'r', raw: 'x'.repeat(500_000) });
    assert.equal(s.raw.length, SAMPLE_RAW_CHARS + 1);
    assert.equal(s.rawChars, 500_000);
    assert.equal(sampleOf({ file: 'f', line: 1, reason: 'r', raw: 'short' }).rawChars, undefined);
  });

  it('is permanent when any cause is', () => {
    const time: StopCause = { kind: 'time-budget', message: 't', transient: true };
    const denied: StopCause = { kind: 'rejects-write', message: 'AccessDenied', transient: false };
    assert.equal(allTransient([time]), true);
    assert.equal(allTransient([time, denied]), false);
  });
});

describe('decideMessage (item 12)', () => {
  const unfinished = (o: { progress?: boolean; transient?: boolean; attempts?: number }): Unfinished => ({
    status: 'unfinished',
    progress: o.progress ?? false,
    transient: o.transient ?? true,
    causes: [{ kind: 'firehose', message: 'x', transient: o.transient ?? true }],
    error: 'x',
    continuation: {
      bucket: 'b',
      key: 'k',
      resumeAfterLine: 0,
      doneRanges: [],
      attemptsWithoutProgress: o.attempts ?? 1,
      continuations: 1,
    },
  });
  const decide = (objectCount: number, outcomes: Parameters<typeof decideMessage>[0]['outcomes'], receiveCount = 1) =>
    decideMessage({ objectCount, outcomes, receiveCount, maxAttemptsWithoutProgress: 3 });

  it('delays a busy object (another run holds its lease) until about the lease expires, capped at 900 s', () => {
    const busy = (retryAfterSeconds: number, attempts = 2): Unfinished => ({
      ...unfinished({ attempts }),
      deferred: true,
      retryAfterSeconds,
      causes: [{ kind: 'busy', message: 'held', transient: true }],
    });
    const delays = [busy(42.2), busy(1), busy(3_600), busy(0.4)].map((o) => {
      const d = decide(1, [o], 4);
      assert.ok(d.kind === 'continue', 'never failed: a deferral counts no attempt');
      return [d.continuations[0]!.delaySeconds, d.continuations[0]!.continuation.attemptsWithoutProgress];
    });
    // Rounded up to whole seconds; the attempt count is not raised by the earlier receives either
    assert.deepEqual(delays, [
      [43, 2],
      [1, 2],
      [900, 2],
      [1, 2],
    ]);
    // Without a lease hint, a deferral is retried at once, as before
    assert.equal(delayFor({ ...busy(5), retryAfterSeconds: undefined } as Unfinished, false), 0);
  });

  it('acknowledges a message whose objects all finished', () => {
    assert.deepEqual(decide(2, [{ status: 'done' }, { status: 'skipped', reason: 'empty' }]), { kind: 'ack' });
  });

  it('fails a one-object message only when nothing moved and the object is given up', () => {
    assert.equal(decide(1, [unfinished({ transient: false })]).kind, 'fail');
    assert.equal(decide(1, [unfinished({ attempts: 3 })]).kind, 'fail');
    assert.equal(decide(1, [unfinished({ attempts: 1 })]).kind, 'continue');
  });

  it('never fails a message after progress: one continuation, without delay, that dead-letters itself next time', () => {
    const d = decide(1, [unfinished({ progress: true, transient: false })]);
    assert.ok(d.kind === 'continue');
    assert.deepEqual(
      d.continuations.map((c) => [c.givenUp, c.delaySeconds]),
      [[true, 0]],
    );
  });

  it('continues each unfinished object of a several-object message instead of failing the others', () => {
    const d = decide(3, [{ status: 'done' }, unfinished({ transient: false }), unfinished({ attempts: 1 })]);
    assert.ok(d.kind === 'continue');
    assert.deepEqual(
      d.continuations.map((c) => [c.givenUp, c.delaySeconds]),
      [
        [true, 0],
        [false, 30],
      ],
    );
  });

  it('carries failed receives into the attempt count', () => {
    const d = decide(2, [unfinished({ attempts: 1 }), { status: 'done' }], 3);
    assert.ok(d.kind === 'continue');
    assert.equal(d.continuations[0]!.continuation.attemptsWithoutProgress, 3);
    assert.equal(d.continuations[0]!.givenUp, true);
  });
});

/** The messages backfill, reconcile and the check send for existing objects, and the sender's rate limit and retries. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  backfillMessageBody,
  encodeEventKey,
  isTransientSqsError,
  RateLimiter,
} from '../../../lambda/enqueue/message-sender';
import { decodeMessageBody } from '../../../lambda/ingest/messages';
import { decodeEventKey } from '../../../lambda/s3/log-key';
import { accessKeyOfDay } from '../../support/elb-keys';

const BUCKET = 'logs';
const ACCT = '111122223333';

const key = (day: string, n: number, region?: string, account = ACCT) => accessKeyOfDay(day, n, region, account);

describe('backfill messages', () => {
  it('encodes keys as S3 notifications do: per segment, spaces as +', () => {
    assert.equal(encodeEventKey('a b/c+d/é?#.log'), 'a+b/c%2Bd/%C3%A9%3F%23.log');
    assert.equal(encodeEventKey('plain/key.log.gz'), 'plain/key.log.gz');
  });

  it('round-trips any key through the ingest handler decoding', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (k) => {
        assert.equal(decodeEventKey(encodeEventKey(k)), k);
      }),
    );
  });

  it('is a message the ingest handler decodes into the object, with its size and ETag (the ledger claims it)', () => {
    const k = `my logs/${key('2026-11-21', 1)}`;
    const body = backfillMessageBody(
      BUCKET,
      { key: k, size: 1234, etag: '"abc"', lastModified: undefined },
      new Date(0),
    );
    const decoded = decodeMessageBody(body);
    assert.equal(decoded.kind, 'work');
    assert.deepEqual(decoded.kind === 'work' ? decoded.objects : [], [
      {
        bucket: BUCKET,
        key: k,
        size: 1234,
        eventEtag: 'abc',
        resumeAfterLine: 0,
        doneRanges: [],
        attemptsWithoutProgress: 0,
        continuations: 0,
      },
    ]);
    const record = JSON.parse(body).Records[0];
    assert.equal(record.eventName, 'ObjectCreated:Backfill');
    assert.equal(record.eventSource, 'aws:s3');
    assert.equal(record.s3.object.eTag, 'abc');
  });
});

describe('RateLimiter', () => {
  it('spaces sends to the rate on average, without waiting for the first', async () => {
    let clock = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter(
      20,
      () => clock,
      async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    );
    for (let i = 0; i < 5; i++) await limiter.take(10);
    assert.deepEqual(waits, [500, 500, 500, 500]);
    clock += 10_000;
    await limiter.take(10);
    assert.equal(waits.length, 4, 'no wait after an idle period');
  });
});

describe('SQS errors', () => {
  it('classifies SQS errors', () => {
    const err = (name: string, status?: number) =>
      Object.assign(new Error('x'), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
    assert.equal(isTransientSqsError(err('RequestThrottled', 403)), true);
    assert.equal(isTransientSqsError(err('InternalError', 500)), true);
    assert.equal(isTransientSqsError(err('Error')), true, 'no status: a network failure');
    assert.equal(isTransientSqsError(err('QueueDoesNotExist', 400)), false);
    assert.equal(isTransientSqsError(err('AccessDenied', 403)), false);
  });
});

/**
 * The two batch senders on the shared retry (lambda/aws/retry.ts): the Firehose sender and the SQS message sender
 * back off on the full-jitter schedule, retry only what failed, stop at once on a final error, and never sleep past
 * their time. Real SDK clients against the local peers, with SDK retries off so the senders' own retries are seen.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SQSClient } from '@aws-sdk/client-sqs';
import { backoffCeilingMs } from '../../../lambda/aws/retry';
import { MessageSender } from '../../../lambda/enqueue/message-sender';
import type { OutgoingRecord } from '../../../lambda/ingest/batcher';
import { FirehoseSender, type SenderOptions } from '../../../lambda/ingest/firehose-sender';
import type { ListedObject } from '../../../lambda/inventory/s3-objects';
import { testClientConfig } from '../../support/aws-env';
import { firehoseFaults, LocalFirehose } from '../../support/local-firehose';
import { LocalSqs } from '../../support/local-sqs';

/** A fake clock that the sleeps advance, recording each delay. */
function fakeTime(start = 1_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

const record = (lineNumber: number): OutgoingRecord => ({
  lineNumber,
  data: Buffer.from(JSON.stringify({ line: lineNumber })),
});

describe('FirehoseSender on retryWithBackoff', () => {
  let firehose: LocalFirehose;
  let client: FirehoseClient;
  before(async () => {
    firehose = await LocalFirehose.start({ streams: ['logs'] });
    client = new FirehoseClient(testClientConfig(firehose.endpoint, { maxAttempts: 1 }));
  });
  after(() => firehose.close());
  beforeEach(() => firehose.reset());

  /** Sends one batch of lines 1..n; returns each line's fate, the stats and the first failure. */
  async function send(n: number, options: Partial<SenderOptions> & { time?: ReturnType<typeof fakeTime> } = {}) {
    const time = options.time ?? fakeTime();
    const settled = new Map<number, boolean>();
    const sender = new FirehoseSender(
      client,
      {
        streamName: 'logs',
        maxInFlight: 1,
        retryBudgetMs: 60_000,
        deadline: () => time.now() + 600_000,
        backoffBaseMs: 100,
        backoffCapMs: 1000,
        random: () => 0.5,
        now: time.now,
        sleep: time.sleep,
        ...options,
      },
      (line, acked) => settled.set(line, acked),
    );
    await sender.submit({ records: Array.from({ length: n }, (_, i) => record(i + 1)), bytes: 0 });
    await sender.drain();
    return { settled, stats: sender.stats, failure: sender.failure, sleeps: time.sleeps };
  }

  it('re-sends only the entries a 200 response failed, backing off between attempts', async () => {
    firehose.script(
      firehoseFaults.failEntries([1, 3]),
      firehoseFaults.failEntries([0], 'InternalFailure'),
      firehoseFaults.throttle(),
    );
    const r = await send(5);
    assert.deepEqual(
      firehose.calls.map((c) => [c.entries, c.failedPutCount, c.errorCode]),
      [
        [5, 2, undefined],
        [2, 1, undefined],
        [1, 0, 'ServiceUnavailableException'],
        [1, 0, undefined],
      ],
    );
    assert.deepEqual(
      firehose.texts('logs').map((t) => JSON.parse(t).line),
      [1, 3, 5, 4, 2],
    );
    assert.ok([...r.settled.values()].every((acked) => acked));
    assert.equal(r.settled.size, 5);
    // Full jitter at random 0.5: half of 100, 200, 400.
    assert.deepEqual(r.sleeps, [50, 100, 200]);
    assert.deepEqual(r.stats, { calls: 4, recordsAcked: 5, retries: 3, throttles: 3 });
    assert.equal(r.failure, undefined);
  });

  it('gives up when the next delay would pass the budget: the entries still failing are unacknowledged', async () => {
    firehose.behave(() => firehoseFaults.failEntries([0]));
    // random 1: delays 100, 200, 400, 800, 1000 ... ; a budget of 1000 ms allows 100 + 200 + 400 (700), not 800.
    const r = await send(3, { retryBudgetMs: 1000, random: () => 1 });
    assert.deepEqual(r.sleeps, [100, 200, 400]);
    assert.equal(firehose.calls.length, 4);
    assert.deepEqual([...r.settled].sort(), [
      [1, false],
      [2, true],
      [3, true],
    ]);
    assert.deepEqual(r.failure, { message: 'ServiceUnavailableException: Slow down.', transient: true });
  });

  it('never sleeps past the invocation deadline, even with budget left', async () => {
    firehose.behave(() => firehoseFaults.throttle());
    const time = fakeTime(0);
    const r = await send(2, { time, random: () => 1, deadline: () => 250 });
    assert.deepEqual(r.sleeps, [100], 'a second sleep (200) would end at 300');
    assert.ok(time.now() < 250);
    assert.equal(r.failure?.transient, true);
    assert.match(r.failure?.message ?? '', /ServiceUnavailableException/);
  });

  it('stops at once on a final error (a missing stream), with the cause, as not transient', async () => {
    firehose.script(firehoseFaults.error('ResourceNotFoundException', 400, 'Stream logs not found'));
    const r = await send(2);
    assert.equal(firehose.calls.length, 1);
    assert.deepEqual(r.sleeps, []);
    assert.deepEqual(r.failure, {
      message: 'ResourceNotFoundException (HTTP 400): Stream logs not found',
      transient: false,
    });
    assert.deepEqual([...r.settled.values()], [false, false]);
  });

  it('starts no call once the signal has fired: the entries are unacknowledged, transiently', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await send(2, { signal: controller.signal });
    assert.equal(firehose.calls.length, 0);
    assert.equal(r.failure?.transient, true);
    assert.match(r.failure?.message ?? '', /invocation deadline/);
  });
});

describe('MessageSender on retryWithBackoff', () => {
  let sqs: LocalSqs;
  let client: SQSClient;
  before(async () => {
    sqs = await LocalSqs.start({ queues: ['q'] });
    client = new SQSClient(testClientConfig(sqs.endpoint, { maxAttempts: 1 }));
  });
  after(() => sqs.close());
  beforeEach(() => {
    sqs.reset();
    sqs.createQueue('q');
  });

  const objects = (n: number): ListedObject[] =>
    Array.from({ length: n }, (_, i) => ({ key: `k${i}`, size: 1, lastModified: undefined, etag: undefined }));

  function sender(time: ReturnType<typeof fakeTime>, extra: { maxAttempts?: number; retryDeadline?: () => number }) {
    const counters = { batchCalls: 0, retries: 0 };
    const s = new MessageSender({
      sqs: client,
      queueUrl: sqs.queueUrl('q'),
      bucket: 'b',
      ratePerSecond: Number.POSITIVE_INFINITY,
      now: time.now,
      sleep: time.sleep,
      random: () => 0.5,
      counters,
      ...extra,
    });
    return { s, counters };
  }

  it('retries throttled calls and failed entries on the schedule (base 200 ms), then sends everything', async () => {
    sqs.script(
      { error: { code: 'RequestThrottled', status: 403 } },
      { failEntry: (i) => (i < 2 ? { code: 'InternalError' } : undefined) },
    );
    const time = fakeTime();
    const { s, counters } = sender(time, {});
    const r = await s.sendBatch(objects(5));
    assert.equal(r.failure, undefined);
    assert.equal(r.sent.length, 5);
    assert.equal(sqs.sent('q').length, 5);
    assert.deepEqual(time.sleeps, [100, 200]);
    assert.deepEqual(counters, { batchCalls: 3, retries: 5 + 2 });
  });

  it('gives up after maxAttempts, naming the last problem', async () => {
    sqs.behave(() => ({ error: { code: 'RequestThrottled', status: 403 } }));
    const time = fakeTime();
    const { s, counters } = sender(time, { maxAttempts: 3 });
    const r = await s.sendBatch(objects(2));
    assert.match(r.failure ?? '', /^2 message\(s\) still failing after 3 attempts: RequestThrottled/);
    assert.equal(counters.batchCalls, 3);
    assert.deepEqual(time.sleeps, [100, 200]);
  });

  it('does not retry a final error (the queue does not exist)', async () => {
    sqs.behave(() => ({ error: { code: 'QueueDoesNotExist' } }));
    const time = fakeTime();
    const { s, counters } = sender(time, {});
    const r = await s.sendBatch(objects(1));
    assert.match(r.failure ?? '', /^SendMessageBatch failed: .*QueueDoesNotExist/);
    assert.equal(counters.batchCalls, 1);
    assert.deepEqual(time.sleeps, []);
  });

  it('with a retry deadline (a Lambda caller), never sleeps past it', async () => {
    sqs.behave(() => ({ error: { code: 'RequestThrottled', status: 403 } }));
    const time = fakeTime(0);
    const { s, counters } = sender(time, { retryDeadline: () => 1000 });
    const r = await s.sendBatch(objects(1));
    // Delays at random 0.5: 100, 200, 400 (700 in all); the next, 800, would end at 1500.
    assert.deepEqual(time.sleeps, [100, 200, 400]);
    assert.ok(time.now() < 1000);
    assert.equal(counters.batchCalls, 4);
    assert.match(r.failure ?? '', /still failing after 4 attempts: RequestThrottled/);
    assert.ok(time.sleeps.every((d, i) => d <= backoffCeilingMs({ baseMs: 200, capMs: 10_000 }, i + 1)));
  });
});

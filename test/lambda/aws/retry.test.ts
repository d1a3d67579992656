/** retryWithBackoff: the full-jitter schedule, its bounds (attempts, time, signal) and what it retries. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceUnavailableException } from '@aws-sdk/client-firehose';
import { AccessDenied, NoSuchKey } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { backoffCeilingMs, type RetryOptions, retryWithBackoff } from '../../../lambda/aws/retry';

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
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const throttled = () => new ServiceUnavailableException({ $metadata: { httpStatusCode: 503 }, message: 'slow down' });

/** An operation failing with `error()` for its first `failures` attempts, then returning the attempt number. */
function failingFor(failures: number, error: () => unknown = throttled) {
  const calls: number[] = [];
  const op = async (attempt: number) => {
    calls.push(attempt);
    if (calls.length <= failures) throw error();
    return attempt;
  };
  return { op, calls };
}

describe('retryWithBackoff', () => {
  it('returns the first accepted value without sleeping', async () => {
    const time = fakeTime();
    const { op, calls } = failingFor(0);
    const r = await retryWithBackoff(op, { baseMs: 100, capMs: 5000, ...time });
    assert.deepEqual(r, { ok: true, value: 1, attempts: 1 });
    assert.deepEqual(calls, [1]);
    assert.deepEqual(time.sleeps, []);
  });

  it('sleeps random · min(cap, base · 2^(n-1)) after the n-th failure: the exponential schedule, capped', async () => {
    const time = fakeTime();
    const { op } = failingFor(7);
    const retried: [number, number][] = [];
    const r = await retryWithBackoff(op, {
      baseMs: 100,
      capMs: 1000,
      random: () => 0.5,
      onRetry: (attempt, delay) => retried.push([attempt, delay]),
      ...time,
    });
    assert.deepEqual(r, { ok: true, value: 8, attempts: 8 });
    // 100·2^(n-1) = 100, 200, 400, 800, then the cap 1000; half of each.
    assert.deepEqual(time.sleeps, [50, 100, 200, 400, 500, 500, 500]);
    assert.deepEqual(
      retried,
      time.sleeps.map((d, i) => [i + 1, d]),
    );
  });

  it('with random() at its extremes: no delay at 0, just under the ceiling near 1', async () => {
    for (const [random, expected] of [
      [0, [0, 0, 0]],
      [0.999, [99.9, 199.8, 399.6]],
    ] as const) {
      const time = fakeTime();
      await retryWithBackoff(failingFor(3).op, { baseMs: 100, capMs: 10_000, random: () => random, ...time });
      assert.deepEqual(
        time.sleeps.map((d) => Math.round(d * 10) / 10),
        expected,
      );
    }
  });

  it('stops at once, without sleeping, on an error the classification calls final', async () => {
    for (const error of [
      () => new AccessDenied({ $metadata: { httpStatusCode: 403 }, message: 'denied' }),
      () => new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'gone' }),
    ]) {
      const time = fakeTime();
      const { op, calls } = failingFor(5, error);
      const r = await retryWithBackoff(op, { baseMs: 100, capMs: 5000, ...time });
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.why, 'not-retryable');
      assert.equal(r.attempts, 1);
      assert.ok(!r.ok && r.last && 'error' in r.last && r.last.error instanceof Error);
      assert.deepEqual(calls, [1]);
      assert.deepEqual(time.sleeps, []);
    }
  });

  it('retries timeouts and resets (transient) by default', async () => {
    const time = fakeTime();
    const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const r = await retryWithBackoff(failingFor(2, reset).op, { baseMs: 10, capMs: 100, ...time });
    assert.deepEqual(r, { ok: true, value: 3, attempts: 3 });
    assert.equal(time.sleeps.length, 2);
  });

  it('a caller predicate replaces the classification', async () => {
    const time = fakeTime();
    const { op, calls } = failingFor(5);
    const r = await retryWithBackoff(op, { baseMs: 10, capMs: 100, retryError: () => false, ...time });
    assert.equal(!r.ok && r.why, 'not-retryable');
    assert.deepEqual(calls, [1]);
  });

  it('gives up after maxAttempts, with the last error, and sleeps one time fewer', async () => {
    const time = fakeTime();
    const { op, calls } = failingFor(100);
    const r = await retryWithBackoff(op, { baseMs: 10, capMs: 100, maxAttempts: 4, ...time });
    assert.equal(!r.ok && r.why, 'attempts');
    assert.equal(r.attempts, 4);
    assert.deepEqual(calls, [1, 2, 3, 4]);
    assert.equal(time.sleeps.length, 3);
  });

  it('retries a value the caller does not accept yet (a partial failure), handing it back when it gives up', async () => {
    const time = fakeTime();
    let left = 5;
    const r = await retryWithBackoff(
      async () => {
        left = Math.max(0, left - 2); // each attempt delivers two of the entries still failing
        return left;
      },
      { baseMs: 10, capMs: 100, retryValue: (n) => n > 0, ...time },
    );
    assert.deepEqual(r, { ok: true, value: 0, attempts: 3 });

    const stuck = await retryWithBackoff(async () => 'still failing', {
      baseMs: 10,
      capMs: 100,
      maxAttempts: 3,
      retryValue: () => true,
      ...fakeTime(),
    });
    assert.deepEqual(stuck, { ok: false, why: 'attempts', attempts: 3, last: { value: 'still failing' } });
  });

  it('never sleeps to or past giveUpAt: it gives up instead, before the delay', async () => {
    const time = fakeTime(0);
    const { op } = failingFor(100);
    // Delays with random 1: 100, 200, 400, 800: the clock reaches 100, 300, 700; the next (800) would end at 1500.
    const r = await retryWithBackoff(op, { baseMs: 100, capMs: 10_000, random: () => 1, giveUpAt: 1500, ...time });
    assert.equal(!r.ok && r.why, 'budget');
    assert.equal(r.attempts, 4);
    assert.deepEqual(time.sleeps, [100, 200, 400]);
    assert.ok(time.now() < 1500);
  });

  it('counts the time the attempts themselves take against giveUpAt', async () => {
    const time = fakeTime(0);
    const r = await retryWithBackoff(
      async () => {
        time.advance(900); // a slow call
        throw throttled();
      },
      { baseMs: 100, capMs: 100, random: () => 1, giveUpAt: 2000, ...time },
    );
    // 900 (call) + 100 (sleep) + 900 (call) = 1900; another 100 would end at 2000.
    assert.equal(!r.ok && r.why, 'budget');
    assert.equal(r.attempts, 2);
    assert.deepEqual(time.sleeps, [100]);
  });

  it('starts no attempt and no sleep once the signal has fired', async () => {
    const before = new AbortController();
    before.abort();
    const none = failingFor(0);
    const r0 = await retryWithBackoff(none.op, { baseMs: 10, capMs: 100, signal: before.signal, ...fakeTime() });
    assert.deepEqual(r0, { ok: false, why: 'aborted', attempts: 0 });
    assert.deepEqual(none.calls, []);

    const during = new AbortController();
    const time = fakeTime();
    const { op, calls } = failingFor(100, () => {
      if (calls.length === 2) during.abort();
      return throttled();
    });
    const r = await retryWithBackoff(op, { baseMs: 10, capMs: 100, signal: during.signal, ...time });
    assert.equal(!r.ok && r.why, 'aborted');
    assert.equal(r.attempts, 2);
    assert.deepEqual(calls, [1, 2]);
    assert.equal(time.sleeps.length, 1, 'the sleep after the aborted attempt is not taken');
  });

  it('sleeps for real with the default sleep', async () => {
    const started = performance.now();
    const r = await retryWithBackoff(failingFor(1).op, { baseMs: 30, capMs: 30, random: () => 1 });
    assert.equal(r.ok, true);
    assert.ok(performance.now() - started >= 25, 'about 30 ms slept');
  });
});

describe('retryWithBackoff (properties)', () => {
  const policy = fc.record({
    baseMs: fc.integer({ min: 1, max: 1000 }),
    capMs: fc.integer({ min: 1, max: 20_000 }),
    maxAttempts: fc.integer({ min: 1, max: 12 }),
    failures: fc.integer({ min: 0, max: 15 }),
    budgetMs: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
    randoms: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 16 }),
  });

  it('each delay is within [0, min(cap, base·2^(n-1))); attempts, sleeps and time stay inside their bounds', async () => {
    await fc.assert(
      fc.asyncProperty(policy, async (p) => {
        const start = 5_000;
        const time = fakeTime(start);
        let i = 0;
        const random = () => p.randoms[i++ % p.randoms.length]!;
        const { op, calls } = failingFor(p.failures);
        const giveUpAt = p.budgetMs === undefined ? undefined : start + p.budgetMs;
        const options: RetryOptions<number> = {
          baseMs: p.baseMs,
          capMs: p.capMs,
          maxAttempts: p.maxAttempts,
          random,
          ...(giveUpAt === undefined ? {} : { giveUpAt }),
          ...time,
        };
        const r = await retryWithBackoff(op, options);

        time.sleeps.forEach((d, n) => {
          assert.ok(d >= 0 && d < backoffCeilingMs(p, n + 1) + 1e-9, `delay ${d} after attempt ${n + 1}`);
          assert.ok(d <= p.capMs);
        });
        assert.ok(calls.length <= p.maxAttempts);
        assert.equal(r.attempts, calls.length);
        assert.equal(time.sleeps.length, calls.length - 1, 'one sleep between two attempts, none after the last');
        if (giveUpAt !== undefined) assert.ok(time.now() < giveUpAt || time.sleeps.length === 0);
        if (r.ok) {
          assert.equal(calls.length, p.failures + 1, 'succeeds on the first attempt that does not fail');
        } else {
          assert.ok(calls.length <= p.failures, 'gives up only while the operation still fails');
          if (r.why === 'attempts') assert.equal(calls.length, p.maxAttempts);
          if (r.why === 'budget') assert.ok(giveUpAt !== undefined);
          assert.notEqual(r.why, 'not-retryable', 'throttling is always retryable');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the ceilings double from base until they reach cap, and never shrink', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 100_000 }), (baseMs, capMs) => {
        const ceilings = Array.from({ length: 30 }, (_, n) => backoffCeilingMs({ baseMs, capMs }, n + 1));
        assert.equal(ceilings[0], Math.min(capMs, baseMs));
        for (let n = 1; n < ceilings.length; n++) {
          assert.ok(ceilings[n]! >= ceilings[n - 1]!);
          assert.ok(ceilings[n]! === capMs || ceilings[n] === 2 * ceilings[n - 1]!);
        }
        assert.equal(ceilings.at(-1), capMs);
      }),
    );
  });
});

/** deadline.ts: the budget figures derived from the safety margin, and the body guard (stall, deadline, backpressure). */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { deadlineSignal } from '../../../lambda/aws/client-config';
import {
  BodyTimeoutError,
  bodyStallMs,
  dataCallsEndMs,
  ingestClientTimeouts,
  messageCallsEndMs,
  s3ClientTimeouts,
  withDeadline,
} from '../../../lambda/ingest/deadline';

describe('deadline: budget', () => {
  it('derives the figures from the default 20 s margin so the continuation still fits after an abort', () => {
    const t = ingestClientTimeouts(20_000);
    assert.deepEqual(t, { connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000, socketTimeoutMs: 5_000 });
    assert.equal(s3ClientTimeouts(20_000).socketTimeoutMs, 0, 'no socket idle timeout on paused GetObject bodies');
    assert.equal(bodyStallMs(20_000), 5_000);
    assert.equal(dataCallsEndMs(20_000), 10_000);
    assert.equal(messageCallsEndMs(20_000), 2_500);
    // After the data calls end, SendMessage has room for one attempt that times out and a retry.
    const window = dataCallsEndMs(20_000) - messageCallsEndMs(20_000);
    assert.ok(window >= t.requestTimeoutMs + t.connectionTimeoutMs);
    // Every data call's attempt fits between the read loop's stop (at the margin) and the data deadline.
    assert.ok(20_000 - dataCallsEndMs(20_000) >= t.requestTimeoutMs);
  });

  it('never yields a 0 timeout (which the SDK reads as "none")', () => {
    const t = ingestClientTimeouts(0);
    assert.ok(t.connectionTimeoutMs >= 1_000 && t.requestTimeoutMs >= 1_000 && t.socketTimeoutMs >= 1_000);
  });

  it('deadlineSignal is already aborted when no time is left', () => {
    assert.equal(deadlineSignal(0).aborted, true);
    assert.equal(deadlineSignal(-5).aborted, true);
    assert.equal(deadlineSignal(Number.NaN).aborted, true);
    assert.equal(deadlineSignal(10_000).aborted, false);
  });
});

describe('deadline: withDeadline', () => {
  const collect = async (it: AsyncIterable<Uint8Array>) => {
    const out: Buffer[] = [];
    for await (const c of it) out.push(Buffer.from(c));
    return Buffer.concat(out).toString();
  };

  it('passes the bytes through', async () => {
    const body = new PassThrough();
    body.end('hello world');
    assert.equal(
      await collect(withDeadline(body, { signal: new AbortController().signal, stallMs: 1_000 })),
      'hello world',
    );
  });

  it('ends a body that sends nothing for stallMs, and destroys it', async () => {
    const body = new PassThrough();
    body.write('partial');
    const started = Date.now();
    await assert.rejects(collect(withDeadline(body, { signal: new AbortController().signal, stallMs: 100 })), (e) => {
      assert.ok(e instanceof BodyTimeoutError);
      assert.equal((e as Error).name, 'TimeoutError');
      assert.equal((e as BodyTimeoutError).code, 'ETIMEDOUT');
      return true;
    });
    assert.ok(Date.now() - started < 2_000);
    assert.equal(body.destroyed, true);
  });

  it('abort alone: ends a stalled body when the signal aborts, however long the stall limit', async () => {
    const body = new PassThrough();
    body.write('partial');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(collect(withDeadline(body, { signal: controller.signal, stallMs: 600_000 })), /deadline/);
    assert.equal(body.destroyed, true);
  });

  it('does not count the time the reader holds a chunk (backpressure) as a stall', async () => {
    const body = new PassThrough();
    body.write('a');
    const guarded = withDeadline(body, { signal: new AbortController().signal, stallMs: 150 });
    const first = await guarded.next();
    assert.equal(Buffer.from(first.value as Uint8Array).toString(), 'a');
    await new Promise((r) => setTimeout(r, 400)); // the reader is busy, longer than the stall limit
    body.end('b');
    assert.equal(Buffer.from((await guarded.next()).value as Uint8Array).toString(), 'b');
    assert.equal((await guarded.next()).done, true);
  });
});

/**
 * Every AWS call the ingest handler makes ends before the invocation does, so the handler can always checkpoint
 * (issue 10, item 4: one late PutRecordBatch answer once turned into a Lambda timeout and a whole batch re-sent).
 *
 * Two mechanisms, both derived from the safety margin M (TIME_SAFETY_MARGIN_MS, default 20 s):
 * - per attempt, the clients' timeouts ({@link ingestClientTimeouts}): connection M/10, request (until the response
 *   headers, request body included) M/4, socket idle M/4; a body that stops mid-stream waits at most M/4 for its
 *   next bytes ({@link withDeadline}).
 * - per call, an abort signal tied to the time left in the invocation: the data calls (GetObject and its body,
 *   PutRecordBatch, the rejects upload) are aborted when M/2 is left ({@link dataCallsSignal}), the continuation
 *   SendMessage when M/8 is left ({@link messageCallsSignal}).
 *
 * Budget with M = 20 s (remaining invocation time on the left):
 *   20 s  the read loop stops starting work (time check between chunks; a retry never starts past 10 s)
 *   10 s  every GetObject/body/PutRecordBatch/rejects upload still running is aborted; a PutRecordBatch aborted or
 *         timed out has unknown entries: they stay pending and are resent by the continuation (possible duplicates,
 *         bounded by one batch per call in flight)
 *   10 s → 2.5 s  continuation SendMessage: 7.5 s, room for one attempt that times out (5 s) and a retry
 *   2.5 s the batch response is returned (SendMessage still running is aborted: that message fails, SQS retries it)
 * A smaller M scales every figure down (timeouts never below 1 s); with M under about 8 s the 1 s floors mean the
 * per-attempt timeouts no longer fit the windows, and only the abort signals keep the order.
 */
import type { Readable } from 'node:stream';
import { type ClientTimeouts, deadlineSignal } from '../aws/client-config';

const FLOOR_MS = 1_000;

/** Client timeouts for the ingest handler's S3, Firehose and SQS clients, from the safety margin. */
export function ingestClientTimeouts(safetyMarginMs: number): ClientTimeouts {
  return {
    connectionTimeoutMs: Math.max(FLOOR_MS, Math.floor(safetyMarginMs / 10)),
    requestTimeoutMs: Math.max(FLOOR_MS, Math.floor(safetyMarginMs / 4)),
    socketTimeoutMs: Math.max(FLOOR_MS, Math.floor(safetyMarginMs / 4)),
  };
}

/**
 * The S3 client's timeouts: as {@link ingestClientTimeouts} but with no socket idle timeout. A GetObject body is
 * paused while the Firehose sender is busy (backpressure, up to a retry budget), and a socket timeout would count
 * that pause as a stall; {@link withDeadline} measures a stall only while the reader waits for bytes. Requests to S3
 * still end: the request timeout covers everything up to the response headers (a rejects part's upload included).
 */
export function s3ClientTimeouts(safetyMarginMs: number): ClientTimeouts {
  return { ...ingestClientTimeouts(safetyMarginMs), socketTimeoutMs: 0 };
}

/** How long a GetObject body may go without a byte while the reader waits for one. */
export const bodyStallMs = (safetyMarginMs: number): number => ingestClientTimeouts(safetyMarginMs).socketTimeoutMs;

/** Milliseconds of the invocation left when the data calls are aborted. */
export const dataCallsEndMs = (safetyMarginMs: number): number => safetyMarginMs / 2;
/** Milliseconds of the invocation left when a continuation SendMessage is aborted. */
export const messageCallsEndMs = (safetyMarginMs: number): number => safetyMarginMs / 8;

interface TimeLeft {
  readonly remainingMs: () => number;
  readonly config: { readonly safetyMarginMs: number };
}

/** Aborts when only {@link dataCallsEndMs} of the invocation is left (already aborted if that time has passed). */
export function dataCallsSignal(deps: TimeLeft): AbortSignal {
  return deadlineSignal(deps.remainingMs() - dataCallsEndMs(deps.config.safetyMarginMs));
}

/** Aborts when only {@link messageCallsEndMs} of the invocation is left (already aborted if that time has passed). */
export function messageCallsSignal(deps: TimeLeft): AbortSignal {
  return deadlineSignal(deps.remainingMs() - messageCallsEndMs(deps.config.safetyMarginMs));
}

/** The error a body read ends with when it stalls or its deadline passes (transient: a later attempt may pass). */
export class BodyTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'ETIMEDOUT';
}

/**
 * The bytes of `body`, ending with a {@link BodyTimeoutError} (and the body destroyed, releasing its connection)
 * when `signal` aborts or when a read waits more than `stallMs` for its next chunk. Time the consumer spends not
 * asking for bytes (backpressure) is not counted.
 */
export async function* withDeadline(
  body: Readable,
  options: { readonly signal: AbortSignal; readonly stallMs: number },
): AsyncGenerator<Uint8Array> {
  const { signal, stallMs } = options;
  const it = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  for (;;) {
    const next = it.next();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      const fail = (why: string) => {
        const error = new BodyTimeoutError(why);
        body.destroy(error);
        reject(error);
      };
      if (signal.aborted) return fail('the invocation deadline for reading the object passed');
      onAbort = () => fail('the invocation deadline for reading the object passed');
      signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => fail(`the object's body sent nothing for ${stallMs} ms`), stallMs);
    });
    // Whichever loses the race must not become an unhandled rejection.
    next.catch(() => {});
    gaveUp.catch(() => {});
    let r: IteratorResult<Uint8Array>;
    try {
      r = await Promise.race([next, gaveUp]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
    if (r.done) return;
    // No timer while the consumer holds the chunk: its pauses are not stalls.
    yield r.value;
  }
}

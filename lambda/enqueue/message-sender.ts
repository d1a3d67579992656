/**
 * Sending work to the ingest queue from outside it: the message a backfill, a reconcile or the scheduled check sends
 * for one object (S3-notification-shaped), and the rate-limited, retrying SendMessageBatch sender they share.
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { isRetryable } from '../aws/errors';
import { defaultSleep, retryWithBackoff } from '../aws/retry';
import { errorText, type ListedObject } from '../inventory/s3-objects';

/** SendMessageBatch accepts at most 10 entries. */
export const SQS_BATCH_SIZE = 10;
export const BACKFILL_EVENT_NAME = 'ObjectCreated:Backfill';

// ---------------------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------------------

/** URL-encodes a key as S3 event notifications do: each path segment percent-encoded, spaces as '+'. */
export function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

/**
 * The body of a backfill message: an S3 event notification with one record (see
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html), eventName
 * `ObjectCreated:Backfill` so that it can be told apart from a real notification in the queue or the DLQ.
 */
export function backfillMessageBody(
  bucket: string,
  object: ListedObject,
  now: Date,
  eventName: string = BACKFILL_EVENT_NAME,
): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventTime: now.toISOString(),
        eventName,
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: encodeEventKey(object.key),
            size: object.size,
            ...(object.etag ? { eTag: object.etag.replace(/"/g, '') } : {}),
          },
        },
      },
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------------------------

/** Spaces sends to at most `perSecond` messages per second on average. */
export class RateLimiter {
  private next = 0;
  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  async take(n: number): Promise<void> {
    if (!(this.perSecond > 0) || this.perSecond === Number.POSITIVE_INFINITY) return;
    const t = this.now();
    if (this.next > t) await this.sleep(this.next - t);
    this.next = Math.max(this.next, t) + (n * 1000) / this.perSecond;
  }
}

/** Whether a failed SQS call may succeed when tried again (throttling, 5xx, no answer: see ../aws/errors.ts). */
export const isTransientSqsError = (e: unknown): boolean => isRetryable(e);

/** Attempts per batch entry before a run stops. */
export const DEFAULT_MAX_ATTEMPTS = 8;

export interface SenderCounters {
  /** SendMessageBatch calls, retries included. */
  batchCalls: number;
  /** Batch entries retried. */
  retries: number;
}

export interface MessageSenderOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The log bucket the messages name. */
  readonly bucket: string;
  /** Messages per second (token bucket). */
  readonly ratePerSecond: number;
  readonly maxAttempts?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly counters: SenderCounters;
  /** Abort signal of each SendMessageBatch call (a caller with a deadline), asked for just before the call. */
  readonly callSignal?: () => AbortSignal | undefined;
  /** Absolute time (ms, on `now`'s clock) that no retry sleep may reach: a Lambda caller's remaining time. */
  readonly retryDeadline?: () => number;
  /** The messages' event name (default {@link BACKFILL_EVENT_NAME}; {@link REINGEST_EVENT_NAME} to re-ingest). */
  readonly eventName?: string;
}

/**
 * Sends backfill messages (one S3-notification-shaped message per object, {@link backfillMessageBody}) in
 * SendMessageBatch calls of up to 10, rate-limited; entries SQS reports failed are retried with backoff and jitter,
 * a sender fault (the message itself is invalid) is not. Shared by backfill, reconcile and the scheduled check.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
 */
export class MessageSender {
  private readonly limiter: RateLimiter;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly maxAttempts: number;

  constructor(private readonly options: MessageSenderOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.limiter = new RateLimiter(options.ratePerSecond, this.now, this.sleep);
  }

  /** Sends `objects` in batches of 10, in order, stopping at the first batch that cannot be sent entirely. */
  async sendAll(objects: readonly ListedObject[]): Promise<{ sent: ListedObject[]; failure?: string }> {
    const sent: ListedObject[] = [];
    for (let i = 0; i < objects.length; i += SQS_BATCH_SIZE) {
      const r = await this.sendBatch(objects.slice(i, i + SQS_BATCH_SIZE));
      sent.push(...r.sent);
      if (r.failure) return { sent, failure: r.failure };
    }
    return { sent };
  }

  /** Sends one batch (at most 10); returns the objects enqueued, and a reason when some could not be. */
  async sendBatch(objects: readonly ListedObject[]): Promise<{ sent: ListedObject[]; failure?: string }> {
    const { counters, maxAttempts } = { counters: this.options.counters, maxAttempts: this.maxAttempts };
    const sentAt = new Date(this.now());
    let pending: { entry: SendMessageBatchRequestEntry; object: ListedObject }[] = objects.map((object, i) => ({
      entry: {
        Id: `m${i}`,
        MessageBody: backfillMessageBody(this.options.bucket, object, sentAt, this.options.eventName),
      },
      object,
    }));
    const sent: ListedObject[] = [];
    type EntryFailure = { code: string; senderFault: boolean; message: string };
    let failedIds = new Map<string, EntryFailure>();
    const outcome = await retryWithBackoff(
      async () => {
        await this.limiter.take(pending.length);
        counters.batchCalls++;
        const abortSignal = this.options.callSignal?.();
        const res = await this.options.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: pending.map((p) => p.entry) }),
          abortSignal ? { abortSignal } : {},
        );
        const ok = new Set((res.Successful ?? []).map((s) => s.Id));
        failedIds = new Map(
          (res.Failed ?? []).map((f) => [
            f.Id ?? '',
            { code: f.Code ?? 'unknown', senderFault: f.SenderFault === true, message: f.Message ?? '' },
          ]),
        );
        for (const p of pending) {
          if (ok.has(p.entry.Id) && !failedIds.has(p.entry.Id!)) sent.push(p.object);
          else if (!failedIds.has(p.entry.Id!)) {
            failedIds.set(p.entry.Id!, { code: 'missing', senderFault: false, message: 'not in the response' });
          }
        }
        pending = pending.filter((p) => failedIds.has(p.entry.Id!));
        return [...failedIds.values()].find((f) => f.senderFault);
      },
      {
        maxAttempts,
        baseMs: 200,
        capMs: 10_000,
        ...(this.options.retryDeadline ? { giveUpAt: this.options.retryDeadline() } : {}),
        // A sender fault (the message itself is invalid) is final; other failed entries are tried again.
        retryValue: (senderFault) => senderFault === undefined && pending.length > 0,
        onRetry: () => {
          counters.retries += pending.length;
        },
        now: this.now,
        sleep: this.sleep,
        random: this.random,
      },
    );
    if (outcome.ok) {
      const senderFault = outcome.value;
      return senderFault
        ? { sent, failure: `SQS rejected a message: ${senderFault.code}: ${senderFault.message}` }
        : { sent };
    }
    const last = outcome.last;
    if (last && 'error' in last && outcome.why === 'not-retryable') {
      return { sent, failure: `SendMessageBatch failed: ${errorText(last.error)}` };
    }
    const first = failedIds.values().next().value;
    const lastProblem =
      last && 'error' in last ? errorText(last.error) : first ? `${first.code}: ${first.message}` : '';
    return {
      sent,
      failure: `${pending.length} message(s) still failing after ${outcome.attempts} attempts: ${lastProblem}`,
    };
  }
}

/**
 * One SQS batch: decode each message, ingest its objects, and decide per message between success, a continuation,
 * and a batch item failure (partial batch response: one failing message never re-delivers the others).
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 *
 * The decision for an object that could not be finished:
 * - it made progress, or another object of the same message did: enqueue a continuation (resuming after what was
 *   delivered) and consider the message handled, so nothing delivered is sent again;
 * - nothing progressed, the failure may pass, and attempts remain: a continuation with a growing delay;
 * - otherwise: fail the message, so SQS retries it and finally moves it to the dead-letter queue.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { messageCallsSignal } from './deadline';
import { type IngestDeps, ingestObject, type ObjectOutcome } from './ingest-object';
import { decodeMessageBody, encodeContinuation, MalformedMessageError } from './messages';

export interface BatchDeps extends IngestDeps {
  readonly sqs: SQSClient;
}

/** SQS DelaySeconds maximum. */
const MAX_DELAY_SECONDS = 900;

export async function processBatch(event: SQSEvent, deps: BatchDeps): Promise<SQSBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const message of event.Records) {
    const ok = await processMessage(message, deps);
    if (!ok) {
      failures.push({ itemIdentifier: message.messageId });
      deps.telemetry.count('MessagesFailed');
    }
  }
  deps.telemetry.flush();
  return { batchItemFailures: failures };
}

/** @returns whether the message is handled (true) or must be retried by SQS (false). */
async function processMessage(message: SQSRecord, deps: BatchDeps): Promise<boolean> {
  const { telemetry } = deps;
  let decoded: ReturnType<typeof decodeMessageBody>;
  try {
    decoded = decodeMessageBody(message.body);
  } catch (e) {
    if (!(e instanceof MalformedMessageError)) throw e;
    telemetry.log('error', 'malformed message: it will go to the dead-letter queue', {
      messageId: message.messageId,
      problem: e.message,
    });
    return false;
  }
  if (decoded.kind === 'test-event') {
    telemetry.log('info', 's3:TestEvent acknowledged', { messageId: message.messageId });
    return true;
  }

  const outcomes: ObjectOutcome[] = [];
  for (const work of decoded.objects) {
    try {
      outcomes.push(await ingestObject(work, deps));
    } catch (e) {
      // A bug or an unexpected SDK error: fail this message only, never the whole batch.
      telemetry.log('error', 'unexpected error while ingesting an object', {
        messageId: message.messageId,
        bucket: work.bucket,
        key: work.key,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
      return false;
    }
  }

  const unfinished = outcomes.filter((o) => o.status === 'unfinished');
  if (unfinished.length === 0) return true;
  const messageProgressed = outcomes.some((o) => o.status !== 'unfinished' || o.progress);
  for (const o of unfinished) {
    const c = o.continuation;
    const retryLater = !o.progress && o.transient && c.attemptsWithoutProgress < deps.config.maxAttemptsWithoutProgress;
    if (!(o.progress || o.deferred || messageProgressed || retryLater)) {
      telemetry.log('error', 'object failed without progress: the message will be retried by SQS, then dead-lettered', {
        messageId: message.messageId,
        bucket: c.bucket,
        key: c.key,
        error: o.error,
        attemptsWithoutProgress: c.attemptsWithoutProgress,
      });
      return false;
    }
  }
  for (const o of unfinished) {
    const c = o.continuation;
    const delaySeconds =
      o.progress || o.deferred ? 0 : Math.min(MAX_DELAY_SECONDS, 30 * 2 ** Math.max(0, c.attemptsWithoutProgress - 1));
    try {
      await deps.sqs.send(
        new SendMessageCommand({
          QueueUrl: deps.config.ingestQueueUrl,
          MessageBody: encodeContinuation(c),
          DelaySeconds: delaySeconds,
        }),
        { abortSignal: messageCallsSignal(deps) },
      );
    } catch (e) {
      // Without the continuation the message must be retried whole: lines delivered by this attempt will be sent
      // again (the one path to a self-made duplicate; the dedup view removes it exactly).
      telemetry.log('error', 'could not enqueue a continuation: failing the message', {
        messageId: message.messageId,
        key: c.key,
        error: (e as Error).message,
      });
      return false;
    }
    telemetry.count('Continuations');
    telemetry.count('ObjectsUnfinished');
    telemetry.log('warn', 'object unfinished: continuation enqueued', {
      messageId: message.messageId,
      bucket: c.bucket,
      key: c.key,
      reason: o.error,
      resumeAfterLine: c.resumeAfterLine,
      doneRanges: c.doneRanges.length,
      attemptsWithoutProgress: c.attemptsWithoutProgress,
      delaySeconds,
    });
  }
  return true;
}

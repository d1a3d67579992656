/**
 * One SQS batch: decode each message, ingest each of its objects once, and carry out the message's decision
 * ({@link decideMessage}: acknowledge, continuations, or a batch item failure). Partial batch responses: one failing
 * message never re-delivers the others.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { messageCallsSignal } from './deadline';
import { decideMessage, type PlannedContinuation, type Unfinished } from './decide';
import type { IngestDeps } from './ingest-deps';
import { ingestObject, type ObjectOutcome } from './ingest-object';
import { describeLedgerError, LedgerFinishError } from './ledger-run';
import {
  type DecodedMessage,
  decodeMessageBody,
  encodeContinuation,
  type IgnoredRecord,
  MalformedMessageError,
  normalisePosition,
  type ObjectWork,
  undeliveredRanges,
} from './messages';
import { describeCauses } from './stop-causes';

export interface BatchDeps extends IngestDeps {
  readonly sqs: SQSClient;
}

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
  const decoded = decode(message, deps);
  if (decoded === undefined) return false;
  if (decoded.kind === 'test-event') {
    deps.telemetry.log('info', 's3:TestEvent acknowledged', { messageId: message.messageId });
    return true;
  }
  reportIgnored(message, decoded.ignored, deps);
  const outcomes = await ingestAll(message, decoded.objects, deps);
  if (outcomes === undefined) return false;
  const decision = decideMessage({
    objectCount: decoded.objects.length,
    outcomes,
    receiveCount: Number(message.attributes?.ApproximateReceiveCount ?? 1) || 1,
    maxAttemptsWithoutProgress: deps.config.maxAttemptsWithoutProgress,
  });
  if (decision.kind === 'ack') return true;
  if (decision.kind === 'fail') {
    await recordGivenUp(decision.outcome, deps);
    logDeadLetterBound(message, decision.outcome, deps);
    return false;
  }
  for (const planned of decision.continuations) {
    if (planned.givenUp) await recordGivenUp(planned.outcome, deps);
    if (!(await enqueue(message, planned, deps))) return false;
  }
  return true;
}

function decode(message: SQSRecord, deps: BatchDeps): DecodedMessage | undefined {
  try {
    return decodeMessageBody(message.body);
  } catch (e) {
    if (!(e instanceof MalformedMessageError)) throw e;
    deps.telemetry.log('error', 'malformed message: it will go to the dead-letter queue', {
      messageId: message.messageId,
      problem: e.message,
    });
    return undefined;
  }
}

/** Counts and logs the records that are not work: other events than ObjectCreated, and repeats of an object. */
function reportIgnored(message: SQSRecord, ignored: readonly IgnoredRecord[], deps: BatchDeps): void {
  const events = ignored.filter((r) => r.why === 'event');
  const duplicates = ignored.length - events.length;
  if (events.length > 0) {
    deps.telemetry.count('EventsIgnored', events.length);
    deps.telemetry.log('info', 'ignored S3 events that are not ObjectCreated', {
      messageId: message.messageId,
      events: events.slice(0, 10).map((r) => ({ eventName: r.eventName, bucket: r.bucket, key: r.key })),
      count: events.length,
    });
  }
  if (duplicates > 0) {
    deps.telemetry.count('DuplicateRecords', duplicates);
    deps.telemetry.log('info', 'the message names the same object more than once: ingesting it once', {
      messageId: message.messageId,
      duplicates,
    });
  }
}

/** @returns every object's outcome, or undefined when one threw (a bug or an unexpected SDK error). */
async function ingestAll(
  message: SQSRecord,
  objects: readonly ObjectWork[],
  deps: BatchDeps,
): Promise<ObjectOutcome[] | undefined> {
  const outcomes: ObjectOutcome[] = [];
  for (const work of objects) {
    try {
      outcomes.push(await ingestObject(work, deps));
    } catch (e) {
      // Fail this message only, never the whole batch.
      if (e instanceof LedgerFinishError) {
        // Every line was delivered, but the ledger does not say so: SQS redelivers the message and the next run
        // resumes from the last persisted checkpoint (duplicates within the crash bound, no line lost).
        deps.telemetry.log('error', 'could not record the object done in the ledger: failing the message', {
          messageId: message.messageId,
          bucket: work.bucket,
          key: work.key,
          error: e.message,
        });
        return undefined;
      }
      deps.telemetry.log('error', 'unexpected error while ingesting an object', {
        messageId: message.messageId,
        bucket: work.bucket,
        key: work.key,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
      return undefined;
    }
  }
  return outcomes;
}

/**
 * Records a given-up object `failed` in the ledger (with the first line not delivered), so the completeness check
 * and the operator see it; a failure is counted and logged (the message still goes its way to the dead-letter queue).
 */
async function recordGivenUp(o: Unfinished, deps: BatchDeps): Promise<void> {
  if (!deps.ledger || !o.ledgerVersion) return;
  try {
    await deps.ledger.ledger.fail(
      o.ledgerVersion,
      {
        cause: describeCauses(o.causes).join('; '),
        firstUndeliveredLine: position(o).firstUndeliveredLine,
        owner: deps.ledger.owner,
      },
      { abortSignal: messageCallsSignal(deps) },
    );
  } catch (e) {
    deps.telemetry.count('LedgerErrors');
    deps.telemetry.log('warn', 'could not record a given-up object as failed in the ledger', {
      bucket: o.ledgerVersion.bucket,
      key: o.ledgerVersion.key,
      error: describeLedgerError(e),
    });
  }
}

/** Where an unfinished object stands, in the words a dead-letter reader needs. */
function position(o: Unfinished) {
  const c = o.continuation;
  const p = normalisePosition(c.resumeAfterLine, c.doneRanges);
  const normal = typeof p === 'string' ? { resumeAfterLine: c.resumeAfterLine, doneRanges: [] } : p;
  return { firstUndeliveredLine: normal.resumeAfterLine + 1, undeliveredRanges: undeliveredRanges(normal) };
}

function logDeadLetterBound(message: SQSRecord, o: Unfinished, deps: BatchDeps): void {
  const c = o.continuation;
  deps.telemetry.log('error', 'object given up: the message will be retried by SQS, then dead-lettered', {
    messageId: message.messageId,
    bucket: c.bucket,
    key: c.key,
    ...position(o),
    stoppedBecause: describeCauses(o.causes),
    permanent: !o.transient,
    attemptsWithoutProgress: c.attemptsWithoutProgress,
  });
}

/** @returns whether the continuation was enqueued. */
async function enqueue(message: SQSRecord, planned: PlannedContinuation, deps: BatchDeps): Promise<boolean> {
  const { continuation: c, outcome: o, delaySeconds } = planned;
  try {
    await deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: deps.config.ingestQueueUrl,
        MessageBody: encodeContinuation({ ...c, stoppedBecause: describeCauses(o.causes) }),
        DelaySeconds: delaySeconds,
      }),
      { abortSignal: messageCallsSignal(deps) },
    );
  } catch (e) {
    // Without the continuation the message must be retried whole: lines delivered by this attempt will be sent
    // again, and continuations already enqueued for the message's other objects then run beside their restart. The
    // dedup view removes those duplicates exactly.
    deps.telemetry.log('error', 'could not enqueue a continuation: failing the message', {
      messageId: message.messageId,
      key: c.key,
      error: (e as Error).message,
    });
    return false;
  }
  deps.telemetry.count('Continuations');
  deps.telemetry.count('ObjectsUnfinished');
  deps.telemetry.log(planned.givenUp ? 'error' : 'warn', 'object unfinished: continuation enqueued', {
    messageId: message.messageId,
    bucket: c.bucket,
    key: c.key,
    stoppedBecause: describeCauses(o.causes),
    ...position(o),
    attemptsWithoutProgress: c.attemptsWithoutProgress,
    givenUp: planned.givenUp,
    delaySeconds,
  });
  return true;
}

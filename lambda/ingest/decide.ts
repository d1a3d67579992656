/**
 * What to do with one SQS message once its objects were tried: a pure decision, so every choice is testable without
 * servers. The rule keeps one chain of messages per object, and makes a dead-lettered message resume exactly where its
 * object stopped when an operator redrives it:
 *
 * - Every object finished (done or skipped): acknowledge.
 * - The message holds exactly one object, no line of it was settled by this run, and the object is given up (a
 *   permanent cause, or `maxAttemptsWithoutProgress` attempts without progress): fail the message. SQS retries it and
 *   then dead-letters it. Its body (an S3 event with nothing delivered yet, or a continuation this run did not move)
 *   is then exactly where the object stands, so a redrive resumes with no line sent twice.
 * - Otherwise, one continuation per unfinished object, and the message is acknowledged. Failing it instead would send
 *   again what this run (or the message's other objects) delivered, and enqueuing a continuation *and* failing would
 *   fork the object into two chains. A given-up object's continuation is sent without delay: its next run, alone in
 *   its message and without progress, takes the branch above and is dead-lettered with its exact position.
 *   A transient failure without progress is delayed, growing from 30 s to 15 min.
 *
 * Receives of the message that failed before this one (SQS `ApproximateReceiveCount - 1`) count as attempts without
 * progress in the continuation, so switching from a failed message to a continuation never resets the attempt budget.
 */
import type { ContinuationFields, ObjectOutcome } from './ingest-object';

/** SQS DelaySeconds maximum (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html). */
export const MAX_DELAY_SECONDS = 900;

export type Unfinished = Extract<ObjectOutcome, { status: 'unfinished' }>;

export interface PlannedContinuation {
  readonly outcome: Unfinished;
  readonly continuation: ContinuationFields;
  readonly delaySeconds: number;
  /** The object is given up: its next run without progress dead-letters it. */
  readonly givenUp: boolean;
}

export type MessageDecision =
  | { readonly kind: 'ack' }
  | { readonly kind: 'continue'; readonly continuations: readonly PlannedContinuation[] }
  | { readonly kind: 'fail'; readonly outcome: Unfinished };

export interface DecisionInput {
  /** Objects the message asked for (after duplicates and ignored events were removed). */
  readonly objectCount: number;
  readonly outcomes: readonly ObjectOutcome[];
  /** SQS `ApproximateReceiveCount` of the message (1 on its first delivery). */
  readonly receiveCount: number;
  readonly maxAttemptsWithoutProgress: number;
}

/** Whether trying this object again cannot help: a permanent cause, or the attempt budget is spent. */
export function givenUp(o: Unfinished, maxAttemptsWithoutProgress: number): boolean {
  if (!o.transient) return true;
  return !o.progress && !o.deferred && o.continuation.attemptsWithoutProgress >= maxAttemptsWithoutProgress;
}

export function decideMessage(input: DecisionInput): MessageDecision {
  const unfinished = input.outcomes.filter((o): o is Unfinished => o.status === 'unfinished');
  if (unfinished.length === 0) return { kind: 'ack' };
  const earlierFailures = Math.max(0, input.receiveCount - 1);
  const planned = unfinished.map((outcome) => plan(outcome, earlierFailures, input.maxAttemptsWithoutProgress));
  const only = planned.length === 1 && input.objectCount === 1 ? planned[0]! : undefined;
  if (only?.givenUp && !only.outcome.progress) return { kind: 'fail', outcome: only.outcome };
  return { kind: 'continue', continuations: planned };
}

function plan(outcome: Unfinished, earlierFailures: number, maxAttempts: number): PlannedContinuation {
  const carried = outcome.progress || outcome.deferred ? 0 : earlierFailures;
  const continuation = {
    ...outcome.continuation,
    attemptsWithoutProgress: outcome.continuation.attemptsWithoutProgress + carried,
  };
  const adjusted: Unfinished = { ...outcome, continuation };
  const gaveUp = givenUp(adjusted, maxAttempts);
  return { outcome: adjusted, continuation, givenUp: gaveUp, delaySeconds: delayFor(adjusted, gaveUp) };
}

/**
 * An object another run holds (ledger lease, `retryAfterSeconds`): about when that lease expires, so the
 * continuation neither spins while the holder works nor waits long after it died; capped at SQS's 15 minutes.
 * Otherwise no delay after progress, a deferral or giving up; else 30 s doubling per attempt, capped at 15 minutes.
 */
export function delayFor(o: Unfinished, gaveUp: boolean): number {
  if (o.retryAfterSeconds !== undefined && !gaveUp) {
    return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(o.retryAfterSeconds)));
  }
  if (o.progress || o.deferred || gaveUp) return 0;
  return Math.min(MAX_DELAY_SECONDS, 30 * 2 ** Math.max(0, o.continuation.attemptsWithoutProgress - 1));
}

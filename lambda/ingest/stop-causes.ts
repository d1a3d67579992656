/**
 * Why an object's run stopped before the object was finished, as typed values. A run can stop for several reasons
 * at once (the time budget ran out, then the rejects upload was denied): every cause is kept and reported, and the
 * run is transient (worth trying again) only if every cause is. Pure.
 */

export type StopKind =
  /** The invocation's remaining time fell under the safety margin. */
  | 'time-budget'
  /** Not even started: no time left to open the object (nothing was tried, so no attempt is counted). */
  | 'no-time-to-start'
  /** GetObject failed. */
  | 'get-object'
  /** A Firehose batch was given up (retry budget, deadline, or a permanent error). */
  | 'firehose'
  /** Some records were left unacknowledged without a recorded Firehose failure. */
  | 'unacknowledged'
  /** The body failed mid-stream (connection reset, damaged or unsupported compression). */
  | 'read-failed'
  /** The rejects object could not be written, so the rejected lines are not done. */
  | 'rejects-write'
  /** The object ledger could not be read or written (throttling, outage, timeout): nothing was read. */
  | 'ledger'
  /** Another invocation holds the object under a live lease in the ledger: not read twice at the same time. */
  | 'busy'
  /** The ledger says another run took the object over mid-stream: this run stopped at once. */
  | 'lease-lost';

export interface StopCause {
  readonly kind: StopKind;
  /** What happened, with the underlying error's name and HTTP status where there was one. */
  readonly message: string;
  /** Whether trying again later may succeed. */
  readonly transient: boolean;
}

/** Whether trying again may succeed: only when every cause may pass (one permanent cause makes the run permanent). */
export const allTransient = (causes: readonly StopCause[]): boolean => causes.every((c) => c.transient);

/** One line per cause, `kind: message`, for logs and dead-letter messages. */
export const describeCauses = (causes: readonly StopCause[]): string[] =>
  causes.map((c) => `${c.kind}${c.transient ? '' : ' (permanent)'}: ${c.message}`);

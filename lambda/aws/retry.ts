/**
 * One retry loop for the whole project: exponential backoff with full jitter, bounded by a number of attempts, an
 * absolute time no sleep may reach (a Lambda's remaining time, a per-batch budget) and an abort signal.
 *
 * Full jitter: after the n-th failed attempt (n ≥ 1) the loop sleeps a uniformly random delay in
 * [0, min(cap, base · 2^(n-1))). Of the schedules compared in
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/ it does the least work in total for
 * competing clients, which is the case here: many functions sending to one Firehose stream or one queue.
 *
 * What is retried: a thrown error when {@link RetryOptions.retryError} says so (default: the shared classification,
 * `throttled` and `transient`, see ./errors.ts), and a returned value when {@link RetryOptions.retryValue} says so: a
 * call that succeeded but failed some of its entries (PutRecordBatch `FailedPutCount`, SendMessageBatch `Failed`),
 * where the operation itself narrows what the next attempt sends. Pure apart from the injected clock, sleep and
 * random.
 */
import { isRetryable } from './errors';

/** How the last attempt ended: a value the caller did not accept yet, or an error. */
export type Attempt<T> = { readonly value: T } | { readonly error: unknown };

/**
 * Why retrying stopped without an accepted value:
 * - `not-retryable`: the error is not worth retrying (permanent, missing, precondition, or the caller's predicate);
 * - `attempts`: {@link RetryOptions.maxAttempts} were made;
 * - `budget`: the next delay would end at or after {@link RetryOptions.giveUpAt};
 * - `aborted`: {@link RetryOptions.signal} fired (no attempt and no sleep starts after it).
 */
export type GiveUpReason = 'not-retryable' | 'attempts' | 'budget' | 'aborted';

export type RetryOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | {
      readonly ok: false;
      readonly why: GiveUpReason;
      readonly attempts: number;
      /** The last attempt; undefined when the signal had fired before the first. */
      readonly last?: Attempt<T>;
    };

/** Backoff schedule: full jitter over an exponential curve (see the module comment). */
export interface BackoffSchedule {
  /** Upper bound of the first delay, in ms. */
  readonly baseMs: number;
  /** Upper bound of every delay, in ms. */
  readonly capMs: number;
}

export interface RetryOptions<T> extends BackoffSchedule {
  /** Attempts in all, the first included (default: unlimited, so {@link giveUpAt} or the signal must bound it). */
  readonly maxAttempts?: number;
  /**
   * Absolute time (ms, on {@link now}'s clock) that no sleep may reach: a retry whose delay would end at or after it
   * is not started. A Lambda passes its deadline here, so it never sleeps past its remaining time.
   */
  readonly giveUpAt?: number;
  /** Once aborted, no attempt and no sleep starts. */
  readonly signal?: AbortSignal;
  /** Whether a thrown error is worth another attempt (default {@link isRetryable}). */
  readonly retryError?: (error: unknown) => boolean;
  /** Whether a returned value still needs another attempt (a partial failure); default: never. */
  readonly retryValue?: (value: T) => boolean;
  /** Called before each sleep, with the attempt that failed (1-based) and the delay. */
  readonly onRetry?: (attempt: number, delayMs: number, last: Attempt<T>) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  readonly random?: () => number;
}

/** The upper bound of the delay after the n-th failed attempt (n ≥ 1): min(cap, base · 2^(n-1)). */
export function backoffCeilingMs(schedule: BackoffSchedule, failedAttempts: number): number {
  return Math.min(schedule.capMs, schedule.baseMs * 2 ** (failedAttempts - 1));
}

/** A full-jitter delay after the n-th failed attempt: `random() · ceiling`. */
export function fullJitterDelayMs(schedule: BackoffSchedule, failedAttempts: number, random: () => number): number {
  return random() * backoffCeilingMs(schedule, failedAttempts);
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it returns a value {@link RetryOptions.retryValue} accepts, or retrying stops (see
 * {@link GiveUpReason}). Never throws what `operation` throws: the outcome carries it.
 */
export async function retryWithBackoff<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions<T>,
): Promise<RetryOutcome<T>> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const retryError = options.retryError ?? isRetryable;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  let last: Attempt<T> | undefined;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) return { ok: false, why: 'aborted', attempts: attempt - 1, ...(last ? { last } : {}) };
    try {
      const value = await operation(attempt);
      if (!options.retryValue?.(value)) return { ok: true, value, attempts: attempt };
      last = { value };
    } catch (error) {
      last = { error };
      if (!retryError(error)) return { ok: false, why: 'not-retryable', attempts: attempt, last };
    }
    if (options.signal?.aborted) return { ok: false, why: 'aborted', attempts: attempt, last };
    if (attempt >= maxAttempts) return { ok: false, why: 'attempts', attempts: attempt, last };
    const delay = fullJitterDelayMs(options, attempt, random);
    if (options.giveUpAt !== undefined && now() + delay >= options.giveUpAt) {
      return { ok: false, why: 'budget', attempts: attempt, last };
    }
    options.onRetry?.(attempt, delay, last);
    await sleep(delay);
  }
}

/**
 * Sends batches with PutRecordBatch: a bounded number of calls in flight, and retries of only the entries a response
 * marks failed (or of the whole call when it is throttled or fails transiently), with exponential backoff and full
 * jitter, within a time budget per batch. A batch that cannot be delivered in budget is given up and its undelivered
 * lines reported, so the caller can checkpoint instead of resending what was delivered.
 *
 * Every call ends: the client's request timeout bounds each attempt, and {@link SenderOptions.signal} aborts every
 * call still in flight at the invocation's deadline. A call that timed out or was aborted has *unknown* entries
 * (Firehose may have stored them and the answer was lost): they are treated as unacknowledged, so the continuation
 * sends them again. Those may be duplicates, bounded by the entries of the calls in flight; losing them is worse.
 * API: https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
 */
import { type FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import { describeAwsError, isThrottling, mayPass } from '../aws/errors';
import { defaultSleep, retryWithBackoff } from '../aws/retry';
import type { Batch, OutgoingRecord } from './batcher';

export interface SenderOptions {
  readonly streamName: string;
  /** PutRecordBatch calls in flight at once. */
  readonly maxInFlight: number;
  /** How long one batch may be retried before it is given up, in ms. */
  readonly retryBudgetMs: number;
  /** Absolute time (ms since epoch) after which no retry starts. */
  readonly deadline: () => number;
  /**
   * Aborts the calls in flight (passed to every PutRecordBatch as `abortSignal`) and stops retries: the invocation's
   * deadline for data calls. Once aborted, no call starts and pending entries are given up as unacknowledged.
   */
  readonly signal?: AbortSignal;
  /** Backoff base and cap in ms (full jitter: a random delay in [0, min(cap, base·2^attempt)]). */
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** Counters for metrics. */
export interface SenderStats {
  calls: number;
  recordsAcked: number;
  /** Entries or calls retried. */
  retries: number;
  /** Throttling responses (whole call or entry `ServiceUnavailableException`). */
  throttles: number;
}

/** What happened to each line of one batch. */
interface BatchOutcome {
  readonly acked: OutgoingRecord[];
  readonly unacked: number[];
  /** Why the unacked lines were given up (undefined when all were acked). */
  readonly error?: SendFailure;
}

export interface SendFailure {
  readonly message: string;
  /** Whether trying again later may succeed (throttling, 5xx, network) or not (missing stream, access denied). */
  readonly transient: boolean;
}

export class FirehoseSender {
  readonly stats: SenderStats = { calls: 0, recordsAcked: 0, retries: 0, throttles: 0 };
  /** The first failure that made a batch give up; once set, the caller stops reading. */
  failure: SendFailure | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly client: FirehoseClient,
    private readonly options: SenderOptions,
    /** Called once per line as its fate is settled (with the record, for callers that read it, e.g. its time). */
    private readonly onSettled: (line: number, acked: boolean, record?: OutgoingRecord) => void,
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  /** Starts sending `batch`; waits first while {@link SenderOptions.maxInFlight} calls are under way. */
  async submit(batch: Batch): Promise<void> {
    while (this.inFlight.size >= this.options.maxInFlight) await Promise.race(this.inFlight);
    const p = this.deliver(batch.records).then((outcome) => {
      for (const record of outcome.acked) this.onSettled(record.lineNumber, true, record);
      for (const line of outcome.unacked) this.onSettled(line, false);
      if (outcome.error && !this.failure) this.failure = outcome.error;
      this.inFlight.delete(p);
    });
    this.inFlight.add(p);
  }

  /** Waits until every submitted batch is settled. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  private async deliver(records: OutgoingRecord[]): Promise<BatchOutcome> {
    const acked: OutgoingRecord[] = [];
    let pending = records;
    const signal = this.options.signal;
    const outcome = await retryWithBackoff(
      async (): Promise<SendFailure | undefined> => {
        this.stats.calls++;
        let res: PutRecordBatchCommandOutput;
        try {
          res = await this.client.send(
            new PutRecordBatchCommand({
              DeliveryStreamName: this.options.streamName,
              Records: pending.map((r) => ({ Data: r.data })),
            }),
            signal ? { abortSignal: signal } : {},
          );
        } catch (e) {
          if (isThrottling(e)) this.stats.throttles++;
          throw e;
        }
        const responses = res.RequestResponses ?? [];
        const failed: OutgoingRecord[] = [];
        let failure: SendFailure | undefined;
        pending.forEach((r, i) => {
          const code = responses[i]?.ErrorCode;
          if (code || (responses[i] === undefined && (res.FailedPutCount ?? 0) > 0)) {
            failed.push(r);
            if (code && isThrottling(code)) this.stats.throttles++;
            // Every failed entry is retried, whatever its code: PutRecordBatch documents only
            // ServiceUnavailableException and InternalFailure, both worth another attempt.
            failure = { message: `${code ?? 'unknown'}: ${responses[i]?.ErrorMessage ?? ''}`, transient: true };
          } else {
            acked.push(r);
          }
        });
        this.stats.recordsAcked += pending.length - failed.length;
        pending = failed;
        return failure;
      },
      {
        baseMs: this.options.backoffBaseMs ?? 100,
        capMs: this.options.backoffCapMs ?? 5000,
        giveUpAt: Math.min(this.now() + this.options.retryBudgetMs, this.options.deadline()),
        ...(signal ? { signal } : {}),
        retryValue: () => pending.length > 0,
        onRetry: () => {
          this.stats.retries++;
        },
        now: this.now,
        sleep: this.sleep,
        random: this.random,
      },
    );
    if (outcome.ok) return { acked, unacked: [] };
    const unacked = pending.map((r) => r.lineNumber);
    const last = outcome.last;
    const failure: SendFailure | undefined =
      last === undefined ? undefined : 'error' in last ? describeFailure(last.error) : last.value;
    // Aborted at the deadline: the entries' fate is unknown; they stay pending for the continuation.
    if (outcome.why === 'aborted') {
      return {
        acked,
        unacked,
        error:
          last && 'error' in last
            ? { message: `${deadlinePassed().message} (${failure?.message})`, transient: true }
            : deadlinePassed(),
      };
    }
    return { acked, unacked, ...(failure ? { error: failure } : {}) };
  }
}

/** A whole call that failed, as the failure the caller reports. */
function describeFailure(e: unknown): SendFailure {
  const error = describeAwsError(e);
  return { message: error.message, transient: mayPass(error) };
}

function deadlinePassed(): SendFailure {
  return {
    message: 'PutRecordBatch stopped at the invocation deadline: its entries are unacknowledged and will be resent',
    transient: true,
  };
}

/**
 * The ingest handler's use of the object ledger (lambda/ledger/): the claim before an object is read, where a run
 * resumes, the accounting that travels with each checkpoint, and what a failed ledger call means. The ledger is
 * optional (LEDGER_TABLE_NAME unset: none of this runs).
 *
 * Failure model (the promise is: no line lost, no object recorded `done` that is not):
 * - claim fails (throttled, outage, timeout after the SDK's retries): nothing is read; the object is unfinished,
 *   transient, without progress, so it takes the normal backoff and attempt budget, then the dead-letter queue.
 * - a checkpoint write fails mid-stream: counted (`LedgerErrors`) and logged, the object streams on; only the bound on
 *   lines sent again after a hard kill grows (the last persisted checkpoint is older).
 * - the ledger says the lease is lost mid-stream (another run took the object over): the run stops at once and writes
 *   nothing more to the ledger.
 * - finish fails: the message fails (SQS redelivers it); the next run resumes from the last persisted checkpoint.
 * - release fails: the continuation is still enqueued; its position may be ahead of the ledger's, and the ledger wins
 *   on the next claim (some lines sent again, none lost).
 */
import { describeAwsError, mayPass } from '../aws/errors';
import { type Accounting, type Checkpoint, type LedgerEntry, NO_ACCOUNTING, type ObjectVersion } from '../ledger/entry';
import { LeaseLostError, type ObjectLedger } from '../ledger/object-ledger';
import type { ObjectWork } from './messages';
import type { StopCause } from './stop-causes';

export interface LedgerDeps {
  readonly ledger: ObjectLedger;
  /** This invocation's owner id (Lambda request id and a random suffix): unique per run. */
  readonly owner: string;
  /** The clock leases are compared with: the ledger's own `now` (epoch ms). Default Date.now. */
  readonly clock?: () => number;
}

/**
 * Added to a lease beyond the invocation's end, for clocks that disagree by a few seconds. The lease must still
 * have expired when SQS redelivers a message whose run was killed: the stack sets the queue's visibility timeout
 * above the function timeout (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html recommends
 * at least six times the function timeout), far more than this margin.
 */
export const LEASE_CLOCK_SKEW_MS = 5_000;

/** Thrown when the object was read to its end but `done` could not be recorded: the message must fail. */
export class LedgerFinishError extends Error {
  constructor(
    readonly version: ObjectVersion,
    cause: unknown,
  ) {
    super(`recording s3://${version.bucket}/${version.key} done in the ledger failed: ${describeLedgerError(cause)}`);
    this.name = 'LedgerFinishError';
  }
}

export const describeLedgerError = (e: unknown): string =>
  e instanceof LeaseLostError ? e.message : describeAwsError(e).message;

/** A ledger call that failed: the stop cause (transient unless the error is permanent, e.g. access denied). */
export function ledgerCause(what: string, e: unknown): StopCause {
  if (e instanceof LeaseLostError) return { kind: 'lease-lost', message: e.message, transient: true };
  const error = describeAwsError(e);
  return { kind: 'ledger', message: `ledger ${what} failed: ${error.message}`, transient: mayPass(error) };
}

/** Whether the entry carries a position (a checkpoint some run persisted). */
export const hasCheckpoint = (e: LedgerEntry): boolean =>
  e.checkpoint.resumeAfterLine > 0 || e.checkpoint.doneRanges.length > 0 || e.accounting.linesDone > 0;

export interface StartPoint {
  readonly resumeAfterLine: number;
  readonly doneRanges: readonly (readonly [number, number])[];
  /** Counters over exactly the done set above (entry.ts module comment). */
  readonly base: Accounting;
  /** Where the position came from. */
  readonly from: 'ledger' | 'start';
  /** Set when the message carried a position the ledger does not know (see {@link startPoint}). */
  readonly ignoredMessagePosition?: number;
}

/**
 * Where a claimed object resumes. The ledger is authoritative for its version, because its accounting counts
 * exactly its checkpoint's done set: with a checkpoint, the run starts from it (a continuation's own position may be
 * ahead when a release failed, or behind when an old continuation is delivered again).
 *
 * Without a checkpoint in the ledger, the run starts from line 1 even when the message carries a position. This
 * deviates from resuming at the message's position on purpose: the ledger has no counters for those lines, and
 * starting there would record a `done` whose accounting does not add up (linesDone = records + rejects + blank
 * lines). It happens only when no checkpoint of any earlier run of this version reached the ledger (its writes all
 * failed) or for continuations enqueued before the ledger existed; the lines sent again are duplicates, which the
 * dedup view removes, never a loss.
 */
export function startPoint(entry: LedgerEntry, work: ObjectWork): StartPoint {
  if (hasCheckpoint(entry)) {
    return {
      resumeAfterLine: entry.checkpoint.resumeAfterLine,
      doneRanges: entry.checkpoint.doneRanges,
      base: entry.accounting,
      from: 'ledger',
    };
  }
  const moved = work.resumeAfterLine > 0 || work.doneRanges.length > 0;
  return {
    resumeAfterLine: 0,
    doneRanges: [],
    base: NO_ACCOUNTING,
    from: 'start',
    ...(moved ? { ignoredMessagePosition: work.resumeAfterLine } : {}),
  };
}

/**
 * The earliest and latest `time` of the records acknowledged, read from their encoded bytes without decoding them.
 * Every record starts with `line_number`, then the columns in schema order (lambda/parser/record-keys.ts). ALB
 * access and health-check records go on `"type":"…","time":"…"`, so the value is found by jumping over two short
 * values; the other log types (connection and Classic logs start with `time`, NLB with `type` and `version`) are
 * found by the short scan of the first bytes. ISO 8601 UTC timestamps of one format order as bytes (every type's
 * `time` is written with `Z`, NLB's whole seconds included: lambda/parser/json.ts). It runs when Firehose acknowledges a record, not in the
 * parser: about 40 byte reads and one 27-byte comparison per record, measured at 0.2 to 0.5 us (mostly the cache
 * miss of touching the record again), against about 40 us of handler CPU per record (README, Performance): under
 * 1 %. A record without the field (never written by this encoder) is ignored.
 */
export class TimeRange {
  private min: Uint8Array | undefined;
  private max: Uint8Array | undefined;

  constructor(base?: { readonly minTime?: string; readonly maxTime?: string }) {
    if (base?.minTime) this.min = Buffer.from(base.minTime);
    if (base?.maxTime) this.max = Buffer.from(base.maxTime);
  }

  add(data: Uint8Array): void {
    const start = timeValueStart(data);
    if (start < 0) return;
    let end = start;
    while (end < data.length && data[end] !== 0x22) end++;
    if (this.max === undefined || compare(data, start, end, this.max) > 0) {
      this.max = data.slice(start, end);
      this.min ??= this.max;
    } else if (this.min === undefined || compare(data, start, end, this.min) < 0) {
      this.min = data.slice(start, end);
    }
  }

  get minTime(): string | undefined {
    return this.min && Buffer.from(this.min).toString('latin1');
  }

  get maxTime(): string | undefined {
    return this.max && Buffer.from(this.max).toString('latin1');
  }
}

const TIME_KEY = Buffer.from('"time":"');
const LINE_KEY_END = Buffer.byteLength('{"line_number":');
const TYPE_KEY = Buffer.byteLength(',"type":"');
const QUOTE = 0x22;
/** How far into a record the fallback scan looks for the `time` key. */
const TIME_KEY_WITHIN = 96;

/**
 * Where the `time` value starts: jumps over the line number's digits and the `type` value (the shape the encoder
 * writes), checking the key where it must be; any other shape falls back to a scan of the first bytes.
 */
function timeValueStart(data: Uint8Array): number {
  const n = data.length;
  let p = LINE_KEY_END;
  while (p < n && data[p]! >= 0x30 && data[p]! <= 0x39) p++;
  p += TYPE_KEY;
  while (p < n && data[p] !== QUOTE) p++;
  p += 2; // the closing quote and the comma
  if (p + TIME_KEY.length <= n && startsWithTimeKey(data, p)) return p + TIME_KEY.length;
  const limit = Math.min(n - TIME_KEY.length, TIME_KEY_WITHIN);
  for (let i = 0; i <= limit; i++) if (startsWithTimeKey(data, i)) return i + TIME_KEY.length;
  return -1;
}

function startsWithTimeKey(data: Uint8Array, at: number): boolean {
  for (let j = 0; j < TIME_KEY.length; j++) if (data[at + j] !== TIME_KEY[j]) return false;
  return true;
}

function compare(data: Uint8Array, start: number, end: number, other: Uint8Array): number {
  const n = Math.min(end - start, other.length);
  for (let i = 0; i < n; i++) {
    const d = data[start + i]! - other[i]!;
    if (d !== 0) return d;
  }
  return end - start - other.length;
}

/** A checkpoint and its accounting, taken together (consistent by construction). */
export interface Snapshot {
  readonly checkpoint: Checkpoint;
  readonly accounting: Accounting;
}

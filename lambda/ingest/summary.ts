/**
 * The per-object summary: metrics, and one structured log line with the accounting that proves no line was lost.
 *
 * The line stays far under CloudWatch Logs' 1 MB event limit (a longer one is split, breaking the accounting line;
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html): it carries at most three
 * reject samples, each `raw` cut to {@link SAMPLE_RAW_CHARS} characters with the original length in `rawChars`.
 */
import type { ObjectStats, RejectedLine } from '../parser/parse-object';
import type { LogTypeId } from '../schema/types';
import type { SenderStats } from './firehose-sender';
import type { ObjectWork } from './messages';
import { describeCauses, type StopCause } from './stop-causes';
import type { Telemetry } from './telemetry';

/** Characters of a rejected line kept in a log sample (the rejects object keeps the line whole). */
export const SAMPLE_RAW_CHARS = 2048;
const SAMPLE_REASON_CHARS = 512;

/** A rejected line as shown in logs: bounded, with the original length when it was cut. */
export interface RejectSample {
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
  /** Length of the original `raw` in characters, present only when `raw` was cut (it then ends with `…`). */
  readonly rawChars?: number;
}

export function sampleOf(reject: RejectedLine): RejectSample {
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
  return {
    line: reject.line,
    reason: cut(reject.reason, SAMPLE_REASON_CHARS),
    raw: cut(reject.raw, SAMPLE_RAW_CHARS),
    ...(reject.raw.length > SAMPLE_RAW_CHARS ? { rawChars: reject.raw.length } : {}),
  };
}

/** Everything one run over one object reports. */
export interface ObjectSummary {
  readonly work: ObjectWork;
  readonly logType: LogTypeId;
  readonly etag: string | undefined;
  readonly stats: ObjectStats;
  readonly sent: SenderStats;
  readonly recordBytes: number;
  /** The rejects object and samples, when any line was rejected. */
  readonly rejects: { readonly key: string; readonly samples: readonly RejectSample[] } | undefined;
  /** Why the run stopped before the end (empty when it did not). */
  readonly causes: readonly StopCause[];
  readonly durationMs: number;
  /** With the object ledger: how this run held the object. */
  readonly ledger?: LedgerSummary;
}

/** Ledger facts of one run over one object (summary field `ledger`). */
export interface LedgerSummary {
  /** `claimed`, or `takeover` when the previous holder's lease had expired. */
  readonly claim: 'claimed' | 'takeover';
  /** Claims of this version so far, this one included. */
  readonly run: number;
  /** Where the run resumed: the ledger's checkpoint, or line 1. */
  readonly resumedFrom: 'ledger' | 'start';
  readonly resumeAfterLine: number;
  readonly checkpointsPersisted: number;
  readonly checkpointErrors: number;
  readonly leaseLost?: boolean;
  /** How the run left the entry: `done`, `released`, or the failed write. */
  readonly end?: string;
}

/** Counts the run's metrics and writes its summary line. */
export function reportObject(telemetry: Telemetry, s: ObjectSummary): void {
  const { stats, sent, logType } = s;
  telemetry.count('BytesIn', stats.compressedBytes);
  telemetry.count('RawBytes', stats.rawBytes);
  telemetry.count('Lines', stats.lines - stats.resumedPast, logType);
  telemetry.count('RecordsSent', sent.recordsAcked, logType);
  telemetry.count('RecordBytes', s.recordBytes);
  telemetry.count('Rejects', stats.rejects, logType);
  telemetry.count('ExtraFieldLines', stats.extraFieldLines, logType);
  telemetry.count('Retries', sent.retries);
  telemetry.count('Throttles', sent.throttles);
  telemetry.count('DurationMs', s.durationMs);
  telemetry.log(stats.rejects > 0 || s.causes.length > 0 ? 'warn' : 'info', 'object summary', {
    bucket: s.work.bucket,
    key: s.work.key,
    logType,
    etag: s.etag,
    resumeAfterLine: s.work.resumeAfterLine,
    linesRead: stats.lines,
    linesAlreadyDone: stats.resumedPast,
    blankLines: stats.blankLines,
    records: stats.records,
    recordsAcknowledged: sent.recordsAcked,
    rejects: stats.rejects,
    extraFieldLines: stats.extraFieldLines,
    bytesIn: stats.compressedBytes,
    rawBytes: stats.rawBytes,
    recordBytes: s.recordBytes,
    firehoseCalls: sent.calls,
    retries: sent.retries,
    throttles: sent.throttles,
    durationMs: s.durationMs,
    ...(s.causes.length > 0 ? { stoppedBecause: describeCauses(s.causes) } : {}),
    ...(s.rejects ? { rejectsObject: s.rejects.key, rejectSamples: s.rejects.samples } : {}),
    ...(s.ledger ? { ledger: s.ledger } : {}),
  });
}

/**
 * The completeness scan shared by `alb-iceberg status`, `alb-iceberg reconcile` and the scheduled check
 * (lambda/check/handler.ts): for a scope (bucket, log prefix, a date range, optional accounts and regions) it lists
 * only the day folders of the range (backfill's {@link listingRanges}), reads the ledger's entries of each folder (one
 * DynamoDB Query per folder, paginated), and judges the folder with {@link judgeFolder}.
 *
 * Cost per folder (one account, region and day): one ListObjectsV2 request per 1,000 keys
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html) and one eventually consistent Query per
 * 1 MB of entries, 0.5 read unit per 4 KB read
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html). The Query is
 * eventually consistent: an entry written in the last second may not be seen yet, which the grace period covers.
 *
 * Memory is one folder at a time: a folder's listing and its ledger entries are read, judged, handed to the caller
 * and dropped before the next folder is read. The per-day totals (one small record per day) are kept by
 * {@link DayTotals}, whose size depends on the number of days, never on the number of objects.
 *
 * What is judged: the ALB access logs of the folder. A key that is not an access log (connection or health-check
 * log, the ELB test file, anything else) and that the ledger does not know is counted as `notAccessLogs` and never
 * reported missing: the pipeline does not ingest it, and the bucket's notification filter may not even send it. A
 * 0-byte access log the ledger does not know is counted as `empty`: ALB writes real 0-byte files, they hold no line,
 * and backfill does not enqueue them either. Both keep their ledger verdict when the ledger has an entry (the ingest
 * function records them as skipped).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import {
  addToDay,
  type DaySummary,
  accountedFor as dayAccountedFor,
  emptyDay,
  type FolderJudgement,
  judgeFolder,
  type ObjectVerdict,
  type Verdict,
} from '../ledger/completeness';
import { describeLogKey } from '../s3/log-key';
import { type LedgerReader, type ListingCounters, type LogScope, listingRanges } from './backfill';
import { dayOf, parseDay } from './dates';
import { type ListedObject, type ListOptions, listObjects } from './s3-objects';

/** A scope with a first day: only day folders are listed, never a whole region. */
export interface ScanScope extends LogScope {
  readonly from: string;
}

export interface ScanCounters extends ListingCounters {
  /** Day folders whose ledger entries were read (one Query each; more when a folder has over 1 MB of entries). */
  ledgerQueries: number;
  /** Keys S3 listed in the day folders. */
  listed: number;
}

export interface ScanDeps {
  readonly s3: S3Client;
  readonly ledger: LedgerReader;
  /** Epoch ms, for the grace period and the default end date (today, UTC). */
  readonly now: number;
  readonly graceMs: number;
  readonly counters: ScanCounters;
  /**
   * The abort signal of each S3 and DynamoDB call, asked for just before it is sent (a caller with a deadline). The
   * clients' own timeouts apply in any case.
   */
  readonly callSignal?: () => AbortSignal | undefined;
  /** Asked before each folder: a reason to stop (a deadline, an interruption), or undefined to go on. */
  readonly shouldStop?: () => string | undefined;
}

/** One day folder of one account and region, judged. */
export interface FolderScan {
  /** The folder (key prefix, ending in '/'). */
  readonly folder: string;
  /** `YYYY-MM-DD`. */
  readonly day: string;
  /** The judgement of the folder's access logs (and of any object the ledger has an entry for). */
  readonly judgement: FolderJudgement;
  /** Keys that are not access logs, unknown to the ledger: not judged. */
  readonly notAccessLogs: number;
  /** 0-byte access logs unknown to the ledger: nothing to ingest, not judged. */
  readonly empty: number;
}

/** Splits a raw judgement into what completeness is about, and the keys the pipeline has no business with. Pure. */
export function judgedObjects(raw: FolderJudgement): {
  judgement: FolderJudgement;
  notAccessLogs: number;
  empty: number;
} {
  let notAccessLogs = 0;
  let empty = 0;
  const objects: ObjectVerdict[] = [];
  for (const o of raw.objects) {
    if (!o.entry && describeLogKey(o.object.key).kind !== 'alb-access-log') notAccessLogs++;
    else if (!o.entry && o.object.size === 0) empty++;
    else objects.push(o);
  }
  return { judgement: { objects, gone: raw.gone }, notAccessLogs, empty };
}

/** `YYYY-MM-DD` of a folder `.../<yyyy>/<mm>/<dd>/`. */
export function dayOfFolder(folder: string): string {
  const m = /(\d{4})\/(\d{2})\/(\d{2})\/$/.exec(folder);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : '';
}

/** The last day of a scope: `to`, or today (UTC) when there is none. */
export function scopeEnd(scope: ScanScope, now: number): string {
  return scope.to ?? dayOf(now);
}

/**
 * Judges every day folder of the scope, one folder at a time, in the order backfill lists them (per account, per
 * region, per day). Stops before the next folder when `shouldStop` gives a reason (the caller knows it stopped: the
 * generator simply ends; use {@link ScanStop}).
 */
export async function* scanFolders(scope: ScanScope, deps: ScanDeps, stop?: ScanStop): AsyncGenerator<FolderScan> {
  const from = parseDay(scope.from);
  if (from === undefined) throw new Error(`not a day: ${scope.from}`);
  const today = parseDay(dayOf(deps.now))!;
  const listOptions: Pick<ListOptions, 'callSignal'> = deps.callSignal ? { callSignal: deps.callSignal } : {};
  const onRequest = () => {
    deps.counters.listRequests++;
  };
  // When the ledger started recording: objects older than that without an entry are 'before-ledger', not missing.
  const startSignal = deps.callSignal?.();
  const ledgerSince = await deps.ledger.startedAt?.(startSignal ? { abortSignal: startSignal } : {});
  for await (const range of listingRanges(
    deps.s3,
    { ...scope, to: scopeEnd(scope, deps.now) },
    today,
    deps.counters,
    listOptions,
  )) {
    const reason = deps.shouldStop?.();
    if (reason !== undefined) {
      if (stop) stop.reason = reason;
      return;
    }
    const listed: ListedObject[] = [];
    for await (const o of listObjects(deps.s3, scope.bucket, range.prefix, { onRequest, ...listOptions })) {
      // A day folder holds only files; anything deeper (not ALB's layout) belongs to no folder judged here.
      if (o.key.indexOf('/', range.prefix.length) !== -1) continue;
      listed.push(o);
    }
    deps.counters.listed += listed.length;
    deps.counters.ledgerQueries++;
    const entries = [];
    const abortSignal = deps.callSignal?.();
    for await (const e of deps.ledger.listFolder(scope.bucket, range.prefix, abortSignal ? { abortSignal } : {})) {
      entries.push(e);
    }
    const { judgement, notAccessLogs, empty } = judgedObjects(
      judgeFolder(listed, entries, {
        now: deps.now,
        graceMs: deps.graceMs,
        ...(ledgerSince !== undefined ? { ledgerSince } : {}),
      }),
    );
    yield { folder: range.prefix, day: dayOfFolder(range.prefix), judgement, notAccessLogs, empty };
  }
}

/** Filled by {@link scanFolders} when it stopped early: why. */
export interface ScanStop {
  reason: string | undefined;
}

/** A day's figures: the ledger's summary, plus what was not judged and how many folders made it. */
export interface DayReport {
  readonly summary: DaySummary;
  folders: number;
  notAccessLogs: number;
  empty: number;
  /** A few keys per verdict that needs an operator (missing, failed), in S3 order. */
  readonly samples: { readonly missing: string[]; readonly failed: string[] };
}

/** Per-day totals of a scan, for every day of the range (days without any folder included, all zero). */
export class DayTotals {
  private readonly days = new Map<string, DayReport>();

  constructor(
    from: string,
    to: string,
    private readonly samplesPerDay = 10,
  ) {
    const start = parseDay(from)!;
    const end = parseDay(to)!;
    for (let t = start; t <= end; t += 86_400_000) this.day(dayOf(t));
  }

  add(scan: FolderScan): void {
    const d = this.day(scan.day);
    addToDay(d.summary, scan.judgement);
    d.folders++;
    d.notAccessLogs += scan.notAccessLogs;
    d.empty += scan.empty;
    for (const o of scan.judgement.objects) {
      const sample =
        o.verdict === 'missing' ? d.samples.missing : o.verdict === 'failed' ? d.samples.failed : undefined;
      if (sample && sample.length < this.samplesPerDay) sample.push(o.object.key);
    }
  }

  /** The days, oldest first. */
  list(): DayReport[] {
    return [...this.days.values()].sort((a, b) => (a.summary.day < b.summary.day ? -1 : 1));
  }

  private day(day: string): DayReport {
    let d = this.days.get(day);
    if (!d) {
      d = { summary: emptyDay(day), folders: 0, notAccessLogs: 0, empty: 0, samples: { missing: [], failed: [] } };
      this.days.set(day, d);
    }
    return d;
  }
}

/** Whether a day (or a whole report) is accounted for: nothing missing, nothing failed. Pure. */
export function accountedFor(days: readonly DayReport[]): boolean {
  return days.every((d) => dayAccountedFor(d.summary));
}

/** The sum of several days' figures (the `day` field is ''). Pure. */
export function totalOf(days: readonly DayReport[]): DayReport {
  const total: DayReport = {
    summary: emptyDay(''),
    folders: 0,
    notAccessLogs: 0,
    empty: 0,
    samples: { missing: [], failed: [] },
  };
  for (const d of days) {
    for (const [v, t] of Object.entries(d.summary.verdicts) as [Verdict, DaySummary['verdicts'][Verdict]][]) {
      const into = total.summary.verdicts[v];
      into.objects += t.objects;
      into.linesDone += t.linesDone;
      into.bytes += t.bytes;
    }
    total.summary.gone.objects += d.summary.gone.objects;
    total.summary.gone.linesDone += d.summary.gone.linesDone;
    total.summary.gone.bytes += d.summary.gone.bytes;
    total.summary.replaced += d.summary.replaced;
    for (const [c, n] of Object.entries(d.summary.failedCauses)) {
      total.summary.failedCauses[c] = (total.summary.failedCauses[c] ?? 0) + n;
    }
    for (const [r, n] of Object.entries(d.summary.skippedReasons)) {
      total.summary.skippedReasons[r] = (total.summary.skippedReasons[r] ?? 0) + n;
    }
    total.folders += d.folders;
    total.notAccessLogs += d.notAccessLogs;
    total.empty += d.empty;
  }
  return total;
}

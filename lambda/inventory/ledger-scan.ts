/**
 * The completeness scan shared by `alb-iceberg status`, `alb-iceberg reconcile` and the scheduled check
 * (lambda/check/handler.ts): for a scope (bucket, log prefix, a date range, optional accounts and regions) it lists
 * only the day folders of the range ({@link listingRanges}, day-folders.ts), reads the ledger's entries of each folder (one
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
 * What is judged: the log files of the folder whose type is selected (every type by default: ALB access, connection
 * and health-check logs, NLB and Classic logs, `.log` and `.log.gz`, as lambda/s3/log-key.ts names them), each also
 * counted under its type. Set apart, counted and never reported missing:
 * - a key that is no log file of a known type (the ELB test file, an object of AWS's CloudWatch-vended delivery,
 *   anything else) and that the ledger does not know (`notLogFiles`, of them `cloudwatchDelivery`): the pipeline
 *   does not ingest it, and the bucket's notification filter may not even send it;
 * - a 0-byte log file the ledger does not know (`empty`): ELB writes real 0-byte files, they hold no line, and
 *   backfill does not enqueue them either;
 * - a log file of a type outside the selection (`notSelected`), whatever the ledger says, and ledger entries of
 *   such types: the deployment (or the operator's `--type`) does not ingest that type, so it has no notification
 *   and no entry to compare with.
 * The first two keep their ledger verdict when the ledger has an entry (the ingest function records them skipped).
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
import type { LogTypeId } from '../schema/log-types';
import { dayOf, parseDay } from './dates';
import { type ListingCounters, type LogScope, listingRanges } from './day-folders';
import type { LedgerReader } from './ledger-reader';
import { countType, selectedTypes, type TypeCounts } from './log-type-selection';
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

/** What a folder scan sets apart without judging it (see the module comment). */
export interface NotJudged {
  /** Keys that are no log file of a known type, unknown to the ledger. */
  notLogFiles: number;
  /** Of {@link notLogFiles}: objects of AWS's CloudWatch-vended delivery, which this pipeline does not read. */
  cloudwatchDelivery: number;
  /** 0-byte log files of a selected type, unknown to the ledger, per type. */
  readonly empty: TypeCounts;
  /** Log files of a type outside the selection, per type. */
  readonly notSelected: TypeCounts;
}

/** Nothing set apart. */
export function noneNotJudged(): NotJudged {
  return { notLogFiles: 0, cloudwatchDelivery: 0, empty: {}, notSelected: {} };
}

/** Adds one count of things not judged to another. */
export function addNotJudged(into: NotJudged, from: NotJudged): void {
  into.notLogFiles += from.notLogFiles;
  into.cloudwatchDelivery += from.cloudwatchDelivery;
  for (const [t, n] of Object.entries(from.empty) as [LogTypeId, number][]) countType(into.empty, t, n);
  for (const [t, n] of Object.entries(from.notSelected) as [LogTypeId, number][]) countType(into.notSelected, t, n);
}

/** The sum of a per-type count. */
export function sumOf(counts: TypeCounts): number {
  return Object.values(counts).reduce((n, c) => n + (c ?? 0), 0);
}

/** A folder's judgement, split into what completeness is about and what is set apart. */
export interface JudgedFolder {
  /** Every judged object (log files of the selected types, and other keys the ledger has an entry for). */
  readonly judgement: FolderJudgement;
  /** The judged log files (and gone entries) of each selected type that has any. */
  readonly byType: Partial<Record<LogTypeId, FolderJudgement>>;
  readonly notJudged: NotJudged;
}

/** One day folder of one account and region, judged. */
export interface FolderScan extends JudgedFolder {
  /** The folder (key prefix, ending in '/'). */
  readonly folder: string;
  /** `YYYY-MM-DD`. */
  readonly day: string;
}

/**
 * Splits a raw judgement into what completeness is about, per log type, and the keys the pipeline has no business
 * with (see the module comment). Pure.
 * @param logTypes the selected types (default: every type)
 */
export function judgedObjects(raw: FolderJudgement, logTypes?: readonly LogTypeId[]): JudgedFolder {
  const selected = selectedTypes(logTypes);
  const notJudged = noneNotJudged();
  const objects: ObjectVerdict[] = [];
  const byType: Partial<Record<LogTypeId, { objects: ObjectVerdict[]; gone: FolderJudgement['gone'][number][] }>> = {};
  const ofType = (t: LogTypeId) => (byType[t] ??= { objects: [], gone: [] });
  for (const o of raw.objects) {
    const { kind, logType } = describeLogKey(o.object.key);
    if (logType !== undefined && !selected.has(logType)) {
      countType(notJudged.notSelected, logType);
    } else if (logType === undefined && !o.entry) {
      notJudged.notLogFiles++;
      if (kind === 'cloudwatch-delivery') notJudged.cloudwatchDelivery++;
    } else if (logType !== undefined && !o.entry && o.object.size === 0) {
      countType(notJudged.empty, logType);
    } else {
      objects.push(o);
      if (logType !== undefined) ofType(logType).objects.push(o);
    }
  }
  const gone = raw.gone.filter((e) => {
    const { logType } = describeLogKey(e.key);
    if (logType === undefined) return true;
    if (!selected.has(logType)) return false;
    ofType(logType).gone.push(e);
    return true;
  });
  return { judgement: { objects, gone }, byType, notJudged };
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
    const judged = judgedObjects(
      judgeFolder(listed, entries, {
        now: deps.now,
        graceMs: deps.graceMs,
        ...(ledgerSince !== undefined ? { ledgerSince } : {}),
      }),
      scope.logTypes,
    );
    yield { folder: range.prefix, day: dayOfFolder(range.prefix), ...judged };
  }
}

/** Filled by {@link scanFolders} when it stopped early: why. */
export interface ScanStop {
  reason: string | undefined;
}

/** A day's figures: the ledger's summary (also per log type), what was not judged and how many folders made it. */
export interface DayReport {
  readonly summary: DaySummary;
  /** The summary of each log type that had a judged object or a gone entry that day. */
  readonly byType: Partial<Record<LogTypeId, DaySummary>>;
  folders: number;
  readonly notJudged: NotJudged;
  /** A few keys per verdict that needs an operator (missing, failed), in S3 order. */
  readonly samples: { readonly missing: string[]; readonly failed: string[] };
}

/** A report's summary of one log type, created (all zero) when the type has none yet. */
function typeSummary(report: DayReport, type: LogTypeId): DaySummary {
  const existing = report.byType[type];
  if (existing) return existing;
  const created = emptyDay(report.summary.day);
  report.byType[type] = created;
  return created;
}

function emptyReport(day: string): DayReport {
  return { summary: emptyDay(day), byType: {}, folders: 0, notJudged: noneNotJudged(), samples: emptySamples() };
}

const emptySamples = () => ({ missing: [] as string[], failed: [] as string[] });

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
    for (const [t, j] of Object.entries(scan.byType) as [LogTypeId, FolderJudgement][]) {
      addToDay(typeSummary(d, t), j);
    }
    d.folders++;
    addNotJudged(d.notJudged, scan.notJudged);
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
      d = emptyReport(day);
      this.days.set(day, d);
    }
    return d;
  }
}

/** Whether a day (or a whole report) is accounted for: nothing missing, nothing failed. Pure. */
export function everyDayAccountedFor(days: readonly DayReport[]): boolean {
  return days.every((d) => dayAccountedFor(d.summary));
}

/** Adds one summary's figures to another (the `day` of `into` is kept). */
export function addSummary(into: DaySummary, from: DaySummary): void {
  for (const [v, t] of Object.entries(from.verdicts) as [Verdict, DaySummary['verdicts'][Verdict]][]) {
    const sum = into.verdicts[v];
    sum.objects += t.objects;
    sum.linesDone += t.linesDone;
    sum.bytes += t.bytes;
  }
  into.gone.objects += from.gone.objects;
  into.gone.linesDone += from.gone.linesDone;
  into.gone.bytes += from.gone.bytes;
  into.replaced += from.replaced;
  for (const [c, n] of Object.entries(from.failedCauses)) into.failedCauses[c] = (into.failedCauses[c] ?? 0) + n;
  for (const [r, n] of Object.entries(from.skippedReasons)) {
    into.skippedReasons[r] = (into.skippedReasons[r] ?? 0) + n;
  }
}

/** The sum of several days' figures (the `day` field is ''; no samples). Pure. */
export function totalOf(days: readonly DayReport[]): DayReport {
  const total = emptyReport('');
  for (const d of days) {
    addSummary(total.summary, d.summary);
    for (const [t, s] of Object.entries(d.byType) as [LogTypeId, DaySummary][]) {
      addSummary(typeSummary(total, t), s);
    }
    total.folders += d.folders;
    addNotJudged(total.notJudged, d.notJudged);
  }
  return total;
}

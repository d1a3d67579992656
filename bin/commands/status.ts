/**
 * `alb-iceberg status`: whether every log object of a date range reached its table (per day, and per log type), from S3's listing and the
 * object ledger (lambda/inventory/ledger-scan.ts). Formatting, the JSON document and the exit code are pure functions.
 */
import { parseArgs } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { normalisePrefix } from '../../lambda/inventory/day-folders';
import {
  type DayReport,
  DayTotals,
  everyDayAccountedFor,
  type ScanCounters,
  type ScanStop,
  scanFolders,
  sumOf,
  totalOf,
} from '../../lambda/inventory/ledger-scan';
import { errorText } from '../../lambda/inventory/s3-objects';
import { type DaySummary, emptyDay, accountedFor as summaryAccountedFor } from '../../lambda/ledger/completeness';
import { ObjectLedger } from '../../lambda/ledger/object-ledger';
import { LOG_TYPE_IDS, type LogTypeId } from '../../lambda/schema/log-types';
import { type OptionSpecs, readArgs, usageError } from '../args';
import { type AwsClientOptions, dynamodbClient, s3Client } from '../aws-clients';
import { type CliIo, OutputClosed } from '../io';
import { isEveryType, typeCountsText } from '../ops/log-types-text';
import { startLongRun } from './long-run';
import { type ParsedScope, parseScope, SCOPE_HELP, SCOPE_OPTIONS } from './scope-options';

export const STATUS_OPTIONS = {
  ...SCOPE_OPTIONS,
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

/**
 * The `--json` document's version. 2: every log type is judged (version 1 judged ALB access logs only, and counted
 * every other log file in `notAccessLogs`); fields were only added.
 */
export const STATUS_JSON_VERSION = 2;

const HELP = `Usage: alb-iceberg status --bucket BUCKET --ledger-table TABLE --from YYYY-MM-DD [--to YYYY-MM-DD]
                          [--prefix PREFIX] [--account ID]... [--log-region REGION]... [--type TYPE[,TYPE]]...
                          [--grace-minutes N] [--json]

Proves, day by day, that every ELB log object (ALB access, connection and health-check logs, NLB and Classic logs)
reached its table. It lists the day folders of the range in the log bucket and reads the object ledger's entries of
each folder, then counts per day, and per log type over the range:
  done         ingested: every line is a row, a stored reject or blank (with the lines counted)
  in progress  an ingest run holds it, or will resume it from its checkpoint
  failed       given up (dead-lettered), with the causes
  skipped      not ingested on purpose, with the reasons
  missing      in S3, older than the grace period, unknown to the ledger: its notification never reached the
               pipeline ('alb-iceberg reconcile' enqueues it)
  recent       unknown to the ledger but younger than the grace period (its notification may be on its way)
  before-ledger  unknown to the ledger and written before it started recording (an upgrade from a version
               without it, or history not backfilled yet): 'alb-iceberg backfill --ledger-table' covers them
  gone         ledger entries whose version S3 no longer lists (the object was deleted, or replaced)
  replaced     objects overwritten with new content: the new version is counted above (usually missing)
Counted apart and never missing: keys that are no log file (the ELB test file, objects of AWS's CloudWatch-vended
delivery) and 0-byte log files the ledger does not know, and log files of types --type leaves out.

Options:
${SCOPE_HELP}
  --json                Print one JSON document (kind alb-iceberg/status, version ${STATUS_JSON_VERSION}) instead of the table.
  -h, --help            Show this help.

Cost: per account, region and day, one ListObjectsV2 request per 1,000 keys and one DynamoDB Query per 1 MB of
ledger entries (eventually consistent: 0.5 read unit per 4 KB). Nothing is written.
Permissions: s3:ListBucket on the log bucket, dynamodb:Query on the ledger table. Credentials, region and endpoints
come from the usual environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB...).
A progress line is shown on a terminal; the report goes to stdout.

Examples:
  alb-iceberg status --bucket my-alb-logs --prefix prod --ledger-table <LedgerTableName> --from 2026-11-20
  alb-iceberg status --bucket my-alb-logs --ledger-table <LedgerTableName> --from 2026-11-01 --to 2026-11-30 --json

Exit codes: 0 every object is accounted for (none missing, none failed), 1 some are not (or the scan could not
finish), 2 usage error.`;

export interface LedgerCommandDeps {
  /** How to build the clients not given (timeouts, endpoint); default: the project's timeouts, the usual environment. */
  readonly aws?: AwsClientOptions;
  readonly s3?: S3Client;
  readonly dynamodb?: DynamoDBClient;
  readonly stderrIsTTY?: boolean;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/** What a status run found. */
export interface StatusReport {
  readonly parsed: ParsedScope;
  readonly checkedAt: number;
  readonly days: readonly DayReport[];
  readonly counters: ScanCounters;
  /** Why the scan stopped before the end (interrupted), if it did. */
  readonly stopped?: string;
}

/** The exit code of a status run: 0 when complete and accounted for, 1 otherwise. Pure. */
export function statusExitCode(report: Pick<StatusReport, 'days' | 'stopped'>): 0 | 1 {
  return report.stopped === undefined && everyDayAccountedFor(report.days) ? 0 : 1;
}

export async function runStatusCommand(argv: string[], io: CliIo, deps: LedgerCommandDeps = {}): Promise<number> {
  const parsed = await readArgs(
    () => parseArgs({ args: argv, allowPositionals: false, options: STATUS_OPTIONS }),
    'status',
    HELP,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const now = deps.now ?? Date.now;
  const scope = parseScope(parsed.values, now());
  if (typeof scope === 'string') return usageError(io, 'status', scope);

  const { progress, signal, dispose } = startLongRun(
    io,
    deps,
    'alb-iceberg status: interrupted, stopping after the folder under way',
  );
  let report: StatusReport;
  try {
    report = await scanStatus(scope, {
      s3: deps.s3 ?? s3Client(deps.aws),
      dynamodb: deps.dynamodb ?? dynamodbClient(deps.aws),
      now: now(),
      ...(signal ? { signal } : {}),
      onFolder: (folder, counters) =>
        progress.update(() => `status: ${counters.ledgerQueries} folder(s), ${counters.listed} key(s), at ${folder}`),
    });
  } catch (e) {
    progress.clear();
    io.err(`alb-iceberg status: ${errorText(e)}\n`);
    return 1;
  } finally {
    dispose();
  }
  progress.clear();
  try {
    await io.out(parsed.values.json ? `${JSON.stringify(statusJson(report), null, 2)}\n` : formatStatus(report));
  } catch (e) {
    if (e instanceof OutputClosed) return statusExitCode(report);
    throw e;
  }
  if (report.stopped) io.err(`alb-iceberg status: stopped before the end: ${report.stopped}\n`);
  return statusExitCode(report);
}

/** Runs the scan of a parsed scope and gathers its per-day totals. */
export async function scanStatus(
  parsed: ParsedScope,
  deps: {
    readonly s3: S3Client;
    readonly dynamodb: DynamoDBClient;
    readonly now: number;
    readonly signal?: AbortSignal;
    readonly onFolder?: (folder: string, counters: ScanCounters) => void;
  },
): Promise<StatusReport> {
  const counters: ScanCounters = { listRequests: 0, ledgerQueries: 0, listed: 0 };
  const totals = new DayTotals(parsed.scope.from, parsed.to);
  const stop: ScanStop = { reason: undefined };
  const ledger = new ObjectLedger({ client: deps.dynamodb, tableName: parsed.ledgerTable, retentionDays: 0 });
  for await (const folder of scanFolders(
    parsed.scope,
    {
      s3: deps.s3,
      ledger,
      now: deps.now,
      graceMs: parsed.graceMinutes * 60_000,
      counters,
      shouldStop: () => (deps.signal?.aborted ? 'interrupted' : undefined),
    },
    stop,
  )) {
    totals.add(folder);
    deps.onFolder?.(folder.folder, counters);
  }
  return {
    parsed,
    checkedAt: deps.now,
    days: totals.list(),
    counters,
    ...(stop.reason !== undefined ? { stopped: stop.reason } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Output (pure)
// ---------------------------------------------------------------------------------------------------------------

/** The verdict counts of a summary (a day, the total, or one log type of them) in the JSON document. */
export interface VerdictsJson {
  readonly accountedFor: boolean;
  readonly done: { objects: number; lines: number; bytes: number };
  readonly inProgress: { objects: number; lines: number; bytes: number };
  readonly failed: { objects: number; lines: number; bytes: number; causes: Record<string, number> };
  readonly skipped: { objects: number; bytes: number; reasons: Record<string, number> };
  readonly missing: { objects: number; bytes: number };
  readonly recent: { objects: number; bytes: number };
  /** Unknown to the ledger and written before it started recording. */
  readonly beforeLedger: { objects: number; bytes: number };
  readonly gone: { objects: number; lines: number; bytes: number };
  readonly replaced: number;
}

/** One log type of a day (or of the total). */
export interface TypeJson extends VerdictsJson {
  /** 0-byte log files of the type unknown to the ledger: not judged. */
  readonly empty: number;
  /** Log files of the type when --type leaves it out: not judged. */
  readonly notSelected: number;
}

/** One day (or the total) in the JSON document. */
export interface DayJson extends VerdictsJson {
  readonly day?: string;
  /** Day folders seen (one per account and region that has the day). */
  readonly folders: number;
  /** 0-byte log files unknown to the ledger: not judged. */
  readonly empty: number;
  /** Keys that are no log file of a known type, unknown to the ledger: not judged. */
  readonly notLogFiles: number;
  /** Of notLogFiles: objects of AWS's CloudWatch-vended delivery. */
  readonly cloudwatchDelivery: number;
  /** Log files of types --type leaves out: not judged. */
  readonly notSelected: number;
  /** The version 1 name of notLogFiles (which then also counted the log types other than ALB access logs). */
  readonly notAccessLogs: number;
  /** Every log type, in a fixed order, zeros included. */
  readonly types: Readonly<Record<LogTypeId, TypeJson>>;
  /** Up to 10 keys per day (days only). */
  readonly samples?: { readonly missing: readonly string[]; readonly failed: readonly string[] };
}

export interface StatusJson {
  readonly kind: 'alb-iceberg/status';
  readonly version: typeof STATUS_JSON_VERSION;
  readonly bucket: string;
  readonly prefix: string;
  readonly from: string;
  readonly to: string;
  readonly accounts: readonly string[] | null;
  readonly regions: readonly string[] | null;
  /** The log types judged (--type; every type by default). */
  readonly logTypes: readonly LogTypeId[];
  readonly ledgerTable: string;
  readonly graceMinutes: number;
  readonly checkedAt: string;
  readonly accountedFor: boolean;
  /** False when the scan stopped before the end (`stopped` says why). */
  readonly complete: boolean;
  readonly stopped?: string;
  readonly requests: { readonly listObjectsV2: number; readonly ledgerFolderQueries: number };
  readonly total: DayJson;
  readonly days: readonly DayJson[];
}

function verdictsJson(s: DaySummary): VerdictsJson {
  const v = s.verdicts;
  return {
    accountedFor: summaryAccountedFor(s),
    done: { objects: v.done.objects, lines: v.done.linesDone, bytes: v.done.bytes },
    inProgress: { objects: v['in-progress'].objects, lines: v['in-progress'].linesDone, bytes: v['in-progress'].bytes },
    failed: { objects: v.failed.objects, lines: v.failed.linesDone, bytes: v.failed.bytes, causes: s.failedCauses },
    skipped: { objects: v.skipped.objects, bytes: v.skipped.bytes, reasons: s.skippedReasons },
    missing: { objects: v.missing.objects, bytes: v.missing.bytes },
    recent: { objects: v.recent.objects, bytes: v.recent.bytes },
    beforeLedger: { objects: v['before-ledger'].objects, bytes: v['before-ledger'].bytes },
    gone: { objects: s.gone.objects, lines: s.gone.linesDone, bytes: s.gone.bytes },
    replaced: s.replaced,
  };
}

function dayJson(d: DayReport, withDay: boolean): DayJson {
  const n = d.notJudged;
  const types = Object.fromEntries(
    LOG_TYPE_IDS.map((t): [LogTypeId, TypeJson] => [
      t,
      { ...verdictsJson(d.byType[t] ?? emptyDay('')), empty: n.empty[t] ?? 0, notSelected: n.notSelected[t] ?? 0 },
    ]),
  ) as Record<LogTypeId, TypeJson>;
  return {
    ...(withDay ? { day: d.summary.day } : {}),
    ...verdictsJson(d.summary),
    folders: d.folders,
    empty: sumOf(n.empty),
    notLogFiles: n.notLogFiles,
    cloudwatchDelivery: n.cloudwatchDelivery,
    notSelected: sumOf(n.notSelected),
    notAccessLogs: n.notLogFiles,
    types,
    ...(withDay ? { samples: { missing: d.samples.missing, failed: d.samples.failed } } : {}),
  };
}

/** The `--json` document (documented in the README; its shape only grows). */
export function statusJson(r: StatusReport): StatusJson {
  const { scope } = r.parsed;
  return {
    kind: 'alb-iceberg/status',
    version: STATUS_JSON_VERSION,
    bucket: scope.bucket,
    prefix: normalisePrefix(scope.prefix),
    from: scope.from,
    to: r.parsed.to,
    accounts: scope.accounts ? [...scope.accounts] : null,
    regions: scope.regions ? [...scope.regions] : null,
    logTypes: scope.logTypes ? [...scope.logTypes] : [...LOG_TYPE_IDS],
    ledgerTable: r.parsed.ledgerTable,
    graceMinutes: r.parsed.graceMinutes,
    checkedAt: new Date(r.checkedAt).toISOString(),
    accountedFor: statusExitCode(r) === 0,
    complete: r.stopped === undefined,
    ...(r.stopped !== undefined ? { stopped: r.stopped } : {}),
    requests: { listObjectsV2: r.counters.listRequests, ledgerFolderQueries: r.counters.ledgerQueries },
    total: dayJson(totalOf(r.days), false),
    days: r.days.map((d) => dayJson(d, true)),
  };
}

const COLUMNS: readonly [string, (s: DaySummary) => number][] = [
  ['done', (s) => s.verdicts.done.objects],
  ['lines', (s) => s.verdicts.done.linesDone],
  ['in-progress', (s) => s.verdicts['in-progress'].objects],
  ['failed', (s) => s.verdicts.failed.objects],
  ['skipped', (s) => s.verdicts.skipped.objects],
  ['missing', (s) => s.verdicts.missing.objects],
  ['recent', (s) => s.verdicts.recent.objects],
  ['before-ledger', (s) => s.verdicts['before-ledger'].objects],
  ['gone', (s) => s.gone.objects],
  ['replaced', (s) => s.replaced],
];

/** The human report: a table with one row per day and a total, then causes, reasons, samples and the verdict. */
export function formatStatus(r: StatusReport): string {
  const { scope } = r.parsed;
  const filters = [
    scope.accounts ? `accounts ${scope.accounts.join(', ')}` : '',
    scope.regions ? `log regions ${scope.regions.join(', ')}` : '',
    isEveryType(scope.logTypes) ? '' : `log types ${scope.logTypes!.join(', ')}`,
  ].filter(Boolean);
  const lines = [
    `status: s3://${scope.bucket}/${normalisePrefix(scope.prefix)}AWSLogs/ from ${scope.from} to ${r.parsed.to}` +
      `${filters.length ? ` (${filters.join('; ')})` : ''}, ledger ${r.parsed.ledgerTable}, grace ${r.parsed.graceMinutes} min`,
    '',
  ];
  const total = totalOf(r.days);
  lines.push(
    ...table([
      ['day', ...COLUMNS.map(([name]) => name)],
      ...r.days.map((d) => [d.summary.day, ...COLUMNS.map(([, f]) => String(f(d.summary)))]),
      ['total', ...COLUMNS.map(([, f]) => String(f(total.summary)))],
    ]),
  );
  lines.push(...typeTable(total));
  const detail = (title: string, pick: (d: DayReport) => Record<string, number>) => {
    const found = r.days.flatMap((d) =>
      Object.entries(pick(d))
        .sort((a, b) => b[1] - a[1])
        .map(([text, n]) => `  ${d.summary.day}  ${n}  ${text}`),
    );
    if (found.length) lines.push('', title, ...found);
  };
  detail('failed, by cause:', (d) => d.summary.failedCauses);
  detail('skipped, by reason:', (d) => d.summary.skippedReasons);
  const samples = (title: string, pick: (d: DayReport) => readonly string[], count: (d: DayReport) => number) => {
    const withAny = r.days.filter((d) => count(d) > 0);
    if (withAny.length === 0) return;
    lines.push('', title);
    for (const d of withAny) {
      const keys = pick(d);
      for (const k of keys) lines.push(`  ${k}`);
      if (count(d) > keys.length) lines.push(`  … and ${count(d) - keys.length} more on ${d.summary.day}`);
    }
  };
  samples(
    'missing (in S3, never reached the pipeline):',
    (d) => d.samples.missing,
    (d) => d.summary.verdicts.missing.objects,
  );
  samples(
    'failed:',
    (d) => d.samples.failed,
    (d) => d.summary.verdicts.failed.objects,
  );
  lines.push('');
  const notJudged = notJudgedLine(total);
  if (notJudged) lines.push(notJudged);
  lines.push(
    `requests: ${r.counters.listRequests} ListObjectsV2, ${r.counters.ledgerQueries} ledger folder queries, ` +
      `${r.counters.listed} key(s) listed`,
  );
  lines.push('', verdictLine(r, total));
  return `${lines.join('\n')}\n`;
}

/** Rows of cells as aligned text: the first column left-aligned, the others right-aligned. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
  );
}

/**
 * The range's figures per log type, one row per type that has any log file (judged, gone, empty or not selected):
 * which objects of each type reached its table.
 */
function typeTable(total: DayReport): string[] {
  const n = total.notJudged;
  const present = LOG_TYPE_IDS.filter(
    (t) => total.byType[t] !== undefined || (n.empty[t] ?? 0) > 0 || (n.notSelected[t] ?? 0) > 0,
  );
  if (present.length === 0) return [];
  const rows = present.map((t) => {
    const s = total.byType[t] ?? emptyDay('');
    return [t, ...COLUMNS.map(([, f]) => String(f(s))), String(n.empty[t] ?? 0), String(n.notSelected[t] ?? 0)];
  });
  return [
    '',
    'by log type (total):',
    ...table([['type', ...COLUMNS.map(([name]) => name), 'empty', 'not-selected'], ...rows]),
  ];
}

/** What the scan set apart, or '' when nothing. */
function notJudgedLine(total: DayReport): string {
  const n = total.notJudged;
  const empty = sumOf(n.empty);
  const notSelected = sumOf(n.notSelected);
  if (empty + n.notLogFiles + notSelected === 0) return '';
  return (
    `not judged: ${empty} empty log file(s), ${n.notLogFiles} key(s) that are no log file` +
    `${n.cloudwatchDelivery ? ` (${n.cloudwatchDelivery} of CloudWatch-vended delivery)` : ''}` +
    `${notSelected ? `, ${notSelected} log file(s) of types not selected (${typeCountsText(n.notSelected)})` : ''}`
  );
}

function verdictLine(r: StatusReport, total: DayReport): string {
  const missing = total.summary.verdicts.missing.objects;
  const failed = total.summary.verdicts.failed.objects;
  if (r.stopped) return `incomplete: the scan stopped before the end (${r.stopped})`;
  if (missing === 0 && failed === 0) {
    const waiting = total.summary.verdicts['in-progress'].objects + total.summary.verdicts.recent.objects;
    return `accounted for: nothing missing, nothing failed${waiting ? ` (${waiting} still on their way)` : ''}`;
  }
  const next = [
    missing ? `'alb-iceberg reconcile' enqueues the ${missing} missing` : '',
    failed ? `'alb-iceberg reconcile --failed' also the ${failed} failed (once the cause is fixed)` : '',
  ].filter(Boolean);
  return `NOT accounted for: ${missing} missing, ${failed} failed. Next: ${next.join('; ')}`;
}
